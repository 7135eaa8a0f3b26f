import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type { Role, TokenRecord } from '../metadata-store';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { Select } from './query';
import { readToken } from './rows';

export async function createToken(
  db: SqlClient,
  now: Clock,
  t: TokenRecord,
  tokenHash: string,
  audit: AuditDraft,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO tokens (id, token_hash, role, subject, recipient, municipalities, datasets, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`,
      [
        t.id,
        tokenHash,
        t.role,
        t.subject,
        t.recipient,
        JSON.stringify(t.municipalities),
        JSON.stringify(t.datasets),
        t.createdAt,
        t.expiresAt,
      ],
    );
    await appendAuditIn(tx, now, [audit]);
  });
}

export async function replaceTokenHash(
  db: SqlExecutor,
  id: string,
  oldHash: string,
  newHash: string,
): Promise<void> {
  await db.query('UPDATE tokens SET token_hash = $3 WHERE id = $1 AND token_hash = $2', [
    id,
    oldHash,
    newHash,
  ]);
}

export async function findTokenByHash(db: SqlExecutor, tokenHash: string): Promise<TokenRecord | null> {
  const [r] = await db.query('SELECT * FROM tokens WHERE token_hash = $1', [tokenHash]);
  return r ? readToken(r) : null;
}

export async function getToken(db: SqlExecutor, id: string): Promise<TokenRecord | null> {
  const [r] = await db.query('SELECT * FROM tokens WHERE id = $1', [id]);
  return r ? readToken(r) : null;
}

export async function listTokens(
  db: SqlExecutor,
  filter: { role?: Role; activeAt?: string },
): Promise<TokenRecord[]> {
  const q = new Select('tokens')
    .where('role = ?', filter.role)
    .where('revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?::timestamptz)', filter.activeAt);
  return (await db.query(`${q.sql()} ORDER BY id`, q.params)).map(readToken);
}

/** Revokes a token and ends the dashboard sessions opened with it. */
export function revokeToken(
  db: SqlClient,
  now: Clock,
  id: string,
  at: string,
  audit: AuditDraft,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id, at],
    );
    if (rows.length === 0) return false;
    await tx.query('DELETE FROM sessions WHERE token_hash = (SELECT token_hash FROM tokens WHERE id = $1)', [
      id,
    ]);
    await appendAuditIn(tx, now, [audit]);
    return true;
  });
}

/** Notes when a token was last used, at most once a minute. */
export async function touchToken(db: SqlExecutor, id: string, at: string): Promise<void> {
  await db.query(
    "UPDATE tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')",
    [id, at],
  );
}
