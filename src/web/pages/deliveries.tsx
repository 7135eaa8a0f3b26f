/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { deliveryScope } from '../../auth/visibility';
import { DELIVERY_STATUSES } from '../../core/vocabulary';
import type { DeliveryRecord, DeliveryStatus, ExtractRecord } from '../../stores/metadata-store';
import { isCursor } from '../../stores/paging';
import { asTyped, Badge, municipalityName, shownInstant } from '../components';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const FILTERS = ['dataset', 'municipality', 'period', 'status'] as const;

/** The deliveries a principal may read, newest first, filtered, with each one's extracts. */
export async function deliveriesPage(services: DashboardServices, c: Context, p: Principal) {
  const q = c.req.query();
  const filter: Record<string, string> = {};
  for (const k of FILTERS) if (q[k]) filter[k] = String(q[k]).slice(0, 64);
  const scope = deliveryScope(p);
  const cursor = q.cursor && isCursor('id', q.cursor) ? q.cursor : null;
  const page = scope
    ? await services.metadata.listDeliveries(
        { ...filter, status: filter.status as DeliveryStatus | undefined, ...scope },
        cursor,
        100,
      )
    : { items: [], next: null };
  const items = await Promise.all(
    page.items.map(async (d) => ({
      d,
      extracts: (await services.metadata.listExtracts({ deliveryId: d.id }, null, 50)).items,
    })),
  );
  return c.html(
    <DeliveriesView
      who={p}
      items={items}
      filter={filter}
      datasets={[...services.catalogue.datasets.keys()]}
      next={page.next}
    />,
  );
}

function DeliveriesView(props: {
  who: Principal;
  items: Array<{ d: DeliveryRecord; extracts: ExtractRecord[] }>;
  filter: Record<string, string>;
  datasets: string[];
  next: string | null;
}) {
  const counts = new Map<DeliveryStatus, number>();
  for (const { d } of props.items) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const f = props.filter;
  return (
    <Page title="Deliveries" who={props.who}>
      <h1>Deliveries</h1>
      <form class="filter" method="get" action="/">
        <label>
          Dataset
          <select name="dataset">
            <option value="">all</option>
            {props.datasets.map((d) => (
              <option value={d} selected={f.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Municipality
          <input name="municipality" value={asTyped(f.municipality)} size={5} placeholder="101" />
        </label>
        <label>
          Period
          <input name="period" value={asTyped(f.period)} size={9} placeholder="2026-10" />
        </label>
        <label>
          Status
          <select name="status">
            <option value="">all</option>
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <div class="summary">
        {[...counts].map(([s, n]) => (
          <div>
            <Badge status={s} /> {n}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>Received (UTC)</th>
            <th>Dataset</th>
            <th>Municipality</th>
            <th>Period</th>
            <th>Source</th>
            <th>Status</th>
            <th class="num">Records</th>
            <th class="num">Errors</th>
            <th>Extracts</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map(({ d, extracts }) => (
            <tr>
              <td>{shownInstant(d.receivedAt)}</td>
              <td>{d.dataset}</td>
              <td>
                {d.municipality} {municipalityName(d.municipality)}
              </td>
              <td>{d.period}</td>
              <td>{d.source}</td>
              <td>
                <a href={`/deliveries/${d.id}`}>
                  <Badge status={d.status} />
                </a>
                {d.supersededBy ? <span class="muted"> superseded</span> : null}
              </td>
              <td class="num">{d.records ? `${d.records.valid} / ${d.records.total}` : ''}</td>
              <td class="num">{d.errorCount || ''}</td>
              <td>
                {extracts.map((e) => (
                  <span>
                    {e.recipient} <Badge status={e.status} />{' '}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.items.length === 0 ? <p class="muted">No deliveries match.</p> : null}
      {props.next ? (
        <p>
          <a href={`/?${new URLSearchParams({ ...f, cursor: props.next }).toString()}`}>Older deliveries →</a>
        </p>
      ) : null}
    </Page>
  );
}
