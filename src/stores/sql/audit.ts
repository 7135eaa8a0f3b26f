import type { AuditCheckpoint, AuditDraft, AuditEvent } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import { chainEvents } from '../chain-events';
import type { AuditFilter, Page } from '../metadata-store';
import type { SqlExecutor } from './client';
import { columns } from './columns';
import { page, Select } from './query';
import { readAuditEvent } from './rows';

/** Appends events to the one chain; the head row's lock orders appends across nodes. */
export async function appendAuditIn(
  tx: SqlExecutor,
  now: Clock,
  drafts: AuditDraft[],
): Promise<AuditEvent[]> {
  if (drafts.length === 0) return [];
  const [head] = await tx.query('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
  if (!head) throw new Error('audit_head: the chain has no head row');
  const c = columns('audit_head', head);
  const events = chainEvents({ seq: c.integer('seq'), hash: c.text('hash') }, drafts, now().toISOString());
  for (const event of events)
    await tx.query(
      'INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)',
      [
        event.seq,
        event.at,
        event.actor,
        event.action,
        event.subject,
        JSON.stringify(event.details),
        event.prevHash,
        event.hash,
      ],
    );
  const last = events[events.length - 1];
  if (last) await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
  return events;
}

export async function listAudit(
  db: SqlExecutor,
  filter: AuditFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<AuditEvent>> {
  const q = new Select('audit_events')
    .where('at >= ?::timestamptz', filter.from)
    .where('at < ?::timestamptz', filter.to)
    .where('actor = ?', filter.actor)
    .where('action = ?', filter.action)
    .where("(subject = ? OR details->>'delivery' = ?)", filter.subject)
    .where("details->>'municipality' = ?", filter.municipality);
  const rows = await db.query(q.page('seq', 'asc', cursor, limit, true), q.params);
  return page(rows.map(readAuditEvent), limit, (e) => e.seq);
}

export async function auditHead(db: SqlExecutor): Promise<{ seq: number; hash: string }> {
  const [r] = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1');
  if (!r) throw new Error('audit_head: the chain has no head row');
  const c = columns('audit_head', r);
  return { seq: c.integer('seq'), hash: c.text('hash') };
}

/** Every event oldest first, in pages. */
export async function* iterateAudit(db: SqlExecutor, pageSize: number): AsyncIterable<AuditEvent[]> {
  let after = 0;
  for (;;) {
    const rows = await db.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [
      after,
      pageSize,
    ]);
    const events = rows.map(readAuditEvent);
    const last = events[events.length - 1];
    if (!last) return;
    yield events;
    after = last.seq;
  }
}

/** Keeps a checkpoint; false when one for that sequence number is kept already. */
export async function addAuditCheckpoint(db: SqlExecutor, c: AuditCheckpoint): Promise<boolean> {
  const rows = await db.query(
    'INSERT INTO audit_checkpoints (seq, head, at, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING RETURNING seq',
    [c.seq, c.head, c.at, c.jws],
  );
  return rows.length === 1;
}

/** Checkpoints oldest first, paged by sequence number. */
export async function listAuditCheckpoints(
  db: SqlExecutor,
  cursor: string | null,
  limit: number,
): Promise<Page<AuditCheckpoint>> {
  const q = new Select('audit_checkpoints');
  const rows = await db.query(q.page('seq', 'asc', cursor, limit, true), q.params);
  return page(
    rows.map((r) => {
      const c = columns('audit_checkpoints', r);
      return { seq: c.integer('seq'), head: c.text('head'), at: c.timestamp('at'), jws: c.text('jws') };
    }),
    limit,
    (x) => x.seq,
  );
}

/** The newest checkpoint, or null. */
export async function latestAuditCheckpoint(db: SqlExecutor): Promise<AuditCheckpoint | null> {
  const [r] = await db.query('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
  if (!r) return null;
  const c = columns('audit_checkpoints', r);
  return { seq: c.integer('seq'), head: c.text('head'), at: c.timestamp('at'), jws: c.text('jws') };
}
