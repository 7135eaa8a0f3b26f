/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { runReportScope, statusScope } from '../../auth/visibility';
import type { RunRecord, RunSummary } from '../../core/run-report';
import { renderReportHtml } from '../../pipeline/run-documents';
import { runReportFor, runSummaryFor } from '../../pipeline/run-views';
import { isCursor } from '../../stores/paging';
import { When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const COUNTS = ['slots', 'received', 'late', 'missing', 'pending', 'rejected', 'anomalies'] as const;
const countLabel = (l: Locale, k: (typeof COUNTS)[number]) =>
  k === 'slots' ? l.t('col.slots') : k === 'anomalies' ? l.t('col.anomalies') : l.status(k);

function notFound(c: Context, l: Locale, p: Principal) {
  return c.html(
    <Page l={l} title={l.t('delivery.notFoundTitle')} who={p}>
      <h1>{l.t('delivery.notFoundTitle')}</h1>
      <p>{l.t('runs.notFound')}</p>
    </Page>,
    404,
  );
}

/** The monthly runs, newest first, as GET /v1/runs lists them (every role sees the national counts). */
export async function runsPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  const q = c.req.query('cursor');
  const page = await services.metadata.listRuns({}, q && isCursor('id', q) ? q : null, 50);
  return c.html(<RunsView l={l} who={p} runs={page.items} next={page.next} />);
}

function RunsView(props: { l: Locale; who: Principal; runs: RunRecord[]; next: string | null }) {
  const { l } = props;
  return (
    <Page l={l} title={l.t('runs.title')} who={props.who}>
      <h1>{l.t('runs.title')}</h1>
      {props.runs.length ? (
        <table>
          <thead>
            <tr>
              <th>{l.t('col.period')}</th>
              <th>{l.t('col.ranAt')}</th>
              <th>{l.t('col.trigger')}</th>
              {COUNTS.map((k) => (
                <th class="num">{countLabel(l, k)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.runs.map((r) => (
              <tr>
                <td>
                  <a href={`/runs/${r.id}`}>{r.period}</a>
                </td>
                <td>
                  <When l={l} at={r.ranAt} />
                </td>
                <td>{l.t(r.trigger === 'manual' ? 'trigger.manual' : 'trigger.scheduled')}</td>
                {COUNTS.map((k) => (
                  <td class="num">{l.number(r.counts[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{l.t('runs.none')}</p>
      )}
      {props.next ? (
        <p>
          <a rel="next" href={`/runs?cursor=${encodeURIComponent(props.next)}`}>
            →
          </a>
        </p>
      ) : null}
    </Page>
  );
}

/**
 * One run: its national counts and the municipalities' rows the principal may see (as
 * GET /v1/runs/{id}/summary decides), each linking to that municipality's printable report.
 */
export async function runPage(services: DashboardServices, c: Context, p: Principal, l: Locale, id: string) {
  const scope = statusScope(p, services.catalogue);
  const s = id.length <= 64 ? await runSummaryFor(services.metadata, id, scope) : null;
  if (!s) return notFound(c, l, p);
  return c.html(<RunView l={l} who={p} s={s} linked={runReportScope(p, services.catalogue) !== null} />);
}

/** A run's page; `linked`: each municipality's row links to its report (for those who may read one). */
function RunView(props: { l: Locale; who: Principal; s: RunSummary; linked: boolean }) {
  const { l, s } = props;
  const title = `${l.t('runs.title')} · ${s.period}`;
  return (
    <Page l={l} title={title} who={props.who}>
      <p>
        <a href="/runs">← {l.t('runs.title')}</a> ·{' '}
        <a href={`/national?period=${s.period}`}>{l.t('nav.national')}</a>
      </p>
      <h1>{title}</h1>
      <p>
        {l.t('col.ranAt')} <When l={l} at={s.ranAt} />
      </p>
      <h2>{l.t('runs.reports')}</h2>
      <table>
        <thead>
          <tr>
            <th>{l.t('col.municipality')}</th>
            {COUNTS.map((k) => (
              <th class="num">{countLabel(l, k)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {s.municipalities.map((m) => (
            <tr>
              <td>
                {props.linked ? (
                  <a href={`/runs/${s.run}/municipalities/${m.municipality}`}>
                    {m.municipality} {m.municipalityName}
                  </a>
                ) : (
                  `${m.municipality} ${m.municipalityName}`
                )}
              </td>
              {COUNTS.map((k) => (
                <td class="num">{l.number(m[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

/**
 * A municipality's printable run report: the very page GET /v1/runs/{id}/municipalities/{code}
 * answers as text/html (the same renderer, the same stored snapshot, the same rule for who may
 * read it), in the dashboard's language. Another municipality's report is as absent as none.
 */
export async function runReportPage(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  id: string,
  code: string,
) {
  const r =
    /^\d{3}$/.test(code) && id.length <= 64
      ? await runReportFor(services.metadata, id, code, runReportScope(p, services.catalogue))
      : null;
  if (!r) return notFound(c, l, p);
  return c.body(renderReportHtml(r, l.lang), 200, { 'content-type': 'text/html; charset=utf-8' });
}
