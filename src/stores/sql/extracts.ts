import type { Clock } from '../../core/clock';
import { placeExtract, type Replaced } from '../lineage';
import type {
  AcknowledgeExtract,
  AcknowledgeResult,
  ExtractFilter,
  ExtractRead,
  ExtractRecord,
  NewExtract,
  Page,
  Purge,
} from '../metadata-store';
import { extractPurgedEvent } from '../purge-events';
import { extractOverdueEvent, extractReadEvents } from '../read-events';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { page, Select } from './query';
import { readExtract } from './rows';

export async function getExtract(db: SqlExecutor, id: string): Promise<ExtractRecord | null> {
  const [r] = await db.query('SELECT * FROM extracts WHERE id = $1', [id]);
  return r ? readExtract(r) : null;
}

/** A delivery's extracts, by id. */
export async function extractsOf(db: SqlExecutor, deliveryId: string): Promise<ExtractRecord[]> {
  const rows = await db.query('SELECT * FROM extracts WHERE delivery_id = $1 ORDER BY id', [deliveryId]);
  return rows.map(readExtract);
}

/** Stores a new extract as available, in its lineage (and its push as pending, when it has one). */
export async function insertExtract(
  tx: SqlExecutor,
  e: NewExtract,
  deliveryId: string,
  replaced: ReadonlyMap<string, Replaced>,
): Promise<void> {
  const { replaces, version, fileName } = placeExtract(e, replaced);
  await tx.query(
    `INSERT INTO extracts (id, delivery_id, recipient, dataset, municipality, period, status, records, sha256, bytes, format,
     content_type, file_name, object_key, profile_id, profile_version, profile_sha256, metadata, replaces, created_at, ack_due_at,
     version)
     VALUES ($1, $2, $3, $4, $5, $6, 'available', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $19, $20, $21)`,
    [
      e.id,
      deliveryId,
      e.recipient,
      e.dataset,
      e.municipality,
      e.period,
      e.records,
      e.sha256,
      e.bytes,
      e.format,
      e.contentType,
      fileName,
      e.objectKey,
      e.profile.id,
      e.profile.version,
      e.profile.sha256,
      JSON.stringify(e.metadata),
      replaces,
      e.createdAt,
      e.ackDueAt,
      version,
    ],
  );
  if (replaces) await tx.query('UPDATE extracts SET replaced_by = $1 WHERE id = $2', [e.id, replaces]);
  if (e.push)
    await tx.query(
      `INSERT INTO pushes (extract_id, recipient, target, status, attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3::jsonb, 'pending', 0, $4, $4)`,
      [e.id, e.recipient, JSON.stringify(e.push), e.createdAt],
    );
}

/**
 * Marks a delivery's current extracts superseded (a purged one stays purged); the answer is
 * each recipient's current extract, which the new delivery's extract for it replaces.
 */
export async function supersedeExtracts(tx: SqlExecutor, deliveryId: string): Promise<Map<string, Replaced>> {
  const olds = await tx.query(
    `UPDATE extracts SET status = CASE WHEN status = 'purged' THEN status ELSE 'superseded' END
     WHERE delivery_id = $1 AND status <> 'superseded' AND replaced_by IS NULL RETURNING *`,
    [deliveryId],
  );
  return new Map(olds.map(readExtract).map((e) => [e.recipient, { id: e.id, version: e.version }]));
}

export async function listExtracts(
  db: SqlExecutor,
  filter: ExtractFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<ExtractRecord>> {
  const q = new Select('extracts')
    .where('recipient = ?', filter.recipient)
    .where('status = ?', filter.status)
    .where('dataset = ?', filter.dataset)
    .where('municipality = ?', filter.municipality)
    .where('period = ?', filter.period)
    .where('delivery_id = ?', filter.deliveryId);
  if (filter.current === true) q.whereSql("replaced_by IS NULL AND status <> 'superseded'");
  if (filter.current === false) q.whereSql("(replaced_by IS NOT NULL OR status = 'superseded')");
  const rows = await db.query(q.page('id', filter.newestFirst ? 'desc' : 'asc', cursor, limit), q.params);
  return page(rows.map(readExtract), limit, (e) => e.id);
}

/** A read of an extract's bytes, audited; available → fetched on the first (metadata-store.ts). */
export function recordExtractRead(db: SqlClient, now: Clock, r: ExtractRead): Promise<ExtractRecord | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      "UPDATE extracts SET status = 'fetched', fetched_at = $2 WHERE id = $1 AND status = 'available' RETURNING *",
      [r.id, r.at],
    );
    const e = row ? readExtract(row) : await getExtract(tx, r.id);
    if (!e) return null;
    await appendAuditIn(tx, now, extractReadEvents(e, r, !!row));
    return e;
  });
}

/** 'conflict' when the extract was already acknowledged or refused (or is no longer current). */
export function acknowledgeExtract(
  db: SqlClient,
  now: Clock,
  a: AcknowledgeExtract,
): Promise<AcknowledgeResult> {
  const { id, ack } = a;
  return db.transaction(async (tx) => {
    const [row] = await tx.query('SELECT * FROM extracts WHERE id = $1 FOR UPDATE', [id]);
    if (!row) return null;
    const e = readExtract(row);
    if (e.acknowledgement || !['available', 'fetched'].includes(e.status))
      return { result: 'conflict' as const, extract: e };
    const status = ack.status === 'accepted' ? 'acknowledged' : 'refused';
    const [updated] = await tx.query(
      'UPDATE extracts SET status = $2, acknowledged_at = $3, ack_status = $4, ack_reason = $5 WHERE id = $1 RETURNING *',
      [id, status, a.at, ack.status, ack.reason],
    );
    if (!updated) throw new Error(`${db.name}: extract ${id} vanished while locked`);
    await appendAuditIn(tx, now, [
      {
        actor: a.actor,
        action: ack.status === 'accepted' ? 'extract.acknowledged' : 'extract.refused',
        subject: id,
        details: { recipient: e.recipient, delivery: e.deliveryId, reason: ack.reason },
      },
    ]);
    return { result: 'ok' as const, extract: readExtract(updated) };
  });
}

/** An extract marked purged, once, with its audit event. */
export function purgeExtract(db: SqlClient, now: Clock, p: Purge): Promise<ExtractRecord | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      "UPDATE extracts SET status = 'purged' WHERE id = $1 AND status <> 'purged' RETURNING *",
      [p.id],
    );
    if (!row) return null;
    const e = readExtract(row);
    await appendAuditIn(tx, now, [extractPurgedEvent(e, p)]);
    return e;
  });
}

/** Up to `limit` acknowledgements overdue at `at` marked once each, with `extract.overdue` (metadata-store.ts). */
export function markOverdue(
  db: SqlClient,
  now: Clock,
  at: string,
  actor: string,
  limit: number,
): Promise<ExtractRecord[]> {
  return db.transaction(async (tx) => {
    // SKIP LOCKED: two nodes at once mark different extracts, never one twice.
    const rows = await tx.query(
      `UPDATE extracts SET overdue_at = $1 WHERE id IN (
         SELECT id FROM extracts WHERE overdue_at IS NULL AND ack_status IS NULL
           AND status IN ('available', 'fetched') AND ack_due_at < $1
         ORDER BY ack_due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND overdue_at IS NULL RETURNING *`,
      [at, limit],
    );
    const marked = rows.map(readExtract).sort((a, b) => a.id.localeCompare(b.id));
    if (marked.length)
      await appendAuditIn(
        tx,
        now,
        marked.map((e) => extractOverdueEvent(e, actor)),
      );
    return marked;
  });
}
