import type { Clock } from '../../core/clock';
import { decideSlot, type SlotKey, slotLockKey } from '../../core/slot';
import { acceptanceEvents, endingEvent } from '../acceptance-events';
import type { Replaced } from '../lineage';
import type {
  AcceptDelivery,
  AcceptResult,
  DeliveryFilter,
  DeliveryRecord,
  EndDelivery,
  NewDelivery,
  Page,
  Purge,
} from '../metadata-store';
import { originalPurgedEvent } from '../purge-events';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { extractsOf, insertExtract, supersedeExtracts } from './extracts';
import { insertIssues } from './issues';
import { page, Select } from './query';
import { readDelivery } from './rows';

/** Holds the slot's lock until the transaction ends: its number and its current delivery are decided one at a time. */
async function lockSlot(tx: SqlExecutor, s: SlotKey): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [slotLockKey(s)]);
}

export async function getDelivery(db: SqlExecutor, id: string): Promise<DeliveryRecord | null> {
  const [r] = await db.query('SELECT * FROM deliveries WHERE id = $1', [id]);
  return r ? readDelivery(r) : null;
}

async function mustGetDelivery(db: SqlExecutor, id: string): Promise<DeliveryRecord> {
  const d = await getDelivery(db, id);
  if (!d) throw new Error(`deliveries: ${id} vanished inside its own transaction`);
  return d;
}

/** Records a receiving delivery with the slot's next number, taken under the slot's lock. */
export function createDelivery(db: SqlClient, d: NewDelivery): Promise<DeliveryRecord> {
  return db.transaction(async (tx) => {
    await lockSlot(tx, d);
    const [r] = await tx.query(
      `INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type, idempotency_key, received_at, slot_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'receiving', $8, $9, $10,
         (SELECT COALESCE(MAX(slot_seq), 0) + 1 FROM deliveries WHERE dataset = $2 AND municipality = $4 AND period = $5))
       RETURNING *`,
      [
        d.id,
        d.dataset,
        d.datasetVersion,
        d.municipality,
        d.period,
        d.source,
        d.actor,
        d.contentType,
        d.idempotencyKey,
        d.receivedAt,
      ],
    );
    if (!r) throw new Error(`deliveries: insert of ${d.id} returned no row`);
    return readDelivery(r);
  });
}

export async function findDeliveryByIdempotencyKey(
  db: SqlExecutor,
  source: string,
  key: string,
): Promise<DeliveryRecord | null> {
  const [r] = await db.query('SELECT * FROM deliveries WHERE source = $1 AND idempotency_key = $2', [
    source,
    key,
  ]);
  return r ? readDelivery(r) : null;
}

/**
 * The slot's current accepted delivery (the newest not superseded), whichever source sent it,
 * other than `except`.
 */
async function currentOfSlot(db: SqlExecutor, s: SlotKey, except?: string): Promise<DeliveryRecord | null> {
  const [r] = await db.query(
    `SELECT * FROM deliveries WHERE dataset = $1 AND municipality = $2 AND period = $3
     AND status = 'accepted' AND superseded_by IS NULL AND id <> $4 ORDER BY id DESC LIMIT 1`,
    [s.dataset, s.municipality, s.period, except ?? ''],
  );
  return r ? readDelivery(r) : null;
}

/** The slot's current delivery, when the supersede rule says these bytes would repeat it. */
export async function findAcceptedDuplicate(
  db: SqlExecutor,
  d: SlotKey & Pick<DeliveryRecord, 'contentType'>,
  sha256: string,
): Promise<DeliveryRecord | null> {
  const current = await currentOfSlot(db, d);
  return decideSlot(current, { sha256, contentType: d.contentType }).kind === 'repeats' ? current : null;
}

