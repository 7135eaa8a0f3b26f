/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { clientAddressOf } from '../../auth/authenticate';
import { actorOf, type Principal } from '../../auth/principal';
import { mayReadDelivery, mayReadRegister } from '../../auth/visibility';
import { isOverdue } from '../../core/lineage';
import type { DeliveryRecord, ExtractRecord, PushRecord } from '../../stores/metadata-store';
import { Badge, municipalityName, When } from '../components';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';
import { AuditTable } from './audit';

/** One delivery a principal may read: its extracts, their pushes, and what was wrong. */
export async function deliveryPage(
  services: DashboardServices,
  c: Context,
  p: Principal,
  l: Locale,
  id: string,
) {
  const d = await services.metadata.getDelivery(id);
  if (!d || !mayReadDelivery(p, d))
    return c.html(
      <Page l={l} title={l.t('delivery.notFoundTitle')} who={p}>
        <p>{l.t('delivery.notFound')}</p>
      </Page>,
      404,
    );
  const [extracts, issues] = await Promise.all([
    services.metadata.listExtracts({ deliveryId: d.id }, null, 50),
    services.metadata.listIssues(d.id, null, 500),
  ]);
  // The page shows the validation report: a read of it, audited as on the API.
  if (issues.items.length)
    await services.metadata.appendAudit([
      {
        actor: actorOf(p),
        action: 'delivery.report_read',
        subject: d.id,
        details: { format: 'dashboard', address: clientAddressOf(services, c) },
      },
    ]);
  const pushes = new Map<string, PushRecord>();
  for (const e of extracts.items) {
    const push = await services.metadata.getPush(e.id);
    if (push) pushes.set(e.id, push);
  }
  // For an auditor: the lineage, every audit event of the delivery and its extracts (made,
  // pushed, each read, acknowledged or refused with its reason, purged), oldest first.
  const lineage = mayReadRegister(p) ? await services.metadata.listAudit({ subject: d.id }, null, 500) : null;
  return c.html(
    <DeliveryDetail
      l={l}
      who={p}
      d={d}
      extracts={extracts.items}
      now={services.now()}
      pushes={pushes}
      issues={issues.items}
    >
      {lineage ? (
        <>
          <h2>{l.t('audit.lineage')}</h2>
          <AuditTable l={l} events={lineage.items} />
          {lineage.next ? (
            <p>
              <a href={`/audit?delivery=${d.id}&cursor=${lineage.next}`}>{l.t('audit.more')}</a>
            </p>
          ) : null}
        </>
      ) : null}
    </DeliveryDetail>,
  );
}

function DeliveryDetail(props: {
  l: Locale;
  who: Principal;
  d: DeliveryRecord;
  extracts: ExtractRecord[];
  /** The gateway's clock: which acknowledgements are overdue. */
  now: Date;
  pushes: Map<string, PushRecord>;
  issues: Array<{ record: number; line?: number; field?: string; rule: string; message: string }>;
  children?: Child;
}) {
  const { d, l } = props;
  return (
    <Page l={l} title={d.id} who={props.who}>
      <p>
        <a href="/">{l.t('delivery.back')}</a>
      </p>
      <h1>
        {d.dataset} · {d.municipality} {municipalityName(d.municipality)} · {d.period}{' '}
        <Badge l={l} status={d.status} />
      </h1>
      <p>
        <code>{d.id}</code> {l.t('delivery.from')} <strong>{d.source}</strong>, {l.t('delivery.receivedAt')}{' '}
        <When l={l} at={d.receivedAt} />
        {d.records
          ? l.t('delivery.records', {
              total: l.number(d.records.total),
              invalid: l.number(d.records.invalid),
            })
          : ''}
        {d.problem ? `. ${d.problem.detail}` : ''}
      </p>
      {props.extracts.length ? (
        <>
          <h2>{l.t('delivery.extracts')}</h2>
          <table>
            <thead>
              <tr>
                <th>{l.t('col.recipient')}</th>
                <th>{l.t('col.status')}</th>
                <th class="num">{l.t('col.records')}</th>
                <th>{l.t('col.profile')}</th>
                <th>{l.t('col.ackDue')}</th>
                <th>{l.t('col.word')}</th>
                <th>{l.t('col.push')}</th>
              </tr>
            </thead>
            <tbody>
              {props.extracts.map((e) => {
                const push = props.pushes.get(e.id);
                return (
                  <tr>
                    <td>{e.recipient}</td>
                    <td>
                      <Badge l={l} status={e.status} />
                    </td>
                    <td class="num">{l.number(e.records)}</td>
                    <td>
                      {e.profile.id} v{e.profile.version}
                    </td>
                    <td>{e.ackDueAt ? <time datetime={e.ackDueAt}>{l.date(e.ackDueAt)}</time> : ''}</td>
                    <td>
                      {e.acknowledgement ? (
                        <>
                          <Badge
                            l={l}
                            status={e.acknowledgement.status === 'accepted' ? 'acknowledged' : 'refused'}
                          />{' '}
                          {e.acknowledgedAt ? <When l={l} at={e.acknowledgedAt} /> : null}
                          {e.acknowledgement.reason ? <p>{e.acknowledgement.reason}</p> : null}
                        </>
                      ) : isOverdue(e, props.now) ? (
                        <Badge l={l} status="overdue" />
                      ) : (
                        ''
                      )}
                    </td>
                    <td>
                      {push ? (
                        <>
                          {push.target.type} <Badge l={l} status={push.status} />{' '}
                          {l.t(push.attempts === 1 ? 'delivery.pushAfterOne' : 'delivery.pushAfterMany', {
                            n: l.number(push.attempts),
                          })}
                          {push.lastError && push.status !== 'delivered' ? `: ${push.lastError}` : ''}
                        </>
                      ) : (
                        l.t('delivery.fetchedByRecipient')
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
            {props.issues.length < d.errorCount
              ? l.t('delivery.issuesFirst', {
                  count: l.number(d.errorCount),
                  shown: l.number(props.issues.length),
                })
              : l.t('delivery.issues', { count: l.number(d.errorCount) })}
          </h2>
          <table>
            <thead>
              <tr>
                <th class="num">{l.t('col.record')}</th>
                <th class="num">{l.t('col.line')}</th>
                <th>{l.t('col.field')}</th>
                <th>{l.t('col.rule')}</th>
                <th>{l.t('col.message')}</th>
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
      {props.children}
    </Page>
  );
}
