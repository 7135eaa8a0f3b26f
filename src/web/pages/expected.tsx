/** @jsxImportSource hono/jsx */

import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { deliveryScope } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { type ExpectedReport, expectedDeliveries } from '../../pipeline/expected';
import { asTyped, shownInstant } from '../components';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/** The last whole month: the period most recently due. */
function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** Which expected deliveries of a dataset and period came, came late, or are missing. */
export async function expectedPage(services: DashboardServices, c: Context, p: Principal) {
  const datasets = [...services.catalogue.datasets.keys()];
  const dataset = c.req.query('dataset') ?? datasets[0] ?? '';
  const period = c.req.query('period') ?? previousMonth(services.now());
  try {
    const report = await expectedDeliveries(services, dataset, period, deliveryScope(p));
    return c.html(<ExpectedView who={p} report={report} datasets={datasets} />);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return c.html(
      <Page title="Expected deliveries" who={p}>
        <p>{e.message}</p>
      </Page>,
      422,
    );
  }
}

function ExpectedView(props: { who: Principal; report: ExpectedReport; datasets: string[] }) {
  const r = props.report;
  return (
    <Page title="Expected deliveries" who={props.who}>
      <h1>Expected deliveries</h1>
      <form class="filter" method="get" action="/expected">
        <label>
          Dataset
          <select name="dataset">
            {props.datasets.map((d) => (
              <option value={d} selected={r.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period
          <input name="period" value={asTyped(r.period)} size={9} />
        </label>
        <button type="submit">Show</button>
      </form>
      <p>Due by {r.deadline.replace('T', ' ').slice(0, 16)} UTC.</p>
      <div class="summary">
        {Object.entries(r.summary).map(([s, n]) => (
          <div>
            <span class={`badge ${s}`}>{s}</span> {n}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>Municipality</th>
            <th>Source</th>
            <th>Status</th>
            <th>Received (UTC)</th>
            <th class="num">Attempts</th>
            <th>Last problem</th>
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
                <span class={`badge ${i.status}`}>{i.status}</span>
              </td>
              <td>
                {i.delivery ? (
                  <a href={`/deliveries/${i.delivery}`}>{i.receivedAt ? shownInstant(i.receivedAt) : ''}</a>
                ) : (
                  ''
                )}
              </td>
              <td class="num">{i.attempts}</td>
              <td>{i.lastProblem ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.items.length === 0 ? (
        <p class="muted">No source token names a municipality for this dataset.</p>
      ) : null}
    </Page>
  );
}
