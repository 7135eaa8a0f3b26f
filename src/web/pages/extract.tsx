/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { clientAddressOf } from '../../auth/authenticate';
import type { Principal } from '../../auth/principal';
import { mayReadExtract } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { isOverdue } from '../../core/lineage';
import { acknowledge, readExtract } from '../../pipeline/extract-access';
import { toReadableStream } from '../../stores/byte-stream';
import type { ExtractRecord } from '../../stores/metadata-store';
import { Badge, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const ID = /^ext_[0-9A-Z]{26}$/;

async function load(services: DashboardServices, p: Principal, id: string): Promise<ExtractRecord | null> {
  if (!ID.test(id)) return null;
  const e = await services.metadata.getExtract(id);
  return e && mayReadExtract(p, e) ? e : null;
}

const notFound = (c: Context, l: Locale, p: Principal) =>
  c.html(
    <Page l={l} title={l.t('delivery.notFoundTitle')} who={p}>
      <p>{l.t('extract.notFound')}</p>
      <p>
        <a href="/">{l.t('extract.back')}</a>
      </p>
    </Page>,
    404,
  );

/** One extract: what it is, where it stands among corrections, the file, and the recipient's word. */
export async function extractPage(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  id: string,
  problem?: string,
) {
  const e = await load(services, p, id);
  if (!e) return notFound(c, l, p);
  const delivery = await services.metadata.getDelivery(e.deliveryId);
  const dropped = delivery?.records?.invalid ?? 0;
  const owesWord =
    p.role === 'recipient' && !e.acknowledgement && (e.status === 'available' || e.status === 'fetched');
  const link = (to: string) => <a href={`/extracts/${to}`}>{to}</a>;
  return c.html(
    <Page l={l} title={e.fileName} who={p}>
      <p>
        <a href="/">{l.t('extract.back')}</a>
      </p>
      <h1>
        <code>{e.fileName}</code> <Badge l={l} status={e.status} />
        {isOverdue(e, services.now()) ? (
          <>
            {' '}
            <Badge l={l} status="overdue" />
          </>
        ) : null}
      </h1>
      <dl class="facts">
        <dt>{l.t('col.dataset')}</dt>
        <dd>{e.dataset}</dd>
        <dt>{l.t('col.municipality')}</dt>
        <dd>
          {e.municipality} {municipalityName(e.municipality)}
        </dd>
        <dt>{l.t('col.period')}</dt>
        <dd>{e.period}</dd>
        <dt>{l.t('col.records')}</dt>
        <dd>{l.number(e.records)}</dd>
        <dt>{l.t('col.made')}</dt>
        <dd>
          <When l={l} at={e.createdAt} />
        </dd>
        <dt>{l.t('extract.version')}</dt>
        <dd>{l.number(e.version)}</dd>
        {e.replaces ? (
          <>
            <dt>{l.t('extract.replaces')}</dt>
            <dd>{link(e.replaces)}</dd>
          </>
        ) : null}
        {e.replacedBy ? (
          <>
            <dt>{l.t('extract.replacedBy')}</dt>
            <dd>{link(e.replacedBy)}</dd>
          </>
        ) : null}
        <dt>sha256</dt>
        <dd>
          <code class="details">{e.sha256}</code>
        </dd>
        <dt>{l.t('extract.word')}</dt>
        <dd>
          {e.acknowledgement ? (
            <>
              <Badge l={l} status={e.acknowledgement.status === 'accepted' ? 'acknowledged' : 'refused'} />{' '}
              {e.acknowledgedAt ? <When l={l} at={e.acknowledgedAt} /> : null}
              {e.acknowledgement.reason ? <p>{e.acknowledgement.reason}</p> : null}
            </>
          ) : e.ackDueAt ? (
            l.t('extract.due', { at: l.date(e.ackDueAt) })
          ) : (
            '–'
          )}
        </dd>
      </dl>
      {e.metadata.partial === true ? (
        <p role="note">{l.t('extract.partial', { n: l.number(dropped) })}</p>
      ) : null}
      {e.metadata.encryption ? <p class="muted">{l.t('extract.encrypted')}</p> : null}
      {p.role === 'recipient' && e.status !== 'purged' ? (
        <p>
          <a href={`/extracts/${e.id}/download`} download={e.fileName}>
            {l.t('extract.download')}
          </a>
        </p>
      ) : null}
      {owesWord ? (
        <>
          {problem ? <p role="alert">{problem}</p> : null}
          <form class="word" method="post" action={`/extracts/${e.id}/acknowledge`}>
            <input type="hidden" name="status" value="accepted" />
            <button type="submit">{l.t('extract.accept')}</button>
          </form>
          <form class="word" method="post" action={`/extracts/${e.id}/acknowledge`}>
            <input type="hidden" name="status" value="refused" />
            <label>
              {l.t('extract.reason')}
              <textarea name="reason" rows={3} cols={60} maxlength={2000} required />
            </label>
            <button type="submit">{l.t('extract.refuse')}</button>
          </form>
        </>
      ) : null}
    </Page>,
    problem ? 422 : 200,
  );
}

/** The file itself, for the recipient signed in: every read audited as on the API. */
export async function extractDownload(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  id: string,
) {
  const e = await load(services, p, id);
  if (!e || p.role !== 'recipient') return notFound(c, l, p);
  const stream = await readExtract(services, p, e, null, clientAddressOf(services, c));
  return c.body(toReadableStream(stream), 200, {
    'content-type': e.contentType,
    'content-length': String(e.bytes),
    'content-disposition': `attachment; filename="${e.fileName}"`,
    'cache-control': 'private, no-store',
  });
}

/** The recipient's word from the page's forms; back to the page, or the page again with what was wrong. */
export async function extractAcknowledge(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  id: string,
) {
  const e = await load(services, p, id);
  if (!e || p.role !== 'recipient') return notFound(c, l, p);
  const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const status = form.status;
  // One status and at most one reason: a form that says two things is not read as either.
  if (Array.isArray(status) || Array.isArray(form.reason))
    return extractPage(services, c, p, l, id, l.t('extract.formTwice'));
  const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
  if (status === 'refused' && (reason === '' || reason.length > 2000))
    return extractPage(services, c, p, l, id, l.t('extract.reasonMissing'));
  if (status !== 'accepted' && status !== 'refused') return extractPage(services, c, p, l, id);
  try {
    await acknowledge(services, p, e, status === 'accepted' ? { status } : { status, reason });
  } catch (err) {
    if (!(err instanceof GatewayError) || err.code !== 'already_acknowledged') throw err;
  }
  return c.redirect(`/extracts/${e.id}`, 303);
}
