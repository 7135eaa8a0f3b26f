import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import {
  ROLES,
  WEBHOOK_EVENTS,
  WEBHOOK_MESSAGE_STATUSES,
  type WebhookMessageStatus,
} from '../../core/vocabulary';
import type { Page } from '../records';
import { webhookRetriedEvent } from '../webhook-events';
import type {
  NewSubscription,
  SubscriptionRecord,
  WebhookMessageRecord,
  WebhookResult,
  WebhookRouter,
} from '../webhook-records';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { columns, type SqlRow } from './columns';
import { getDelivery } from './deliveries';
import { getExtract } from './extracts';
import { page, Select } from './query';
import { readAuditEvent } from './rows';
import { getToken } from './tokens';

export function readSubscription(row: SqlRow): SubscriptionRecord {
  const c = columns('subscriptions', row);
  const events = c.textList('events');
  return {
    id: c.text('id'),
    tokenId: c.text('token_id'),
    role: c.oneOf('role', ROLES),
    subject: c.text('subject'),
    recipient: c.optText('recipient'),
    municipalities: c.textList('municipalities'),
    datasets: c.textList('datasets'),
    url: c.text('url'),
    events: WEBHOOK_EVENTS.filter((e) => events.includes(e)),
    sealedSecret: c.text('sealed_secret'),
    fromSeq: c.integer('from_seq'),
    createdAt: c.timestamp('created_at'),
    deletedAt: c.optTimestamp('deleted_at'),
  };
}

export function readWebhookMessage(row: SqlRow): WebhookMessageRecord {
  const c = columns('webhook_messages', row);
  return {
    id: c.text('id'),
    subscriptionId: c.text('subscription_id'),
    seq: c.integer('seq'),
    event: c.oneOf('event', WEBHOOK_EVENTS),
    subject: c.text('subject'),
    payload: c.object('payload'),
    status: c.oneOf('status', WEBHOOK_MESSAGE_STATUSES),
    attempts: c.integer('attempts'),
    nextAttemptAt: c.timestamp('next_attempt_at'),
    lastError: c.optText('last_error'),
    deliveredAt: c.optTimestamp('delivered_at'),
    createdAt: c.timestamp('created_at'),
    claimedUntil: c.optTimestamp('claimed_until'),
  };
}

export function createSubscription(
  db: SqlClient,
  now: Clock,
  s: NewSubscription,
  audit: AuditDraft,
): Promise<SubscriptionRecord> {
  return db.transaction(async (tx) => {
    const [event] = await appendAuditIn(tx, now, [audit]);
    const [row] = await tx.query(
      `INSERT INTO subscriptions (id, token_id, role, subject, recipient, municipalities, datasets, url, events,
       sealed_secret, from_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10, $11, $12)
       RETURNING *`,
      [
        s.id,
        s.tokenId,
        s.role,
        s.subject,
        s.recipient,
        JSON.stringify(s.municipalities),
        JSON.stringify(s.datasets),
        s.url,
        JSON.stringify(s.events),
        s.sealedSecret,
        event?.seq ?? 0,
        s.createdAt,
      ],
    );
    if (!row) throw new Error(`${db.name}: subscription ${s.id} was not stored`);
    return readSubscription(row);
  });
}

export async function getSubscription(db: SqlExecutor, id: string): Promise<SubscriptionRecord | null> {
  const [row] = await db.query('SELECT * FROM subscriptions WHERE id = $1', [id]);
  return row ? readSubscription(row) : null;
}

export async function listSubscriptions(
  db: SqlExecutor,
  filter: { tokenIds?: string[] },
): Promise<SubscriptionRecord[]> {
  const q = new Select('subscriptions')
    .whereSql('deleted_at IS NULL')
    .where(
      'token_id IN (SELECT jsonb_array_elements_text(?::jsonb))',
      filter.tokenIds && JSON.stringify(filter.tokenIds),
    );
  const rows = await db.query(`${q.sql()} ORDER BY id`, q.params);
  return rows.map(readSubscription);
}

export function deleteSubscription(db: SqlClient, now: Clock, id: string, at: string, audit: AuditDraft) {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      'UPDATE subscriptions SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id',
      [id, at],
    );
    if (!rows.length) return false;
    await appendAuditIn(tx, now, [audit]);
    return true;
  });
}

