/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { deliveryScope } from '../../auth/visibility';
import { DELIVERY_STATUSES } from '../../core/vocabulary';
import type { DeliveryRecord, DeliveryStatus, ExtractRecord } from '../../stores/metadata-store';
import { isCursor } from '../../stores/paging';
import { asTyped, Badge, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const FILTERS = ['dataset', 'municipality', 'period', 'status'] as const;

/** The deliveries a principal may read, newest first, filtered, with each one's extracts. */
export async function deliveriesPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
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
      l={l}
      who={p}
      items={items}
      filter={filter}
      datasets={[...services.catalogue.datasets.keys()]}
      next={page.next}
    />,
  );
}

function DeliveriesView(props: {
  l: Locale;
  who: Principal;
  items: Array<{ d: DeliveryRecord; extracts: ExtractRecord[] }>;
  filter: Record<string, string>;
  datasets: string[];
  next: string | null;
}) {
  const counts = new Map<DeliveryStatus, number>();
  for (const { d } of props.items) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const { l, filter: f } = props;
  return (
    <Page l={l} title={l.t('deliveries.title')} who={props.who}>
      <h1>{l.t('deliveries.title')}</h1>
      <form class="filter" method="get" action="/">
        <label>
          {l.t('col.dataset')}
          <select name="dataset">
            <option value="">{l.t('filter.all')}</option>
            {props.datasets.map((d) => (
              <option value={d} selected={f.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          {l.t('col.municipality')}
          <input name="municipality" value={asTyped(f.municipality)} size={5} placeholder="101" />
        </label>
        <label>
          {l.t('col.period')}
          <input name="period" value={asTyped(f.period)} size={9} placeholder="2026-10" />
        </label>
        <label>
          {l.t('col.status')}
          <select name="status">
            <option value="">{l.t('filter.all')}</option>
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {l.status(s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{l.t('filter.show')}</button>
      </form>
      <div class="summary">
        {[...counts].map(([s, n]) => (
          <div>
            <Badge l={l} status={s} /> {l.number(n)}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>{l.t('col.received')}</th>
            <th>{l.t('col.dataset')}</th>
            <th>{l.t('col.municipality')}</th>
            <th>{l.t('col.period')}</th>
            <th>{l.t('col.source')}</th>
            <th>{l.t('col.status')}</th>
            <th class="num">{l.t('col.records')}</th>
            <th class="num">{l.t('col.errors')}</th>
            <th>{l.t('col.extracts')}</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map(({ d, extracts }) => (
            <tr>
              <td>
                <When l={l} at={d.receivedAt} />
              </td>
              <td>{d.dataset}</td>
              <td>
                {d.municipality} {municipalityName(d.municipality)}
              </td>
              <td>{d.period}</td>
              <td>{d.source}</td>
              <td>
                <a href={`/deliveries/${d.id}`}>
                  <Badge l={l} status={d.status} />
                </a>
                {d.supersededBy ? <span class="muted"> {l.t('deliveries.superseded')}</span> : null}
              </td>
              <td class="num">
                {d.records ? `${l.number(d.records.valid)} / ${l.number(d.records.total)}` : ''}
              </td>
              <td class="num">{d.errorCount ? l.number(d.errorCount) : ''}</td>
              <td>
                {extracts.map((e) => (
                  <span>
                    {e.recipient} <Badge l={l} status={e.status} />{' '}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{l.t('col.times')}</p>
      {props.items.length === 0 ? <p class="muted">{l.t('deliveries.none')}</p> : null}
      {props.next ? (
        <p>
          <a rel="next" href={`/?${new URLSearchParams({ ...f, cursor: props.next }).toString()}`}>
            {l.t('deliveries.older')}
          </a>
        </p>
      ) : null}
    </Page>
  );
}