export async function listDeliveries(
  db: SqlExecutor,
  filter: DeliveryFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<DeliveryRecord>> {
  const anyOf = (list: string[] | undefined) => (list ? JSON.stringify(list) : undefined);
  const q = new Select('deliveries')
    .where('dataset = ?', filter.dataset)
    .where('municipality = ?', filter.municipality)
    .where('period = ?', filter.period)
    .where('status = ?', filter.status)
    .where('source = ?', filter.source)
    .where('municipality IN (SELECT jsonb_array_elements_text(?::jsonb))', anyOf(filter.municipalities))
    .where('dataset IN (SELECT jsonb_array_elements_text(?::jsonb))', anyOf(filter.datasets));
  const rows = await db.query(q.page('id', 'desc', cursor, limit), q.params);
  return page(rows.map(readDelivery), limit, (d) => d.id);
}

/**
 * Accepts a receiving delivery with its extracts, superseding the slot's current delivery; when
 * that one already holds the same bytes, the receiving delivery is dropped and it is the answer.
 */
export function acceptDelivery(db: SqlClient, now: Clock, a: AcceptDelivery): Promise<AcceptResult> {
  const { id, outcome, report } = a;
  return db.transaction(async (tx) => {
    const current = await getDelivery(tx, id);
    if (current?.status !== 'receiving') throw new Error(`${db.name}: delivery ${id} is not receiving`);
    // Two nodes accepting deliveries for one slot at once must not both supersede the same one.
    await lockSlot(tx, current);
    const held = await currentOfSlot(tx, current, id);
    const decision = decideSlot(held, { sha256: outcome.sha256, contentType: current.contentType });
    if (held && decision.kind === 'repeats') {
      // The same bytes raced in on another request or node and won: this one repeats it.
      await discardReceiving(tx, id);
      return { delivery: held, extracts: await extractsOf(tx, held.id), repeated: true };
    }
    const prev = decision.kind === 'supersedes' ? decision.id : null;
    const replaced = prev ? await supersedeExtracts(tx, prev) : new Map<string, Replaced>();
    if (prev) await tx.query('UPDATE deliveries SET superseded_by = $1 WHERE id = $2', [id, prev]);
    await tx.query(
      `UPDATE deliveries SET status = 'accepted', completed_at = $2, sha256 = $3, bytes = $4, records_total = $5,
       records_valid = $6, records_invalid = $7, receipt = $8, supersedes = $9, error_count = $10,
       errors_by_rule = $11::jsonb WHERE id = $1`,
      [
        id,
        outcome.completedAt,
        outcome.sha256,
        outcome.bytes,
        outcome.records.total,
        outcome.records.valid,
        outcome.records.invalid,
        outcome.receipt,
        prev,
        report?.errorCount ?? 0,
        JSON.stringify(report?.errorsByRule ?? {}),
      ],
    );
    if (report?.issues.length) await insertIssues(tx, id, report.issues);
    for (const e of a.extracts) await insertExtract(tx, e, id, replaced);
    await appendAuditIn(tx, now, acceptanceEvents(a, current, prev, replaced));
    return { delivery: await mustGetDelivery(tx, id), extracts: await extractsOf(tx, id) };
  });
}

/** Ends a receiving delivery as rejected or failed, with its issues. */
export function endDelivery(db: SqlClient, now: Clock, e: EndDelivery): Promise<DeliveryRecord> {
  const { id, status, outcome, problem, issues, errorCount } = e;
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `UPDATE deliveries SET status = $2, completed_at = $3, sha256 = $4, bytes = $5, records_total = $6, records_valid = $7,
       records_invalid = $8, receipt = $9, problem = $10::jsonb, error_count = $11, errors_by_rule = $12::jsonb
       WHERE id = $1 AND status = 'receiving' RETURNING *`,
      [
        id,
        status,
        outcome.completedAt,
        outcome.sha256 ?? null,
        outcome.bytes ?? null,
        outcome.records?.total ?? null,
        outcome.records?.valid ?? null,
        outcome.records?.invalid ?? null,
        outcome.receipt ?? null,
        JSON.stringify(problem),
        errorCount,
        JSON.stringify(e.errorsByRule ?? {}),
      ],
    );
    if (!row) throw new Error(`${db.name}: delivery ${id} is not receiving`);
    await insertIssues(tx, id, issues);
    const d = readDelivery(row);
    await appendAuditIn(tx, now, [endingEvent(e, d)]);
    return d;
  });
}

/** Removes a receiving delivery that turned out to repeat an accepted one. */
export async function discardReceiving(db: SqlExecutor, id: string): Promise<void> {
  await db.query("DELETE FROM deliveries WHERE id = $1 AND status = 'receiving'", [id]);
}

/** Frees the Idempotency-Key of a delivery that ended without its bytes read to the end. */
export async function releaseIdempotencyKey(db: SqlExecutor, id: string): Promise<void> {
  await db.query(
    "UPDATE deliveries SET idempotency_key = NULL WHERE id = $1 AND status IN ('failed', 'rejected') AND sha256 IS NULL",
    [id],
  );
}

/** Receiving deliveries that began before the instant: left behind by a crash. */
export async function listStaleReceiving(db: SqlExecutor, before: string): Promise<DeliveryRecord[]> {
  const rows = await db.query(
    "SELECT * FROM deliveries WHERE status = 'receiving' AND received_at < $1 ORDER BY id",
    [before],
  );
  return rows.map(readDelivery);
}

/** A delivery's original marked deleted under retention, once, with its audit event. */
export function purgeOriginal(db: SqlClient, now: Clock, p: Purge): Promise<DeliveryRecord | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      "UPDATE deliveries SET original_purged_at = $2 WHERE id = $1 AND original_purged_at IS NULL AND status <> 'receiving' RETURNING *",
      [p.id, p.at],
    );
    if (!row) return null;
    const d = readDelivery(row);
    await appendAuditIn(tx, now, [originalPurgedEvent(d, p)]);
    return d;
  });
}
