import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import { decodeCursor, page } from '../paging';
import { extractPurgedEvent } from '../purge-events';
import { extractOverdueEvent, extractReadEvents } from '../read-events';
import type {
  AcknowledgeExtract,
  AcknowledgeResult,
  ExtractFilter,
  ExtractRead,
  ExtractRecord,
  FinishPush,
  Purge,
  PushRecord,
} from '../records';
import { appendAudit, byId, copy, instant, iso, type Tables } from './tables';

export function getExtract(t: Tables, id: string): ExtractRecord | null {
  const e = t.extracts.get(id);
  return e ? copy(e) : null;
}

/** No correction has replaced it. */
const isCurrent = (e: ExtractRecord) => e.replacedBy === null && e.status !== 'superseded';

export function listExtracts(t: Tables, f: ExtractFilter, cursor: string | null, limit: number) {
  const after = decodeCursor(cursor);
  const rows = [...t.extracts.values()]
    .filter(
      (e) =>
        (!f.recipient || e.recipient === f.recipient) &&
        (!f.status || e.status === f.status) &&
        (!f.dataset || e.dataset === f.dataset) &&
        (!f.municipality || e.municipality === f.municipality) &&
        (!f.period || e.period === f.period) &&
        (!f.deliveryId || e.deliveryId === f.deliveryId) &&
        (f.current === undefined || f.current === isCurrent(e)) &&
        (after === null || (f.newestFirst ? e.id < String(after) : e.id > String(after))),
    )
    .sort(byId);
  if (f.newestFirst) rows.reverse();
  return page(rows.slice(0, limit + 1).map(copy), limit, (e) => e.id);
}

export function recordExtractRead(t: Tables, now: Clock, r: ExtractRead): ExtractRecord | null {
  const e = t.extracts.get(r.id);
  if (!e) return null;
  const first = e.status === 'available';
  const read: ExtractRecord = first ? { ...e, status: 'fetched', fetchedAt: iso(r.at) } : e;
  t.extracts.set(r.id, read);
  appendAudit(t, now, extractReadEvents(read, r, first));
  return copy(read);
}

export function acknowledgeExtract(t: Tables, now: Clock, a: AcknowledgeExtract): AcknowledgeResult {
  const { id, ack } = a;
  const e = t.extracts.get(id);
  if (!e) return null;
  if (e.acknowledgement || (e.status !== 'available' && e.status !== 'fetched'))
    return { result: 'conflict', extract: copy(e) };
  const updated: ExtractRecord = {
    ...e,
    status: ack.status === 'accepted' ? 'acknowledged' : 'refused',
    acknowledgedAt: iso(a.at),
    acknowledgement: { status: ack.status, reason: ack.reason },
  };
  t.extracts.set(id, updated);
  appendAudit(t, now, [
    {
      actor: a.actor,
      action: ack.status === 'accepted' ? 'extract.acknowledged' : 'extract.refused',
      subject: id,
      details: { recipient: e.recipient, delivery: e.deliveryId, reason: ack.reason },
    },
  ]);
  return { result: 'ok', extract: copy(updated) };
}

export function getPush(t: Tables, extractId: string): PushRecord | null {
  const p = t.pushes.get(extractId);
  return p ? copy(p) : null;
}

/** Claims up to `limit` due pushes no one holds, until `leaseUntil`; each claim is an attempt. */
export function claimPushes(t: Tables, now: string, leaseUntil: string, limit: number): PushRecord[] {
  const at = instant(now);
  const due = [...t.pushes.values()]
    .filter(
      (p) =>
        p.status === 'pending' &&
        instant(p.nextAttemptAt) <= at &&
        (p.claimedUntil === null || instant(p.claimedUntil) <= at),
    )
    .sort(
      (a, b) =>
        instant(a.nextAttemptAt) - instant(b.nextAttemptAt) ||
        (a.extractId < b.extractId ? -1 : a.extractId > b.extractId ? 1 : 0),
    )
    .slice(0, limit);
  return due.map((p) => {
    const claimed: PushRecord = { ...p, attempts: p.attempts + 1, claimedUntil: iso(leaseUntil) };
    t.pushes.set(p.extractId, claimed);
    return copy(claimed);
  });
}

