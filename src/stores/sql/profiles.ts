import type { Clock } from '../../core/clock';
import type { ProfileVersionRecord } from '../metadata-store';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { columns } from './columns';

/** Records the profile version a node starts with, and its activation when it differs from the last. */
export function recordProfileVersion(
  db: SqlClient,
  now: Clock,
  p: { id: string; version: number; sha256: string; content: unknown },
  at: string,
): Promise<{ activated: boolean; reusedVersion: boolean }> {
  return db.transaction(async (tx) => {
    // One node at a time per profile, so two nodes starting together record one activation.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`profile:${p.id}`]);
    const other = await tx.query(
      'SELECT 1 AS one FROM profile_versions WHERE profile_id = $1 AND version = $2 AND sha256 <> $3 LIMIT 1',
      [p.id, p.version, p.sha256],
    );
    await tx.query(
      `INSERT INTO profile_versions (profile_id, version, sha256, content, first_seen_at) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT DO NOTHING`,
      [p.id, p.version, p.sha256, JSON.stringify(p.content), at],
    );
    const [last] = await tx.query(
      'SELECT version, sha256 FROM profile_activations WHERE profile_id = $1 ORDER BY seq DESC LIMIT 1',
      [p.id],
    );
    const current = last ? columns('profile_activations', last) : null;
    const activated =
      !current || current.integer('version') !== p.version || current.text('sha256') !== p.sha256;
    const reusedVersion = other.length > 0;
    if (activated) {
      await tx.query(
        'INSERT INTO profile_activations (profile_id, version, sha256, activated_at) VALUES ($1, $2, $3, $4)',
        [p.id, p.version, p.sha256, at],
      );
      await appendAuditIn(tx, now, [
        {
          actor: 'gateway',
          action: 'profile.activated',
          subject: p.id,
          details: { version: p.version, sha256: p.sha256, reusedVersion },
        },
      ]);
    }
    return { activated, reusedVersion };
  });
}

/** Every version of a profile that has been in force, newest first. */
export async function listProfileVersions(
  db: SqlExecutor,
  profileId: string,
): Promise<ProfileVersionRecord[]> {
  const rows = await db.query(
    `SELECT a.seq, a.version, a.sha256, a.activated_at, v.content
       FROM profile_activations a
       JOIN profile_versions v ON v.profile_id = a.profile_id AND v.version = a.version AND v.sha256 = a.sha256
      WHERE a.profile_id = $1
      ORDER BY a.seq DESC`,
    [profileId],
  );
  let until: string | null = null;
  return rows.map((r) => {
    const c = columns('profile_activations', r);
    const rec: ProfileVersionRecord = {
      profileId,
      version: c.integer('version'),
      sha256: c.text('sha256'),
      activeFrom: c.timestamp('activated_at'),
      activeUntil: until,
      content: c.json('content'),
    };
    until = rec.activeFrom;
    return rec;
  });
}
