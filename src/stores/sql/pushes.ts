import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type { FinishPush, PushRecord } from '../metadata-store';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { readPush } from './rows';

export async function getPush(db: SqlExecutor, extractId: string): Promise<PushRecord | null> {
  const [row] = await db.query('SELECT * FROM pushes WHERE extract_id = $1', [extractId]);
  return row ? readPush(row) : null;
}

/** Claims up to `limit` due pushes no other node holds, until `leaseUntil`; each claim is an attempt. */
export async function claimPushes(
  db: SqlExecutor,
  now: string,
  leaseUntil: string,
  limit: number,
): Promise<PushRecord[]> {
  const rows = await db.query(
    `UPDATE pushes p SET attempts = p.attempts + 1, claimed_until = $2
       FROM (SELECT extract_id FROM pushes
              WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
                AND (claimed_until IS NULL OR claimed_until <= $1::timestamptz)
              ORDER BY next_attempt_at, extract_id LIMIT $3 FOR UPDATE SKIP LOCKED) due
      WHERE p.extract_id = due.extract_id
      RETURNING p.*`,
    [now, leaseUntil, limit],
  );
  return rows.map(readPush).sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt));
}

/** Records how an attempt ended; a delivered push marks its extract fetched. */
export function finishPush(db: SqlClient, now: Clock, f: FinishPush): Promise<PushRecord | null> {
  const { extractId, result, at, actor } = f;
  return db.transaction(async (tx) => {
    const [row] = await tx.query('SELECT * FROM pushes WHERE extract_id = $1 FOR UPDATE', [extractId]);
    if (!row) return null;
    const push = readPush(row);
    // Another node took the push over after this claim ran out: its word counts, not ours.
    if (f.lease && result.status !== 'delivered' && push.claimedUntil !== f.lease) return push;
    const audit: AuditDraft[] = [];
    if (result.status === 'delivered') {
      await tx.query(
        `UPDATE pushes SET status = 'delivered', delivered_at = $2, location = $3, last_error = NULL, claimed_until = NULL
         WHERE extract_id = $1`,
        [extractId, at, result.location],
      );
      const fetched = await tx.query(
        `UPDATE extracts SET status = 'fetched', fetched_at = $2 WHERE id = $1 AND status = 'available' RETURNING id`,
        [extractId, at],
      );
      audit.push({
        actor,
        action: 'extract.pushed',
        subject: extractId,
        details: { recipient: push.recipient, location: result.location, attempts: push.attempts },
      });
      if (fetched.length)
        audit.push({
          actor,
          action: 'extract.fetched',
          subject: extractId,
          details: { recipient: push.recipient, by: 'push' },
        });
    } else if (result.status === 'retry') {
      await tx.query(
        `UPDATE pushes SET status = 'pending', next_attempt_at = $2, last_error = $3, claimed_until = NULL WHERE extract_id = $1`,
        [extractId, result.nextAttemptAt, result.error],
      );
    } else if (result.status === 'failed') {
      await tx.query(
        `UPDATE pushes SET status = 'failed', last_error = $2, claimed_until = NULL WHERE extract_id = $1`,
        [extractId, result.error],
      );
      audit.push({
        actor,
        action: 'extract.push_failed',
        subject: extractId,
        details: { recipient: push.recipient, attempts: push.attempts, error: result.error },
      });
    } else {
      await tx.query(
        `UPDATE pushes SET status = 'cancelled', last_error = $2, claimed_until = NULL WHERE extract_id = $1`,
        [extractId, result.reason],
      );
      audit.push({
        actor,
        action: 'extract.push_cancelled',
        subject: extractId,
        details: { recipient: push.recipient, reason: result.reason },
      });
    }
    await appendAuditIn(tx, now, audit);
    return getPush(tx, extractId);
  });
}

/** A failed push made due again from `at`, its attempts counted afresh; null unless it had failed. */
export function retryPush(db: SqlClient, now: Clock, extractId: string, at: string, actor: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `UPDATE pushes SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_until = NULL
        WHERE extract_id = $1 AND status = 'failed' RETURNING *`,
      [extractId, at],
    );
    if (!row) return null;
    const push = readPush(row);
    await appendAuditIn(tx, now, [
      { actor, action: 'extract.push_retried', subject: extractId, details: { recipient: push.recipient } },
    ]);
    return push;
  });
}
