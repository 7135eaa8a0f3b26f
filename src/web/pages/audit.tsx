/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { AuditEvent } from '../../audit/chain';
import type { Principal } from '../../auth/principal';
import { mayReadRegister } from '../../auth/visibility';
import { isCursor } from '../../stores/paging';
import { asTyped, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/** The audit log's readers: auditors and admins (as GET /v1/audit). */
const mayReadAudit = mayReadRegister;

const FILTERS = ['from', 'to', 'actor', 'action', 'delivery', 'municipality'] as const;
/** A gateway id: three letters, an underscore, a ULID. */
const GATEWAY_ID = /^[a-z]{3}_[0-9A-Z]{26}$/;

/** An instant as the form gives it (`2026-10-01` or `2026-10-01T08:00`), as ISO; null when it is none. */
function instantOf(v: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(v)) return null;
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : `${v}Z`);
  if (Number.isNaN(t)) return null;
  const iso = new Date(t).toISOString();
  // A date that does not exist (31 February, 24:00) is not rolled over into another.
  if (iso.slice(0, v.length) !== v) return null;
  const year = new Date(t).getUTCFullYear();
  return year >= 1900 && year <= 9999 ? iso : null;
}

/**
 * The audit log searched (time, actor, action, delivery or extract), 100 events a page, with
 * how the chain stands: its head and the newest signed checkpoint.
 */
export async function auditPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  if (!mayReadAudit(p))
    return c.html(
      <Page l={l} title={l.t('audit.title')} who={p}>
        <h1>{l.t('audit.title')}</h1>
        <p>{l.t('register.notForYou')}</p>
      </Page>,
      403,
    );
  const q = Object.fromEntries(
    FILTERS.map((k) => [k, (c.req.query(k) ?? '').slice(0, 200).trim()]),
  ) as Record<(typeof FILTERS)[number], string>;
  const from = q.from ? instantOf(q.from) : undefined;
  const to = q.to ? instantOf(q.to) : undefined;
  // A search term the page would not show (one that may hold a CPR number), or a municipality
  // that is not a code, is refused rather than used or carried into the next page's link.
  // (A gateway id, dlv_… or ext_…, is shown as it is, whatever digits it holds.)
  const shown = (k: (typeof FILTERS)[number]) =>
    k === 'delivery' && GATEWAY_ID.test(q[k]) ? q[k] : asTyped(q[k]);
  const unusable = FILTERS.some((k) => q[k] !== '' && shown(k) !== q[k]);
  if (from === null || to === null || unusable || (q.municipality !== '' && !/^\d{3}$/.test(q.municipality)))
    return c.html(
      <Page l={l} title={l.t('audit.title')} who={p}>
        <h1>{l.t('audit.title')}</h1>
        <p role="alert">{l.t('audit.badTime')}</p>
      </Page>,
      400,
    );
  const cursor = c.req.query('cursor');
  if (cursor !== undefined && !isCursor('seq', cursor))
    return c.html(
      <Page l={l} title={l.t('audit.title')} who={p}>
        <h1>{l.t('audit.title')}</h1>
        <p role="alert">{l.t('audit.badCursor')}</p>
      </Page>,
      400,
    );
  const page = await services.metadata.listAudit(
    {
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.delivery ? { subject: q.delivery } : {}),
      ...(q.municipality ? { municipality: q.municipality } : {}),
    },
    cursor ?? null,
    100,
  );
  const [head, checkpoint] = await Promise.all([
    services.metadata.auditHead(),
    services.metadata.latestAuditCheckpoint(),
  ]);
  const next = new URLSearchParams(Object.entries(q).filter(([, v]) => v));
  if (page.next) next.set('cursor', page.next);
  return c.html(
    <Page l={l} title={l.t('audit.title')} who={p}>
      <h1>{l.t('audit.title')}</h1>
      <p>
        {l.t('audit.head', { seq: l.number(head.seq) })}{' '}
        {checkpoint ? (
          <>
            {l.t('audit.checkpoint', { seq: l.number(checkpoint.seq) })} <When l={l} at={checkpoint.at} />.{' '}
            {head.seq > checkpoint.seq
              ? l.t('audit.sinceCheckpoint', { n: l.number(head.seq - checkpoint.seq) })
              : l.t('audit.allSigned')}
          </>
        ) : (
          l.t('audit.noCheckpoint')
        )}
      </p>
      <form class="filter" method="get" action="/audit">
        {FILTERS.map((k) => (
          <label>
            {l.t(`audit.filter.${k}`)}
            <input name={k} value={shown(k)} size={k === 'from' || k === 'to' ? 16 : 24} />
          </label>
        ))}
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      <AuditTable l={l} events={page.items} />
      {page.next ? (
        <p>
          <a href={`/audit?${next.toString()}`}>{l.t('audit.more')}</a>
        </p>
      ) : null}
    </Page>,
  );
}

/** Audit events as a table: counts, ids and rule names only (no event holds a delivered value). */
export function AuditTable(props: { l: Locale; events: AuditEvent[] }) {
  const { l } = props;
  if (!props.events.length) return <p>{l.t('audit.none')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th class="num">#</th>
          <th>{l.t('audit.filter.from')}</th>
          <th>{l.t('audit.filter.actor')}</th>
          <th>{l.t('audit.filter.action')}</th>
          <th>{l.t('audit.subject')}</th>
          <th>{l.t('audit.details')}</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => (
          <tr>
            <td class="num">{e.seq}</td>
            <td>
              <When l={l} at={e.at} />
            </td>
            <td>{e.actor}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              <code>{e.subject}</code>
            </td>
            <td>
              <code class="details">{JSON.stringify(e.details)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
