import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type { WebhookMessageStatus } from '../../core/vocabulary';
import { decodeCursor, page } from '../paging';
import { webhookRetriedEvent } from '../webhook-events';
import type {
  NewSubscription,
  SubscriptionRecord,
  WebhookMessageRecord,
  WebhookResult,
  WebhookRouter,
} from '../webhook-records';
import { appendAudit, byId, copy, instant, iso, json, type Tables, transaction } from './tables';

export function createSubscription(t: Tables, now: Clock, s: NewSubscription, audit: AuditDraft) {
  const [event] = appendAudit(t, now, [audit]);
  const sub: SubscriptionRecord = {
    ...json(s),
    createdAt: iso(s.createdAt),
    fromSeq: event?.seq ?? 0,
    deletedAt: null,
  };
  t.subscriptions.set(s.id, sub);
  return copy(sub);
}

export function listSubscriptions(t: Tables, filter: { tokenIds?: string[] }): SubscriptionRecord[] {
  return [...t.subscriptions.values()]
    .filter((s) => s.deletedAt === null && (!filter.tokenIds || filter.tokenIds.includes(s.tokenId)))
    .sort(byId)
    .map(copy);
}

export function deleteSubscription(
  t: Tables,
  now: Clock,
  id: string,
  at: string,
  audit: AuditDraft,
): boolean {
  const s = t.subscriptions.get(id);
  if (!s || s.deletedAt !== null) return false;
  t.subscriptions.set(id, { ...s, deletedAt: iso(at) });
  appendAudit(t, now, [audit]);
  return true;
}

/** One enqueue at a time per store: the cursor's lock. */
const queues = new WeakMap<Tables, Promise<unknown>>();

export function enqueueWebhooks(t: Tables, route: WebhookRouter, at: string, limit: number): Promise<number> {
  const run = (queues.get(t) ?? Promise.resolve()).then(async () => {
    const events = t.audit.filter((e) => e.seq > t.webhookCursor).slice(0, limit);
    const last = events.at(-1);
    if (!last) return 0;
    const messages = await route(events.map(copy), listSubscriptions(t, {}), {
      getDelivery: async (id) => copy(t.deliveries.get(id) ?? null),
      getExtract: async (id) => copy(t.extracts.get(id) ?? null),
      getToken: async (id) => copy(t.tokens.get(id)?.token ?? null),
    });
    transaction(t, (t) => {
      for (const m of messages) {
        const taken = [...t.webhookMessages.values()].some(
          (x) => x.subscriptionId === m.subscriptionId && x.seq === m.seq,
        );
        if (taken) continue;
        t.webhookMessages.set(m.id, {
          ...json(m),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: iso(at),
          lastError: null,
          deliveredAt: null,
          createdAt: iso(at),
          claimedUntil: null,
        });
      }
      t.webhookCursor = Math.max(t.webhookCursor, last.seq);
    });
    return events.length;
  });
  queues.set(
    t,
    run.catch(() => {}),
  );
  return run;
}

export function claimWebhook(t: Tables, now: string, leaseUntil: string): WebhookMessageRecord | null {
  const at = instant(now);
  const pending = [...t.webhookMessages.values()].filter((m) => m.status === 'pending');
  const due = pending
    .filter(
      (m) =>
        instant(m.nextAttemptAt) <= at &&
        (m.claimedUntil === null || instant(m.claimedUntil) <= at) &&
        t.subscriptions.get(m.subscriptionId)?.deletedAt === null &&
        !pending.some(
          (e) => e.subscriptionId === m.subscriptionId && e.subject === m.subject && e.seq < m.seq,
        ) &&
        !pending.some(
          (c) =>
            c.subscriptionId === m.subscriptionId && c.claimedUntil !== null && instant(c.claimedUntil) > at,
        ),
    )
    .sort((a, b) => instant(a.nextAttemptAt) - instant(b.nextAttemptAt) || a.seq - b.seq)[0];
  if (!due) return null;
  const claimed: WebhookMessageRecord = { ...due, attempts: due.attempts + 1, claimedUntil: iso(leaseUntil) };
  t.webhookMessages.set(due.id, claimed);
  return copy(claimed);
}

export function finishWebhook(
  t: Tables,
  id: string,
  result: WebhookResult,
  at: string,
  leaseUntil: string,
): WebhookMessageRecord | null {
  const m = t.webhookMessages.get(id);
  if (m?.status !== 'pending') return null;
  let next: WebhookMessageRecord;
  if (result.status === 'delivered')
    next = { ...m, status: 'delivered', deliveredAt: iso(at), lastError: null, claimedUntil: null };
  else {
    if (m.claimedUntil !== iso(leaseUntil)) return null;
    next = {
      ...m,
      status: result.status === 'failed' ? 'failed' : 'pending',
      lastError: result.error,
      nextAttemptAt: result.status === 'retry' ? iso(result.nextAttemptAt) : m.nextAttemptAt,
      claimedUntil: null,
    };
  }
  t.webhookMessages.set(id, next);
  return copy(next);
}

export function listWebhookMessages(
  t: Tables,
  subscriptionId: string,
  status: WebhookMessageStatus | undefined,
  cursor: string | null,
  limit: number,
) {
  const after = decodeCursor(cursor);
  const rows = [...t.webhookMessages.values()]
    .filter(
      (m) =>
        m.subscriptionId === subscriptionId &&
        (!status || m.status === status) &&
        (after === null || m.id < String(after)),
    )
    .sort(byId)
    .reverse();
  return page(rows.slice(0, limit + 1).map(copy), limit, (m) => m.id);
}

export function retryWebhook(t: Tables, now: Clock, id: string, at: string, actor: string) {
  const m = t.webhookMessages.get(id);
  if (m?.status !== 'failed') return null;
  const next: WebhookMessageRecord = {
    ...m,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: iso(at),
    claimedUntil: null,
  };
  t.webhookMessages.set(id, next);
  appendAudit(t, now, [webhookRetriedEvent(next, actor)]);
  return copy(next);
}
