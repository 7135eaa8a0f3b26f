/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { extractScope } from '../../auth/visibility';
import type { ExtractRecord } from '../../stores/metadata-store';
import { isCursor } from '../../stores/paging';
import { Badge, municipalityName, shownInstant } from '../components';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const PAGE_SIZE = 100;

/** A recipient's extracts, newest first, a page at a time with a link to the older ones. */
export async function extractsPage(services: DashboardServices, c: Context, p: Principal) {
  const scope = extractScope(p);
  const cursor = c.req.query('cursor');
  const page = scope
    ? await services.metadata.listExtracts(
        { ...scope, newestFirst: true },
        cursor && isCursor('id', cursor) ? cursor : null,
        PAGE_SIZE,
      )
    : { items: [], next: null };
  return c.html(<ExtractsView who={p} items={page.items} next={page.next} />);
}

function ExtractsView(props: { who: Principal; items: ExtractRecord[]; next: string | null }) {
  return (
    <Page title="Extracts" who={props.who}>
      <h1>Extracts for {props.who.recipient}</h1>
      <table>
        <thead>
          <tr>
            <th>Made (UTC)</th>
            <th>Dataset</th>
            <th>Municipality</th>
            <th>Period</th>
            <th class="num">Records</th>
            <th>Status</th>
            <th>File</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr>
              <td>{shownInstant(e.createdAt)}</td>
              <td>{e.dataset}</td>
              <td>
                {e.municipality} {municipalityName(e.municipality)}
              </td>
              <td>{e.period}</td>
              <td class="num">{e.records}</td>
              <td>
                <Badge status={e.status} />
              </td>
              <td>
                <code>{e.fileName}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.items.length === 0 ? <p class="muted">No extracts yet.</p> : null}
      {props.next ? (
        <p>
          <a href={`/?${new URLSearchParams({ cursor: props.next }).toString()}`}>Older extracts →</a>
        </p>
      ) : null}
    </Page>
  );
}
