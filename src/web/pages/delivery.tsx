/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { mayReadDelivery } from '../../auth/visibility';
import type { DeliveryRecord, ExtractRecord, PushRecord } from '../../stores/metadata-store';
import { Badge, municipalityName } from '../components';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/** One delivery a principal may read: its extracts, their pushes, and what was wrong. */
export async function deliveryPage(services: DashboardServices, c: Context, p: Principal, id: string) {
  const d = await services.metadata.getDelivery(id);
  if (!d || !mayReadDelivery(p, d))
    return c.html(
      <Page title="Not found" who={p}>
        <p>There is no such delivery.</p>
      </Page>,
      404,
    );
  const [extracts, issues] = await Promise.all([
    services.metadata.listExtracts({ deliveryId: d.id }, null, 50),
    services.metadata.listIssues(d.id, null, 500),
  ]);
  const pushes = new Map<string, PushRecord>();
  for (const e of extracts.items) {
    const push = await services.metadata.getPush(e.id);
    if (push) pushes.set(e.id, push);
  }
  return c.html(
    <DeliveryDetail who={p} d={d} extracts={extracts.items} pushes={pushes} issues={issues.items} />,
  );
}

function DeliveryDetail(props: {
  who: Principal;
  d: DeliveryRecord;
  extracts: ExtractRecord[];
  pushes: Map<string, PushRecord>;
  issues: Array<{ record: number; line?: number; field?: string; rule: string; message: string }>;
}) {
  const { d } = props;
  return (
    <Page title={d.id} who={props.who}>
      <p>
        <a href="/">← Deliveries</a>
      </p>
      <h1>
        {d.dataset} · {d.municipality} {municipalityName(d.municipality)} · {d.period}{' '}
        <Badge status={d.status} />
      </h1>
      <p>
        <code>{d.id}</code> from <strong>{d.source}</strong>, received {d.receivedAt}
        {d.records ? `, ${d.records.total} records (${d.records.invalid} invalid)` : ''}
        {d.problem ? `. ${d.problem.detail}` : ''}
      </p>
      {props.extracts.length ? (
        <>
          <h2>Extracts</h2>
          <table>
            <thead>
              <tr>
                <th>Recipient</th>
                <th>Status</th>
                <th class="num">Records</th>
                <th>Profile</th>
                <th>Acknowledgement due</th>
                <th>Push</th>
              </tr>
            </thead>
            <tbody>
              {props.extracts.map((e) => {
                const push = props.pushes.get(e.id);
                return (
                  <tr>
                    <td>{e.recipient}</td>
                    <td>
                      <Badge status={e.status} />
                    </td>
                    <td class="num">{e.records}</td>
                    <td>
                      {e.profile.id} v{e.profile.version}
                    </td>
                    <td>{e.ackDueAt?.slice(0, 10) ?? ''}</td>
                    <td>
                      {push ? (
                        <>
                          {push.target.type} <Badge status={push.status} /> after {push.attempts}{' '}
                          {push.attempts === 1 ? 'attempt' : 'attempts'}
                          {push.lastError && push.status !== 'delivered' ? `: ${push.lastError}` : ''}
                        </>
                      ) : (
                        'fetched by the recipient'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
      {props.issues.length ? (
        <>
          <h2>
            What was wrong ({d.errorCount} errors
            {props.issues.length < d.errorCount ? `, first ${props.issues.length} shown` : ''})
          </h2>
          <table>
            <thead>
              <tr>
                <th class="num">Record</th>
                <th class="num">Line</th>
                <th>Field</th>
                <th>Rule</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {props.issues.map((i) => (
                <tr>
                  <td class="num">{i.record || ''}</td>
                  <td class="num">{i.line ?? ''}</td>
                  <td>{i.field ?? ''}</td>
                  <td>{i.rule}</td>
                  <td>{i.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}
