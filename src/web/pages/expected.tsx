/** @jsxImportSource hono/jsx */

import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { statusScope } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { MUNICIPALITIES } from '../../core/municipalities';
import { type StatusReport, slotStatuses } from '../../pipeline/status';
import { asTyped, shownInstant } from '../components';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/** How each obligated slot of a dataset and period stands (GET /v1/status, the same rule and scope). */
export async function expectedPage(services: DashboardServices, c: Context, p: Principal) {
  const scope = statusScope(p, services.catalogue);
  const datasets = [...services.catalogue.obligations.keys()].filter(
    (d) => scope?.datasets === undefined || scope.datasets.includes(d),
  );
  const dataset = c.req.query('dataset') || datasets[0] || '';
  // No period: the one most recently due.
  const period = c.req.query('period') || undefined;
  try {
    const report = await slotStatuses(services, { dataset: dataset || undefined, period }, scope);
    return c.html(
      <ExpectedView who={p} report={report} dataset={dataset} period={period} datasets={datasets} />,
    );
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

function ExpectedView(props: {
  who: Principal;
  report: StatusReport;
  dataset: string;
  period: string | undefined;
  datasets: string[];
}) {
  const r = props.report;
  const first = r.items[0];
  return (
    <Page title="Expected deliveries" who={props.who}>
      <h1>Expected deliveries</h1>
      <form class="filter" method="get" action="/expected">
        <label>
          Dataset
          <select name="dataset">
            {props.datasets.map((d) => (
              <option value={d} selected={props.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period
          <input name="period" value={asTyped(props.period ?? first?.period ?? '')} size={10} />
        </label>
        <button type="submit">Show</button>
      </form>
      {first ? (
        <p>
          Period {first.period}: on time if received by {first.deadline} (Danish time).
        </p>
      ) : null}
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
            <th>Status</th>
            <th>Received (UTC)</th>
            <th class="num">Attempts</th>
            <th class="num">Rejected</th>
            <th class="num">Records</th>
            <th class="num">Change</th>
          </tr>
        </thead>
        <tbody>
          {r.items.map((i) => (
            <tr>
              <td>
                {i.municipality} {MUNICIPALITIES.get(i.municipality)?.name ?? ''}
              </td>
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
              <td class="num">{i.rejectedAttempts}</td>
              <td class="num">{i.records ?? ''}</td>
              <td class="num">
                {i.change === null ? '' : `${i.change > 0 ? '+' : ''}${Math.round(i.change * 100)} %`}
                {i.anomaly ? ' ⚠' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.items.length === 0 ? <p class="muted">No obligated slot for this dataset and period.</p> : null}
    </Page>
  );
}
