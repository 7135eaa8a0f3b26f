import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import type { PersonalDataCategory, ReceiptStatus } from '../core/vocabulary';
import type { MetadataStore, SigningKeyRecord } from '../stores/metadata-store';
import { isWrapped, type ReceiptKeyWrap } from './key-wrap';

export const RECEIPT_TYPE = 'delivery-receipt+jwt';

export interface ReceiptPayload {
  deliveryId: string;
  dataset: string;
  municipality: string;
  period: string;
  source: string;
  status: ReceiptStatus;
  sha256: string;
  bytes: number;
  records: { total: number; valid: number; invalid: number };
  receivedAt: string;
  completedAt: string;
  /** Accepted with invalid records left out of its extracts (`records.invalid` of them). */
  partial?: boolean;
  /** Each extract made, with the lawful use it was made under and the personal data it holds. */
  extracts?: Array<{
    id: string;
    recipient: string;
    sha256: string;
    legalBasis: string;
    purpose: string;
    personalData: PersonalDataCategory;
  }>;
}

export interface ReceiptSigner {
  sign(payload: ReceiptPayload): Promise<string>;
  jwks(): Promise<{ keys: JWK[] }>;
  /** A new key signs from now on; the old one stays in the JWKS. Returns the new kid. */
  rotate(actor: string): Promise<string>;
}

/** A new Ed25519 key whose private half the store holds only wrapped (see key-wrap.ts). */
export async function newKeyRecord(wrap: ReceiptKeyWrap, now: Clock): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = newId('key');
  return {
    kid,
    alg: 'EdDSA',
    publicJwk: (await exportJWK(publicKey)) as Record<string, unknown>,
    privateJwk: await wrap.wrap(kid, await exportJWK(privateKey)),
    createdAt: now().toISOString(),
    retiredAt: null,
  };
}

/** A private Ed25519 JWK from configuration (with its `kid`), as a key record whose private half the store never sees. */
export function configuredKeyRecord(
  jwk: Record<string, unknown>,
  now: Clock,
): {
  record: SigningKeyRecord;
  privateJwk: JWK;
} {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string')
    throw new Error('the receipt key must be a private Ed25519 JWK (kty OKP, crv Ed25519, d and x)');
  if (typeof jwk.kid !== 'string' || !/^[\w.-]{1,64}$/.test(jwk.kid))
    throw new Error('the receipt key needs a kid (letters, digits, . _ -)');
  const { d: _private, ...publicJwk } = jwk;
  return {
    record: {
      kid: jwk.kid,
      alg: 'EdDSA',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x },
      privateJwk: {},
      createdAt: now().toISOString(),
      retiredAt: null,
    },
    privateJwk: jwk as JWK,
  };
}

/**
 * Signs receipts with Ed25519. The key comes from configuration (GATEWAY_RECEIPT_KEY_FILE:
 * only its public half is stored) or is made by the gateway and kept in the metadata store
 * wrapped under a key-encryption key the store does not hold (`wrap`); either way every node
 * signs with the key the store says is active, and the JWKS publishes every key that ever
 * signed, so a receipt verifies offline however old it is. A generated key found with its
 * private half in clear (stored by an earlier version) is retired and replaced: its clear copy
 * may linger in the database's log, dumps and backups.
 */
export async function createReceiptSigner(opts: {
  store: MetadataStore;
  /** The receipts' `iss`. */
  issuer: string;
  wrap: ReceiptKeyWrap;
  /** A key from configuration, which this node signs with whatever the store holds. */
  configured?: { record: SigningKeyRecord; privateJwk: JWK } | undefined;
  now: Clock;
}): Promise<ReceiptSigner> {
  const { store, issuer, wrap, configured, now } = opts;
  /** Why a node without a configured key cannot sign with a stored key and must replace it; null when it can. */
  const replaceBecause = (k: SigningKeyRecord): string | null => {
    if (isWrapped(k.privateJwk)) return null;
    // Stored in clear by an earlier version.
    if (typeof k.privateJwk.d === 'string') return 'gateway (private key was stored in clear)';
    // Configured on a node and configured no more: its private half was never stored.
    return 'gateway (configuration removed)';
  };
  const replace = async (k: SigningKeyRecord, because: string) =>
    store.rotateSigningKey({
      next: await newKeyRecord(wrap, now),
      at: now().toISOString(),
      actor: because,
      from: k.kid,
    });

  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const open = async (k: SigningKeyRecord): Promise<CryptoKey | Uint8Array> => {
    const jwk =
      configured && configured.record.kid === k.kid
        ? configured.privateJwk
        : isWrapped(k.privateJwk)
          ? await wrap.unwrap(k.kid, k.privateJwk)
          : null;
    if (!jwk?.d) throw new Error(`receipt key ${k.kid} is configured on another node, not on this one`);
    // The private half must be the one the JWKS publishes.
    if (jwk.x !== k.publicJwk.x) throw new Error(`receipt key ${k.kid}: private and public halves differ`);
    return importJWK(jwk, 'EdDSA');
  };
  const keyFor = (k: SigningKeyRecord) => {
    let key = imported.get(k.kid);
    if (!key) {
      key = open(k);
      key.catch(() => imported.delete(k.kid));
      imported.set(k.kid, key);
    }
    return key;
  };
  if (configured)
    await store.rotateSigningKey({
      next: configured.record,
      at: now().toISOString(),
      actor: 'gateway (configuration)',
    });
  else {
    let active = await store.ensureSigningKey(await newKeyRecord(wrap, now));
    const because = replaceBecause(active);
    if (because) active = await replace(active, because);
    // A key wrapped under another key-encryption key: this node's GATEWAY_TOKEN_KEY differs.
    if (isWrapped(active.privateJwk)) await keyFor(active);
  }
  return {
    async sign(payload) {
      // A configured key signs on this node whatever another node made active (a rolling
      // change of keys); otherwise the key the store says is active.
      let active = configured ? configured.record : await store.activeSigningKey();
      if (!active) throw new Error('no active receipt key');
      // A key another node (of an earlier version) stored in clear is replaced, not used.
      if (!configured && typeof active.privateJwk.d === 'string')
        active = await replace(active, 'gateway (private key was stored in clear)');
      return new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'EdDSA', kid: active.kid, typ: RECEIPT_TYPE })
        .setIssuer(issuer)
        .setSubject(payload.deliveryId)
        .setIssuedAt(new Date(payload.completedAt))
        .sign(await keyFor(active));
    },
    async jwks() {
      const keys = await store.listSigningKeys();
      return {
        keys: keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })),
      };
    },
    async rotate(actor) {
      if (configured) throw new Error('the receipt key is configured: rotate it by configuring a new one');
      const next = await store.rotateSigningKey({
        next: await newKeyRecord(wrap, now),
        at: now().toISOString(),
        actor,
      });
      return next.kid;
    },
  };
}
