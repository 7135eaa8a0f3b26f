/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { consolidationScope, runReportScope, withinStatusScope } from '../../auth/visibility';
import type { ConsolidationCount } from '../../core/consolidation';
import { isMunicipalityCode } from '../../core/municipalities';
import type { RunRecord } from '../../core/run-report';
import type { SlotState } from '../../core/status';
import { consolidationReport } from '../../pipeline/quality';
import { slotStatuses } from '../../pipeline/status';
import { asTyped, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';
import { TrendChart } from '../trend';
import { askedMonth, defaultMonth, monthlyView, monthsEnding } from './monthly';
import { badPeriodPage, ConsolidationLine, SlotCell } from './national';

/** How many months the municipality page shows. */
export const MUNICIPALITY_MONTHS = 12;

const errorsOf = (s: SlotState | undefined) =>
  s ? Object.values(s.errorsByRule).reduce((a, b) => a + b, 0) : null;

/** A page saying there is nothing to see here: the same for an unknown code and one out of scope. */
function notFound(c: Context, l: Locale, p: Principal) {
  return c.html(
    <Page l={l} title={l.t('municipality.notFoundTitle')} who={p}>
      <h1>{l.t('municipality.notFoundTitle')}</h1>
      <p>{l.t('municipality.notFound')}</p>
    </Page>,
    404,
  );
}

/**
 * One municipality: its obligated monthly datasets × the last 12 months (GET /v1/status's
 * function and scope, month by month), a trend chart per dataset, its run reports and its
 * consolidation figure where the principal may read them. Out of scope is as absent as unknown.
 */
export async function municipalityPage(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  code: string,
) {
  const { scope, obligations } = monthlyView(services, p);
  const visible = obligations.filter((o) =>
    withinStatusScope(scope, { dataset: o.obligation.dataset, municipality: code }),
  );
  if (!isMunicipalityCode(code) || !scope || !visible.length) return notFound(c, l, p);
  const asked = askedMonth(c.req.query('period'));
  if (asked === null) return badPeriodPage(c, l, p);
  const last = asked ?? defaultMonth(services, visible);
  const months = last ? monthsEnding(last, MUNICIPALITY_MONTHS) : [];
  const rows: Array<{ dataset: string; slots: Array<SlotState | undefined> }> = [];
  for (const o of visible) {
    const dataset = o.obligation.dataset;
    const slots: Array<SlotState | undefined> = [];
    for (const period of months) {
      const r = await slotStatuses(services, { dataset, period, municipality: code }, scope);
      slots.push(r.items[0]);
    }
    rows.push({ dataset, slots });
  }
  // The run reports are listed where the principal may read this municipality's (runReportScope).
  const rScope = runReportScope(p, services.catalogue);
  const readsReports = !!rScope && (!rScope.municipalities || rScope.municipalities.includes(code));
  const runs = readsReports ? (await services.metadata.listRuns({}, null, 12)).items : [];
  const cScope = consolidationScope(p);
  const mayConsolidate = !!cScope && (!cScope.municipalities || cScope.municipalities.includes(code));
  const consolidation =
    mayConsolidate && months.length
      ? (
          await consolidationReport(
            services,
            { from: months[0] as string, to: months[months.length - 1] as string },
            { municipalities: [code] },
          )
        ).total
      : null;
  return c.html(
    <MunicipalityView
      l={l}
      who={p}
      code={code}
      months={months}
      rows={rows}
      runs={runs}
      consolidation={consolidation}
    />,
  );
}

function MunicipalityView(props: {
  l: Locale;
  who: Principal;
  code: string;
  months: string[];
  rows: Array<{ dataset: string; slots: Array<SlotState | undefined> }>;
  runs: RunRecord[];
  consolidation: ConsolidationCount | null;
}) {
  const { l, code, months } = props;
  const name = municipalityName(code);
  const title = l.t('municipality.title', { code, name });
  const from = months[0] ?? '';
  const to = months[months.length - 1] ?? '';
  return (
    <Page l={l} title={title} who={props.who}>
      <h1>{title}</h1>
      <form class="filter" method="get" action={`/municipalities/${code}`}>
        <label>
          {l.t('col.period')}
          <input name="period" size={8} placeholder="2026-10" value={asTyped(to)} />
        </label>
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      {to ? (
        <p class="muted">{l.t('municipality.intro', { n: months.length, period: to })}</p>
      ) : (
        <p class="muted">{l.t('national.noneDue')}</p>
      )}
      {props.consolidation ? (
        <ConsolidationLine l={l} from={from} to={to} total={props.consolidation} />
      ) : null}
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">{l.t('col.dataset')}</th>
            {months.map((m) => (
              <th scope="col">{m}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <th scope="row">{r.dataset}</th>
              {r.slots.map((s, i) => (
                <SlotCell
                  l={l}
                  slot={s}
                  href={s?.delivery ? `/deliveries/${s.delivery}` : `/national?period=${months[i]}`}
                  extra={
                    s && s.records !== null
                      ? `${l.number(s.records)} ${l.t('trend.records')}${errorsOf(s) ? `, ${l.number(errorsOf(s) ?? 0)} ${l.t('trend.errors')}` : ''}`
                      : undefined
                  }
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.map((r) => (
        <section>
          <h2>{l.t('municipality.trend', { dataset: r.dataset })}</h2>
          <TrendChart
            l={l}
            id={`trend-${r.dataset}`}
            title={l.t('municipality.trend', { dataset: r.dataset })}
            desc={l.t('municipality.trendDesc', { dataset: r.dataset, name, from, to })}
            periods={months}
            anomalies={r.slots.map((s) => !!s?.anomaly)}
            lines={[
              {
                kind: 'records',
                label: l.t('trend.records'),
                values: r.slots.map((s) => s?.records ?? null),
              },
              { kind: 'errors', label: l.t('trend.errors'), values: r.slots.map(errorsOf) },
            ]}
          />
        </section>
      ))}
      <h2>{l.t('municipality.runs')}</h2>
      {props.runs.length ? (
        <ul>
          {props.runs.map((run) => (
            <li>
              <a href={`/runs/${run.id}/municipalities/${code}`}>
                {l.t('municipality.report', { period: run.period })}
              </a>{' '}
              <span class="muted">
                (<When l={l} at={run.ranAt} />)
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{l.t('municipality.noRuns')}</p>
      )}
    </Page>
  );
}
