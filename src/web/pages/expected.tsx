/** @jsxImportSource hono/jsx */

import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { deliveryScope } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { type ExpectedReport, expectedDeliveries } from '../../pipeline/expected';
import { asTyped, Badge, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/** The last whole month: the period most recently due. */
function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** Which expected deliveries of a dataset and period came, came late, or are missing. */
export async function expectedPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  const datasets = [...services.catalogue.datasets.keys()];
  const dataset = c.req.query('dataset') ?? datasets[0] ?? '';
  const period = c.req.query('period') ?? previousMonth(services.now());
  try {
    const report = await expectedDeliveries(services, dataset, period, deliveryScope(p));
    return c.html(<ExpectedView l={l} who={p} report={report} datasets={datasets} />);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return c.html(
      <Page l={l} title={l.t('expected.title')} who={p}>
        <p>{e.message}</p>
      </Page>,
      422,
    );
  }
}

function ExpectedView(props: { l: Locale; who: Principal; report: ExpectedReport; datasets: string[] }) {
  const { l, report: r } = props;
  return (
    <Page l={l} title={l.t('expected.title')} who={props.who}>
      <h1>{l.t('expected.title')}</h1>
      <form class="filter" method="get" action="/expected">
        <label>
          {l.t('col.dataset')}
          <select name="dataset">
            {props.datasets.map((d) => (
              <option value={d} selected={r.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          {l.t('col.period')}
          <input name="period" value={asTyped(r.period)} size={9} />
        </label>
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      <p>{l.t('expected.due', { deadline: l.instant(r.deadline) })}</p>
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
            <th>{l.t('col.source')}</th>
            <th>{l.t('col.status')}</th>
            <th>{l.t('col.received')}</th>
            <th class="num">{l.t('col.attempts')}</th>
            <th>{l.t('col.lastProblem')}</th>
          </tr>
        </thead>
        <tbody>
          {r.items.map((i) => (
            <tr>
              <td>
                {i.municipality} {i.municipalityName}
              </td>
              <td>{i.source}</td>
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
              <td>{i.lastProblem ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{l.t('col.times')}</p>
      {r.items.length === 0 ? <p class="muted">{l.t('expected.none')}</p> : null}
    </Page>
  );
}
