import type { Clock } from '../../core/clock';
import { decideSlot, type SlotKey } from '../../core/slot';
import type { ValidationIssue } from '../../core/validator';
import { acceptanceEvents, endingEvent } from '../acceptance-events';
import { placeExtract, type Replaced } from '../lineage';
import { decodeCursor, page } from '../paging';
import { originalPurgedEvent } from '../purge-events';
import type {
  AcceptDelivery,
  AcceptResult,
  DeliveryFilter,
  DeliveryRecord,
  EndDelivery,
  ExtractRecord,
  NewDelivery,
  NewExtract,
  Page,
  Purge,
} from '../records';
import { appendAudit, byId, copy, instant, iso, isoOrNull, json, type Tables } from './tables';

const inSlot = (d: DeliveryRecord, s: SlotKey) =>
  d.dataset === s.dataset && d.municipality === s.municipality && d.period === s.period;

function mustGet(t: Tables, id: string): DeliveryRecord {
  const d = t.deliveries.get(id);
  if (d?.status !== 'receiving') throw new Error(`memory: delivery ${id} is not receiving`);
  return d;
}

export function createDelivery(t: Tables, d: NewDelivery): DeliveryRecord {
  if (t.deliveries.has(d.id)) throw new Error(`memory: delivery ${d.id} exists`);
  if (d.idempotencyKey !== null && findDeliveryByIdempotencyKey(t, d.source, d.idempotencyKey))
    throw new Error(`memory: ${d.source} already used the Idempotency-Key ${d.idempotencyKey}`);
  // The slot's next number; each change runs alone, as under the SQL store's slot lock.
  let sequence = 1;
  for (const other of t.deliveries.values())
    if (inSlot(other, d) && other.sequence >= sequence) sequence = other.sequence + 1;
  const record: DeliveryRecord = {
    ...d,
    sequence,
    receivedAt: iso(d.receivedAt),
    status: 'receiving',
    completedAt: null,
    sha256: null,
    bytes: null,
    records: null,
    errorCount: 0,
    errorsByRule: {},
    supersedes: null,
    supersededBy: null,
    receipt: null,
    problem: null,
    originalPurgedAt: null,
  };
  t.deliveries.set(d.id, record);
  return copy(record);
}

export function findDeliveryByIdempotencyKey(t: Tables, source: string, key: string): DeliveryRecord | null {
  for (const d of t.deliveries.values()) if (d.source === source && d.idempotencyKey === key) return copy(d);
  return null;
}

/**
 * The slot's current accepted delivery (the newest not superseded), whichever source sent it,
 * other than `except`.
 */
function currentOfSlot(t: Tables, s: SlotKey, except?: string): DeliveryRecord | null {
  const held = [...t.deliveries.values()]
    .filter((d) => inSlot(d, s) && d.status === 'accepted' && d.supersededBy === null && d.id !== except)
    .sort(byId);
  return held[held.length - 1] ?? null;
}

export function findAcceptedDuplicate(
  t: Tables,
  d: SlotKey & Pick<DeliveryRecord, 'contentType'>,
  sha256: string,
): DeliveryRecord | null {
  const current = currentOfSlot(t, d);
  return decideSlot(current, { sha256, contentType: d.contentType }).kind === 'repeats'
    ? copy(current)
    : null;
}

export function listDeliveries(t: Tables, f: DeliveryFilter, cursor: string | null, limit: number) {
  const after = decodeCursor(cursor);
  const rows = [...t.deliveries.values()]
    .filter(
      (d) =>
        (!f.dataset || d.dataset === f.dataset) &&
        (!f.municipality || d.municipality === f.municipality) &&
        (!f.period || d.period === f.period) &&
        (!f.status || d.status === f.status) &&
        (!f.source || d.source === f.source) &&
        (!f.municipalities || f.municipalities.includes(d.municipality)) &&
        (!f.datasets || f.datasets.includes(d.dataset)) &&
        (after === null || d.id < String(after)),
    )
    .sort(byId)
    .reverse()
    .slice(0, limit + 1);
  return page(rows.map(copy), limit, (d) => d.id);
}

export function extractsOf(t: Tables, deliveryId: string): ExtractRecord[] {
  return [...t.extracts.values()]
    .filter((e) => e.deliveryId === deliveryId)
    .sort(byId)
    .map(copy);
}

/** An issue as the SQL store keeps it: no record number is 0, absent line and field stay absent. */
function storedIssue(i: ValidationIssue): ValidationIssue {
  return {
    record: i.record || 0,
    ...(i.line !== undefined && i.line !== null ? { line: i.line } : {}),
    ...(i.field !== undefined && i.field !== null ? { field: i.field } : {}),
    rule: i.rule,
    message: i.message,
  };
}

function addIssues(t: Tables, deliveryId: string, issues: ValidationIssue[]): void {
  if (issues.length)
    t.issues.set(deliveryId, [...(t.issues.get(deliveryId) ?? []), ...issues.map(storedIssue)]);
}

export function listIssues(
  t: Tables,
  deliveryId: string,
  cursor: string | null,
  limit: number,
): Page<ValidationIssue> {
  const after = Number(decodeCursor(cursor) ?? 0);
  const rows = (t.issues.get(deliveryId) ?? [])
    .map((issue, i) => ({ seq: i + 1, issue }))
    .filter((x) => x.seq > after)
    .slice(0, limit + 1);
  const p = page(rows, limit, (x) => x.seq);
  return { items: p.items.map((x) => copy(x.issue)), next: p.next };
}

