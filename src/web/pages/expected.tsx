/** @jsxImportSource hono/jsx */

import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { statusScope } from '../../auth/visibility';
import { parsePeriod } from '../../core/period';
import { type StatusReport, slotStatuses } from '../../pipeline/status';
import { asTyped, Badge, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';
import { badPeriodPage } from './national';

/** How each obligated slot of a dataset and period stands (GET /v1/status, the same rule and scope). */
export async function expectedPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  const scope = statusScope(p, services.catalogue);
  const datasets = [...services.catalogue.obligations.keys()].filter(
    (d) => scope?.datasets === undefined || scope.datasets.includes(d),
  );
  const cadenceOf = (d: string) => services.catalogue.datasets.get(d)?.dataset.cadence ?? 'monthly';
  // No period: the one most recently due. A period without a dataset: the first dataset of its cadence.
  const period = c.req.query('period') || undefined;
  const asked = c.req.query('dataset') || undefined;
  if (asked !== undefined && !datasets.includes(asked))
    return c.html(
      <Page l={l} title={l.t('expected.title')} who={p}>
        <h1>{l.t('expected.title')}</h1>
        <p role="alert">{l.t('expected.unknownDataset')}</p>
      </Page>,
      400,
    );
  const fits = (d: string) =>
    period !== undefined && period.length <= 16 && !!parsePeriod(period, cadenceOf(d));
  const dataset = asked ?? datasets.find(fits) ?? datasets[0] ?? '';
  if (period !== undefined && !fits(dataset)) return badPeriodPage(c, l, p, cadenceOf(dataset));
  const report = await slotStatuses(services, { dataset: dataset || undefined, period }, scope);
  return c.html(
    <ExpectedView l={l} who={p} report={report} dataset={dataset} period={period} datasets={datasets} />,
  );
}

function ExpectedView(props: {
  l: Locale;
  who: Principal;
  report: StatusReport;
  dataset: string;
  period: string | undefined;
  datasets: string[];
}) {
  const { l, report: r } = props;
  const first = r.items[0];
  return (
    <Page l={l} title={l.t('expected.title')} who={props.who}>
      <h1>{l.t('expected.title')}</h1>
      <form class="filter" method="get" action="/expected">
        <label>
          {l.t('col.dataset')}
          <select name="dataset">
            {props.datasets.map((d) => (
              <option value={d} selected={props.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          {l.t('col.period')}
          <input name="period" value={asTyped(props.period ?? first?.period ?? '')} size={10} />
        </label>
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      {first ? (
        <p>{l.t('expected.due', { period: first.period, deadline: l.date(first.deadline) })}</p>
      ) : null}
      <div class="summary">
        {Object.entries(r.summary).map(([s, n]) => (
          <div>
            <Badge l={l} status={s} /> {l.number(n)}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>{l.t('col.municipality')}</th>
            <th>{l.t('col.status')}</th>
            <th>{l.t('col.received')}</th>
            <th class="num">{l.t('col.attempts')}</th>
            <th class="num">{l.t('col.rejected')}</th>
            <th class="num">{l.t('col.records')}</th>
            <th class="num">{l.t('col.change')}</th>
          </tr>
        </thead>
        <tbody>
          {r.items.map((i) => (
            <tr>
              <td>
                {i.municipality} {municipalityName(i.municipality)}
              </td>
              <td>
                <Badge l={l} status={i.status} />
              </td>
              <td>
                {i.delivery ? (
                  <a href={`/deliveries/${i.delivery}`}>
                    {i.receivedAt ? <When l={l} at={i.receivedAt} /> : ''}
                  </a>
                ) : (
                  ''
                )}
              </td>
              <td class="num">{l.number(i.attempts)}</td>
              <td class="num">{l.number(i.rejectedAttempts)}</td>
              <td class="num">{i.records === null ? '' : l.number(i.records)}</td>
              <td class="num">
                {i.change === null
                  ? ''
                  : `${i.change > 0 ? '+' : ''}${l.number(Math.round(i.change * 100))} %`}
                {i.anomaly ? <span title={l.t('anomaly')}> ⚠ {l.t('anomaly')}</span> : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.items.length === 0 ? <p class="muted">{l.t('expected.none')}</p> : null}
    </Page>
  );
}
