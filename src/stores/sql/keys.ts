import type { Clock } from '../../core/clock';
import type { RotateSigningKey, SigningKeyRecord } from '../metadata-store';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { readSigningKey } from './rows';

const insertKey = `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)`;
const keyParams = (k: SigningKeyRecord) => [
  k.kid,
  k.alg,
  JSON.stringify(k.publicJwk),
  JSON.stringify(k.privateJwk),
  k.createdAt,
];

export async function activeSigningKey(db: SqlExecutor): Promise<SigningKeyRecord | null> {
  const [r] = await db.query('SELECT * FROM signing_keys WHERE retired_at IS NULL');
  return r ? readSigningKey(r) : null;
}

/** The key that signs now; the candidate is stored when there is none (the first node to start wins). */
export async function ensureSigningKey(
  db: SqlClient,
  candidate: SigningKeyRecord,
): Promise<SigningKeyRecord> {
  await db.query(`${insertKey} ON CONFLICT DO NOTHING`, keyParams(candidate));
  const active = await activeSigningKey(db);
  if (!active) throw new Error(`${db.name}: no active signing key after insert`);
  return active;
}

export async function listSigningKeys(db: SqlExecutor): Promise<SigningKeyRecord[]> {
  return (await db.query('SELECT * FROM signing_keys ORDER BY created_at')).map(readSigningKey);
}

/** Makes `next` the signing key unless it already is, or the active key is no longer `from`. */
export function rotateSigningKey(db: SqlClient, now: Clock, r: RotateSigningKey): Promise<SigningKeyRecord> {
  const { next } = r;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['signing-keys']);
    const current = await activeSigningKey(tx);
    if (current && current.kid === next.kid) return current;
    if (current && r.from !== undefined && current.kid !== r.from) return current;
    const [same] = await tx.query('SELECT * FROM signing_keys WHERE kid = $1', [next.kid]);
    if (same && JSON.stringify(readSigningKey(same).publicJwk) !== JSON.stringify(next.publicJwk))
      throw new Error(`${db.name}: key id ${next.kid} already names another key; give the new key a new kid`);
    // A retired key never signs again: its private half goes.
    await tx.query(
      "UPDATE signing_keys SET retired_at = $1, private_jwk = '{}'::jsonb WHERE retired_at IS NULL",
      [r.at],
    );
    await tx.query(`${insertKey} ON CONFLICT (kid) DO UPDATE SET retired_at = NULL`, keyParams(next));
    await appendAuditIn(tx, now, [
      {
        actor: r.actor,
        action: 'receipt_key.rotated',
        subject: next.kid,
        details: { retired: current ? current.kid : null },
      },
    ]);
    const [row] = await tx.query('SELECT * FROM signing_keys WHERE kid = $1', [next.kid]);
    if (!row) throw new Error(`${db.name}: key ${next.kid} missing after rotation`);
    return readSigningKey(row);
  });
}