/** Audit events after the cursor turned into messages, each once across nodes (metadata-store.ts). */
export function enqueueWebhooks(
  db: SqlClient,
  route: WebhookRouter,
  at: string,
  limit: number,
): Promise<number> {
  return db.transaction(async (tx) => {
    const [cursor] = await tx.query('SELECT seq FROM webhook_cursor WHERE one FOR UPDATE');
    if (!cursor) throw new Error(`${db.name}: webhook_cursor has no row`);
    const after = columns('webhook_cursor', cursor).integer('seq');
    const events = (
      await tx.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit])
    ).map(readAuditEvent);
    const last = events.at(-1);
    if (!last) return 0;
    const subs = await listSubscriptions(tx, {});
    const lookup = {
      getDelivery: (id: string) => getDelivery(tx, id),
      getExtract: (id: string) => getExtract(tx, id),
      getToken: (id: string) => getToken(tx, id),
    };
    for (const m of await route(events, subs, lookup))
      await tx.query(
        `INSERT INTO webhook_messages (id, subscription_id, seq, event, subject, payload, status, attempts, next_attempt_at,
         created_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending', 0, $7, $7) ON CONFLICT (subscription_id, seq) DO NOTHING`,
        [m.id, m.subscriptionId, m.seq, m.event, m.subject, JSON.stringify(m.payload), at],
      );
    await tx.query('UPDATE webhook_cursor SET seq = $1 WHERE one', [last.seq]);
    return events.length;
  });
}

/** The next due message whose subscription lives and that waits behind none of its subject. */
export async function claimWebhook(
  db: SqlExecutor,
  now: string,
  leaseUntil: string,
): Promise<WebhookMessageRecord | null> {
  const [row] = await db.query(
    `UPDATE webhook_messages m SET attempts = m.attempts + 1, claimed_until = $2
       FROM (SELECT w.id FROM webhook_messages w JOIN subscriptions s ON s.id = w.subscription_id
              WHERE w.status = 'pending' AND w.next_attempt_at <= $1::timestamptz
                AND (w.claimed_until IS NULL OR w.claimed_until <= $1::timestamptz)
                AND s.deleted_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM webhook_messages e
                                 WHERE e.subscription_id = w.subscription_id AND e.subject = w.subject
                                   AND e.status = 'pending' AND e.seq < w.seq)
                AND NOT EXISTS (SELECT 1 FROM webhook_messages c
                                 WHERE c.subscription_id = w.subscription_id AND c.status = 'pending'
                                   AND c.claimed_until > $1::timestamptz)
              ORDER BY w.next_attempt_at, w.seq LIMIT 1 FOR UPDATE OF w SKIP LOCKED) due
      WHERE m.id = due.id
      RETURNING m.*`,
    [now, leaseUntil],
  );
  return row ? readWebhookMessage(row) : null;
}

export async function finishWebhook(
  db: SqlExecutor,
  id: string,
  result: WebhookResult,
  at: string,
  leaseUntil: string,
): Promise<WebhookMessageRecord | null> {
  const rows =
    result.status === 'delivered'
      ? await db.query(
          `UPDATE webhook_messages SET status = 'delivered', delivered_at = $2, last_error = NULL, claimed_until = NULL
           WHERE id = $1 AND status = 'pending' RETURNING *`,
          [id, at],
        )
      : await db.query(
          `UPDATE webhook_messages SET status = $3, last_error = $4, next_attempt_at = COALESCE($5, next_attempt_at),
           claimed_until = NULL WHERE id = $1 AND status = 'pending' AND claimed_until = $2 RETURNING *`,
          [
            id,
            leaseUntil,
            result.status === 'failed' ? 'failed' : 'pending',
            result.error,
            result.status === 'retry' ? result.nextAttemptAt : null,
          ],
        );
  return rows[0] ? readWebhookMessage(rows[0]) : null;
}

export async function getWebhookMessage(db: SqlExecutor, id: string): Promise<WebhookMessageRecord | null> {
  const [row] = await db.query('SELECT * FROM webhook_messages WHERE id = $1', [id]);
  return row ? readWebhookMessage(row) : null;
}

export async function listWebhookMessages(
  db: SqlExecutor,
  subscriptionId: string,
  status: WebhookMessageStatus | undefined,
  cursor: string | null,
  limit: number,
): Promise<Page<WebhookMessageRecord>> {
  const q = new Select('webhook_messages')
    .where('subscription_id = ?', subscriptionId)
    .where('status = ?', status);
  const rows = await db.query(q.page('id', 'desc', cursor, limit), q.params);
  return page(rows.map(readWebhookMessage), limit, (m) => m.id);
}

export function retryWebhook(
  db: SqlClient,
  now: Clock,
  id: string,
  at: string,
  actor: string,
): Promise<WebhookMessageRecord | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_until = NULL
       WHERE id = $1 AND status = 'failed' RETURNING *`,
      [id, at],
    );
    if (!row) return null;
    const m = readWebhookMessage(row);
    await appendAuditIn(tx, now, [webhookRetriedEvent(m, actor)]);
    return m;
  });
}
