/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { extractScope } from '../../auth/visibility';
import type { ExtractRecord } from '../../stores/metadata-store';
import { isCursor } from '../../stores/paging';
import { Badge, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

const PAGE_SIZE = 100;

/** A recipient's extracts, newest first, a page at a time with a link to the older ones. */
export async function extractsPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  const scope = extractScope(p);
  const cursor = c.req.query('cursor');
  const page = scope
    ? await services.metadata.listExtracts(
        { ...scope, newestFirst: true },
        cursor && isCursor('id', cursor) ? cursor : null,
        PAGE_SIZE,
      )
    : { items: [], next: null };
  return c.html(<ExtractsView l={l} who={p} items={page.items} next={page.next} />);
}

function ExtractsView(props: { l: Locale; who: Principal; items: ExtractRecord[]; next: string | null }) {
  const { l } = props;
  return (
    <Page l={l} title={l.t('extracts.title')} who={props.who}>
      <h1>{l.t('extracts.heading', { recipient: props.who.recipient ?? '' })}</h1>
      <table>
        <thead>
          <tr>
            <th>{l.t('col.made')}</th>
            <th>{l.t('col.dataset')}</th>
            <th>{l.t('col.municipality')}</th>
            <th>{l.t('col.period')}</th>
            <th class="num">{l.t('col.records')}</th>
            <th>{l.t('col.status')}</th>
            <th class="num">{l.t('col.version')}</th>
            <th>{l.t('col.file')}</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr>
              <td>
                <When l={l} at={e.createdAt} />
              </td>
              <td>{e.dataset}</td>
              <td>
                {e.municipality} {municipalityName(e.municipality)}
              </td>
              <td>{e.period}</td>
              <td class="num">{l.number(e.records)}</td>
              <td>
                <Badge l={l} status={e.status} />
                {e.acknowledgement ? (
                  <>
                    {' '}
                    <Badge
                      l={l}
                      status={e.acknowledgement.status === 'accepted' ? 'acknowledged' : 'refused'}
                    />
                  </>
                ) : null}
                {e.metadata.partial === true ? ` (${l.t('extract.partialShort')})` : ''}
              </td>
              <td class="num">{l.number(e.version)}</td>
              <td>
                <a href={`/extracts/${e.id}`}>
                  <code>{e.fileName}</code>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{l.t('col.times')}</p>
      {props.items.length === 0 ? <p class="muted">{l.t('extracts.none')}</p> : null}
      {props.next ? (
        <p>
          <a rel="next" href={`/?${new URLSearchParams({ cursor: props.next }).toString()}`}>
            {l.t('extracts.older')}
          </a>
        </p>
      ) : null}
    </Page>
  );
}
