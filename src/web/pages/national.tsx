/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { consolidationScope } from '../../auth/visibility';
import type { ConsolidationCount } from '../../core/consolidation';
import type { Cadence } from '../../core/dataset';
import type { SlotState } from '../../core/status';
import { SLOT_STATUSES, type SlotStatus } from '../../core/vocabulary';
import { consolidationReport } from '../../pipeline/quality';
import { slotStatuses } from '../../pipeline/status';
import { asTyped, Badge, municipalityName } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';
import { askedMonth, defaultMonth, monthlyView } from './monthly';

/** A period of each cadence, as the refusal's example. */
const PERIOD_EXAMPLE: Record<Cadence, string> = {
  monthly: '2026-10',
  weekly: '2026-W40',
  daily: '2026-10-05',
};

/** A `?period=` the page cannot read: 400 on every dashboard page, in the reader's language. */
export function badPeriodPage(c: Context, l: Locale, p: Principal, cadence: Cadence = 'monthly') {
  return c.html(
    <Page l={l} title={l.t('national.badPeriodTitle')} who={p}>
      <h1>{l.t('national.badPeriodTitle')}</h1>
      <p role="alert">
        {l.t('national.badPeriod', {
          format: l.t(`period.written.${cadence}`),
          example: PERIOD_EXAMPLE[cadence],
        })}
      </p>
    </Page>,
    400,
  );
}

/**
 * The national picture of a month: every municipality × obligated monthly dataset the
 * principal may see, one cell each, from GET /v1/status's own function and scope; the
 * consolidation figure of the month from GET /v1/reports/consolidation's, where the principal
 * may read it.
 */
export async function nationalPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  const asked = askedMonth(c.req.query('period'));
  if (asked === null) return badPeriodPage(c, l, p);
  const { scope, obligations } = monthlyView(services, p);
  const period = asked ?? defaultMonth(services, obligations);
  const datasets = obligations.map((o) => o.obligation.dataset);
  const cells = new Map<string, SlotState>();
  const summary = Object.fromEntries(SLOT_STATUSES.map((s) => [s, 0])) as Record<SlotStatus, number>;
  if (period)
    for (const dataset of datasets) {
      const r = await slotStatuses(services, { dataset, period }, scope);
      for (const i of r.items) cells.set(`${i.municipality}/${dataset}`, i);
      for (const s of SLOT_STATUSES) summary[s] += r.summary[s];
    }
  const cScope = consolidationScope(p);
  const consolidation =
    period && cScope
      ? (await consolidationReport(services, { from: period, to: period }, cScope)).total
      : null;
  const municipalities = [...new Set([...cells.values()].map((i) => i.municipality))].sort();
  return c.html(
    <NationalView
      l={l}
      who={p}
      period={period}
      datasets={datasets}
      municipalities={municipalities}
      cells={cells}
      summary={summary}
      consolidation={consolidation}
    />,
  );
}

/** The consolidation figure in one sentence. */
export function ConsolidationLine(props: { l: Locale; from: string; to: string; total: ConsolidationCount }) {
  const { l, total } = props;
  return (
    <p class="consolidation">
      {l.t('consolidation.figure', {
        from: props.from,
        to: props.to,
        deliveries: l.number(total.deliveries),
        extracts: l.number(total.extracts),
        avoided: l.number(total.avoided),
      })}
    </p>
  );
}

/** A slot as one cell: coloured by status, the status in words, the anomaly marked, a link. */
export function SlotCell(props: { l: Locale; slot: SlotState | undefined; href: string; extra?: string }) {
  const { l, slot } = props;
  if (!slot) return <td class="cell none">–</td>;
  const label = `${l.t('national.cell', {
    municipality: `${slot.municipality} ${municipalityName(slot.municipality)}`,
    dataset: slot.dataset,
    period: slot.period,
    status: l.status(slot.status),
  })}${slot.anomaly ? `, ${l.t('anomaly')}` : ''}`;
  return (
    <td class={`cell ${slot.status}`}>
      <a href={props.href} title={label} aria-label={label}>
        {l.status(slot.status)}
        {slot.anomaly ? <span class="anomaly"> ⚠</span> : ''}
        {props.extra ? <span class="extra">{props.extra}</span> : ''}
      </a>
    </td>
  );
}

function NationalView(props: {
  l: Locale;
  who: Principal;
  period: string | null;
  datasets: string[];
  municipalities: string[];
  cells: Map<string, SlotState>;
  summary: Record<SlotStatus, number>;
  consolidation: ConsolidationCount | null;
}) {
  const { l, period } = props;
  const title = l.t('national.title', { period: period ?? '' });
  const anomalies = [...props.cells.values()].filter((i) => i.anomaly).length;
  return (
    <Page l={l} title={title} who={props.who}>
      <h1>{title}</h1>
      <form class="filter" method="get" action="/national">
        <label>
          {l.t('col.period')}
          <input name="period" size={8} placeholder="2026-10" value={asTyped(period ?? '')} />
        </label>
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      {period ? null : <p class="muted">{l.t('national.noneDue')}</p>}
      <div class="summary">
        {SLOT_STATUSES.map((s) => (
          <div>
            <Badge l={l} status={s} /> {l.number(props.summary[s])}
          </div>
        ))}
        <div>
          ⚠ {l.t('anomaly')} {l.number(anomalies)}
        </div>
      </div>
      {props.consolidation && period ? (
        <ConsolidationLine l={l} from={period} to={period} total={props.consolidation} />
      ) : null}
      <p class="muted">{l.t('national.intro')}</p>
      {props.municipalities.length ? (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">{l.t('col.municipality')}</th>
              {props.datasets.map((d) => (
                <th scope="col">{d}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.municipalities.map((m) => (
              <tr>
                <th scope="row">
                  {m} {municipalityName(m)}
                </th>
                {props.datasets.map((d) => (
                  <SlotCell
                    l={l}
                    slot={props.cells.get(`${m}/${d}`)}
                    href={`/municipalities/${m}?period=${period}`}
                  />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{l.t('national.none')}</p>
      )}
    </Page>
  );
}
