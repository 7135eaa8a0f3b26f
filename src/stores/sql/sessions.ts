import type { SessionRecord } from '../metadata-store';
import type { SqlClient, SqlExecutor } from './client';
import { readSession } from './rows';

/** Stores a new session and forgets the sessions that expired before it began. */
export async function createSession(db: SqlClient, idHash: string, session: SessionRecord): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM sessions WHERE expires_at <= $1::timestamptz', [session.createdAt]);
    await tx.query(
      'INSERT INTO sessions (id_hash, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [idHash, session.tokenHash, session.createdAt, session.expiresAt],
    );
  });
}

/** The session, unless it has expired by `at` (an expired one is deleted). */
export async function findSession(
  db: SqlExecutor,
  idHash: string,
  at: string,
): Promise<SessionRecord | null> {
  const [r] = await db.query('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
  if (!r) return null;
  const session = readSession(r);
  if (Date.parse(session.expiresAt) > Date.parse(at)) return session;
  await endSession(db, idHash);
  return null;
}

export async function endSession(db: SqlExecutor, idHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
}