function insertExtract(
  t: Tables,
  e: NewExtract,
  deliveryId: string,
  replaced: ReadonlyMap<string, Replaced>,
): void {
  if (t.extracts.has(e.id)) throw new Error(`memory: extract ${e.id} exists`);
  const { push, ...rest } = e;
  const createdAt = iso(e.createdAt);
  const { replaces, version, fileName } = placeExtract(e, replaced);
  t.extracts.set(e.id, {
    ...rest,
    deliveryId,
    fileName,
    profile: { ...e.profile },
    metadata: json(e.metadata),
    createdAt,
    ackDueAt: isoOrNull(e.ackDueAt),
    status: 'available',
    replaces,
    replacedBy: null,
    version,
    fetchedAt: null,
    acknowledgedAt: null,
    acknowledgement: null,
    overdueAt: null,
  });
  const old = replaces ? t.extracts.get(replaces) : undefined;
  if (old) t.extracts.set(old.id, { ...old, replacedBy: e.id });
  if (push)
    t.pushes.set(e.id, {
      extractId: e.id,
      recipient: e.recipient,
      target: json(push),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: createdAt,
      lastError: null,
      location: null,
      deliveredAt: null,
      createdAt,
      claimedUntil: null,
    });
}

export function acceptDelivery(t: Tables, now: Clock, a: AcceptDelivery): AcceptResult {
  const { id, outcome, report } = a;
  const current = mustGet(t, id);
  const held = currentOfSlot(t, current, id);
  const decision = decideSlot(held, { sha256: outcome.sha256, contentType: current.contentType });
  if (held && decision.kind === 'repeats') {
    // The same bytes raced in on another request and won: this one repeats it.
    t.deliveries.delete(id);
    return { delivery: copy(held), extracts: extractsOf(t, held.id), repeated: true };
  }
  const prev = decision.kind === 'supersedes' ? decision.id : null;
  const replaced = new Map<string, Replaced>();
  if (prev) {
    // The superseded delivery's current extracts (a purged one stays purged).
    for (const e of [...t.extracts.values()].sort(byId))
      if (e.deliveryId === prev && e.status !== 'superseded' && e.replacedBy === null) {
        if (e.status !== 'purged') t.extracts.set(e.id, { ...e, status: 'superseded' });
        replaced.set(e.recipient, { id: e.id, version: e.version });
      }
    const old = t.deliveries.get(prev);
    if (old) t.deliveries.set(prev, { ...old, supersededBy: id });
  }
  t.deliveries.set(id, {
    ...current,
    status: 'accepted',
    completedAt: iso(outcome.completedAt),
    sha256: outcome.sha256,
    bytes: outcome.bytes,
    records: { ...outcome.records },
    receipt: outcome.receipt,
    supersedes: prev,
    errorCount: report?.errorCount ?? 0,
    errorsByRule: { ...(report?.errorsByRule ?? {}) },
  });
  if (report) addIssues(t, id, report.issues);
  for (const e of a.extracts) insertExtract(t, e, id, replaced);
  appendAudit(t, now, acceptanceEvents(a, current, prev, replaced));
  return { delivery: copy(t.deliveries.get(id) as DeliveryRecord), extracts: extractsOf(t, id) };
}

export function endDelivery(t: Tables, now: Clock, e: EndDelivery): DeliveryRecord {
  const { id, status, outcome, problem, issues, errorCount } = e;
  const d: DeliveryRecord = {
    ...mustGet(t, id),
    status,
    completedAt: iso(outcome.completedAt),
    sha256: outcome.sha256 ?? null,
    bytes: outcome.bytes ?? null,
    records: outcome.records ? { ...outcome.records } : null,
    receipt: outcome.receipt ?? null,
    problem: { code: problem.code, detail: problem.detail },
    errorCount,
    errorsByRule: { ...(e.errorsByRule ?? {}) },
  };
  t.deliveries.set(id, d);
  addIssues(t, id, issues);
  appendAudit(t, now, [endingEvent(e, d)]);
  return copy(d);
}

export function discardReceiving(t: Tables, id: string): void {
  if (t.deliveries.get(id)?.status !== 'receiving') return;
  t.deliveries.delete(id);
  t.issues.delete(id);
}

export function releaseIdempotencyKey(t: Tables, id: string): void {
  const d = t.deliveries.get(id);
  if (d && (d.status === 'failed' || d.status === 'rejected') && d.sha256 === null)
    t.deliveries.set(id, { ...d, idempotencyKey: null });
}

export function listStaleReceiving(t: Tables, before: string): DeliveryRecord[] {
  return [...t.deliveries.values()]
    .filter((d) => d.status === 'receiving' && instant(d.receivedAt) < instant(before))
    .sort(byId)
    .map(copy);
}

export function purgeOriginal(t: Tables, now: Clock, p: Purge): DeliveryRecord | null {
  const d = t.deliveries.get(p.id);
  if (!d || d.originalPurgedAt !== null || d.status === 'receiving') return null;
  const purged: DeliveryRecord = { ...d, originalPurgedAt: iso(p.at) };
  t.deliveries.set(p.id, purged);
  appendAudit(t, now, [originalPurgedEvent(purged, p)]);
  return copy(purged);
}