/** Records how an attempt ended; a delivered push marks its extract fetched. */
export function finishPush(t: Tables, now: Clock, f: FinishPush): PushRecord | null {
  const { extractId, result, actor } = f;
  const push = t.pushes.get(extractId);
  if (!push) return null;
  // Another node took the push over after this claim ran out: its word counts, not ours.
  if (f.lease && result.status !== 'delivered' && push.claimedUntil !== f.lease) return copy(push);
  const audit: AuditDraft[] = [];
  let next: PushRecord;
  if (result.status === 'delivered') {
    const at = iso(f.at);
    next = { ...push, status: 'delivered', deliveredAt: at, location: result.location, lastError: null };
    audit.push({
      actor,
      action: 'extract.pushed',
      subject: extractId,
      details: { recipient: push.recipient, location: result.location, attempts: push.attempts },
    });
    const e = t.extracts.get(extractId);
    if (e?.status === 'available') {
      t.extracts.set(extractId, { ...e, status: 'fetched', fetchedAt: at });
      audit.push({
        actor,
        action: 'extract.fetched',
        subject: extractId,
        details: { recipient: push.recipient, by: 'push' },
      });
    }
  } else if (result.status === 'retry') {
    next = { ...push, status: 'pending', nextAttemptAt: iso(result.nextAttemptAt), lastError: result.error };
  } else if (result.status === 'failed') {
    next = { ...push, status: 'failed', lastError: result.error };
    audit.push({
      actor,
      action: 'extract.push_failed',
      subject: extractId,
      details: { recipient: push.recipient, attempts: push.attempts, error: result.error },
    });
  } else {
    next = { ...push, status: 'cancelled', lastError: result.reason };
    audit.push({
      actor,
      action: 'extract.push_cancelled',
      subject: extractId,
      details: { recipient: push.recipient, reason: result.reason },
    });
  }
  next = { ...next, claimedUntil: null };
  t.pushes.set(extractId, next);
  appendAudit(t, now, audit);
  return copy(next);
}

/** A failed push made due again from `at`, its attempts counted afresh; null unless it had failed. */
export function retryPush(
  t: Tables,
  now: Clock,
  extractId: string,
  at: string,
  actor: string,
): PushRecord | null {
  const push = t.pushes.get(extractId);
  if (push?.status !== 'failed') return null;
  const next: PushRecord = {
    ...push,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: iso(at),
    claimedUntil: null,
  };
  t.pushes.set(extractId, next);
  appendAudit(t, now, [
    { actor, action: 'extract.push_retried', subject: extractId, details: { recipient: push.recipient } },
  ]);
  return copy(next);
}

/** Counts for monitoring, grouped and ordered as the SQL store gives them. */
export function statistics(t: Tables) {
  const groups = <T, K extends string>(rows: T[], keyOf: (r: T) => K[]) => {
    const out = new Map<string, { key: K[]; rows: T[] }>();
    for (const r of rows) {
      const key = keyOf(r);
      const name = JSON.stringify(key);
      const g = out.get(name) ?? { key, rows: [] };
      g.rows.push(r);
      out.set(name, g);
    }
    return [...out.values()].sort((a, b) => (a.key.join('\u0000') < b.key.join('\u0000') ? -1 : 1));
  };
  return {
    deliveries: groups([...t.deliveries.values()], (d) => [d.dataset, d.status]).map((g) => ({
      dataset: g.key[0] as string,
      status: g.key[1] as string,
      count: g.rows.length,
      records: g.rows.reduce((n, d) => n + (d.records?.total ?? 0), 0),
      bytes: g.rows.reduce((n, d) => n + (d.bytes ?? 0), 0),
    })),
    extracts: groups([...t.extracts.values()], (e) => [e.recipient, e.status]).map((g) => ({
      recipient: g.key[0] as string,
      status: g.key[1] as string,
      count: g.rows.length,
    })),
    pushes: groups([...t.pushes.values()], (p) => [p.status]).map((g) => ({
      status: g.key[0] as string,
      count: g.rows.length,
    })),
  };
}

export function purgeExtract(t: Tables, now: Clock, p: Purge): ExtractRecord | null {
  const e = t.extracts.get(p.id);
  if (!e || e.status === 'purged') return null;
  const purged: ExtractRecord = { ...e, status: 'purged' };
  t.extracts.set(p.id, purged);
  appendAudit(t, now, [extractPurgedEvent(purged, p)]);
  return copy(purged);
}

export function markOverdue(
  t: Tables,
  now: Clock,
  at: string,
  actor: string,
  limit: number,
): ExtractRecord[] {
  const due = [...t.extracts.values()]
    .filter(
      (e) =>
        e.overdueAt === null &&
        e.acknowledgement === null &&
        (e.status === 'available' || e.status === 'fetched') &&
        e.ackDueAt !== null &&
        instant(e.ackDueAt) < instant(at),
    )
    .sort((a, b) => instant(a.ackDueAt as string) - instant(b.ackDueAt as string) || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((e): ExtractRecord => ({ ...e, overdueAt: iso(at) }));
  for (const e of due) t.extracts.set(e.id, e);
  const marked = due.sort(byId);
  appendAudit(
    t,
    now,
    marked.map((e) => extractOverdueEvent(e, actor)),
  );
  return marked.map(copy);
}
