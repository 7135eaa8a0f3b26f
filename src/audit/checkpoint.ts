import { CompactSign, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { hkdf } from '../core/hkdf';
import { type AuditCheckpoint, type AuditEvent, type ChainVerdict, verifyChain } from './chain';

/**
 * Signed checkpoints over the audit chain. Whoever can write the metadata database can rewrite
 * an event and recompute every hash after it, head included: the chain alone then still
 * verifies. A checkpoint is the chain's head (`seq`, `head`) signed with the audit key, which
 * the database does not hold; a rewritten chain no longer matches the checkpoints signed
 * before the rewrite, and new ones cannot be made without the key.
 */

export const CHECKPOINT_TYPE = 'audit-checkpoint+jwt';

/** An audit key's `kid` begins so; no other key's does (receipt keys are `key_…`). */
export const AUDIT_KID_PREFIX = 'audit-';
const isAuditKid = (kid: string | undefined) => typeof kid === 'string' && kid.startsWith(AUDIT_KID_PREFIX);

/** What a checkpoint signs. */
export interface CheckpointClaims {
  seq: number;
  head: string;
  at: string;
}

export interface AuditKey {
  kid: string;
  /** The public half as the JWKS lists it. */
  publicJwk: JWK;
  /** The compact JWS of a checkpoint. */
  sign(claims: CheckpointClaims): Promise<string>;
}

const KEY_INFO = 'delivery-gateway audit checkpoint key v1';
/** The PKCS #8 prefix of an Ed25519 private key; its 32-byte seed follows. */
const PKCS8_ED25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * The audit key: an Ed25519 key derived (HKDF-SHA256, an `info` of its own) from the token key
 * every node already shares (GATEWAY_TOKEN_KEY / _FILE, or the one the embedded deployment
 * keeps under the data dir, mode 0600), so every node signs with the same key and the metadata
 * database holds none of it. Its `kid` is named by its public key (RFC 7638 thumbprint).
 */
export async function auditKeyFrom(tokenKey: Uint8Array): Promise<AuditKey> {
  if (tokenKey.length < 32) throw new Error('the audit key needs at least 32 bytes of secret');
  const seed = new Uint8Array(await hkdf(tokenKey, KEY_INFO, 32));
  const pkcs8 = new Uint8Array(PKCS8_ED25519.length + seed.length);
  pkcs8.set(PKCS8_ED25519);
  pkcs8.set(seed, PKCS8_ED25519.length);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const { x } = (await crypto.subtle.exportKey('jwk', privateKey)) as { x?: string };
  if (!x) throw new Error('the audit key has no public half');
  const base = { kty: 'OKP', crv: 'Ed25519', x };
  const kid = `${AUDIT_KID_PREFIX}${(await calculateJwkThumbprint(base)).slice(0, 22)}`;
  return {
    kid,
    publicJwk: { ...base, kid, alg: 'EdDSA', use: 'sig' },
    sign: (claims) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: CHECKPOINT_TYPE })
        .sign(privateKey),
  };
}

const isClaims = (v: unknown): v is CheckpointClaims => {
  const c = v as Partial<CheckpointClaims> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isSafeInteger(c.seq) &&
    (c.seq ?? 0) > 0 &&
    typeof c.head === 'string' &&
    /^[0-9a-f]{64}$/.test(c.head) &&
    typeof c.at === 'string'
  );
};

/**
 * A checkpoint's claims when its JWS is an audit checkpoint signed by one of the keys (by
 * `kid`, EdDSA only); null otherwise. Needs nothing but the JWKS: the offline verifier uses it.
 */
export async function readCheckpoint(jws: string, keys: readonly JWK[]): Promise<CheckpointClaims | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(
      jws,
      async (header) => {
        // Only an audit key signs checkpoints: a receipt key (whose private half the database
        // holds, wrapped) does not, whatever a JWKS says.
        const jwk = keys.find(
          (k) => k.kid === header.kid && isAuditKid(k.kid) && k.kty === 'OKP' && k.crv === 'Ed25519',
        );
        if (!jwk || header.alg !== 'EdDSA') throw new Error('no such key');
        return importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
      },
      { algorithms: ['EdDSA'] },
    );
    if (protectedHeader.typ !== CHECKPOINT_TYPE) return null;
    const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
    return isClaims(claims) ? { seq: claims.seq, head: claims.head, at: claims.at } : null;
  } catch {
    return null;
  }
}

/** The checkpoint the key makes of the chain's head now. */
export async function makeCheckpoint(
  key: AuditKey,
  head: { seq: number; hash: string },
  at: string,
): Promise<AuditCheckpoint> {
  const claims = { seq: head.seq, head: head.hash, at };
  return { ...claims, jws: await key.sign(claims) };
}

/**
 * The chain checked against its checkpoints: each must be signed by one of the keys, and the
 * chain must hold the head it signed. The server's verify and the offline verifier both use it.
 */
export async function verifyWithCheckpoints(
  events: AsyncIterable<AuditEvent[]>,
  checkpoints: Iterable<string>,
  keys: readonly JWK[],
  expectedHead?: { seq: number; hash: string },
): Promise<ChainVerdict> {
  const signedHeads = new Map<number, string>();
  for (const jws of checkpoints) {
    const claims = await readCheckpoint(jws, keys);
    if (!claims)
      return {
        valid: false,
        events: 0,
        head: '',
        reason: 'a checkpoint is not signed by an audit key of the JWKS',
        checkpoints: signedHeads.size,
      };
    const other = signedHeads.get(claims.seq);
    if (other !== undefined && other !== claims.head)
      return {
        valid: false,
        events: 0,
        head: '',
        brokenAt: claims.seq,
        reason: `two signed checkpoints at ${claims.seq} name different heads`,
        checkpoints: signedHeads.size,
      };
    signedHeads.set(claims.seq, claims.head);
  }
  return { ...(await verifyChain(events, expectedHead, signedHeads)), checkpoints: signedHeads.size };
}
