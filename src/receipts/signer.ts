import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { newId } from '../core/ids';
import type { MetadataStore, SigningKeyRecord } from '../stores/metadata-store';

export const RECEIPT_TYPE = 'delivery-receipt+jwt';

export interface ReceiptPayload {
  deliveryId: string;
  dataset: string;
  municipality: string;
  period: string;
  source: string;
  status: 'accepted' | 'rejected';
  sha256: string;
  bytes: number;
  records: { total: number; valid: number; invalid: number };
  receivedAt: string;
  completedAt: string;
  extracts?: Array<{ id: string; recipient: string; sha256: string }>;
}

export interface ReceiptSigner {
  sign(payload: ReceiptPayload): Promise<string>;
  jwks(): Promise<{ keys: JWK[] }>;
  /** A new key signs from now on; the old one stays in the JWKS. Returns the new kid. */
  rotate(actor: string): Promise<string>;
}

export async function newKeyRecord(): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    kid: newId('key'),
    alg: 'EdDSA',
    publicJwk: (await exportJWK(publicKey)) as Record<string, unknown>,
    privateJwk: (await exportJWK(privateKey)) as Record<string, unknown>,
    createdAt: new Date().toISOString(),
    retiredAt: null,
  };
}

/** A private Ed25519 JWK from configuration (with its `kid`), as a key record whose private half the store never sees. */
export function configuredKeyRecord(jwk: Record<string, unknown>): {
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
      createdAt: new Date().toISOString(),
      retiredAt: null,
    },
    privateJwk: jwk as JWK,
  };
}

/**
 * Signs receipts with Ed25519. The key comes from configuration (GATEWAY_RECEIPT_KEY_FILE:
 * only its public half is stored) or is made and kept in the metadata store; either way every
 * node signs with the key the store says is active, and the JWKS publishes every key that
 * ever signed, so a receipt verifies offline however old it is.
 */
export async function createReceiptSigner(
  store: MetadataStore,
  issuer: string,
  configured?: { record: SigningKeyRecord; privateJwk: JWK },
): Promise<ReceiptSigner> {
  if (configured)
    await store.rotateSigningKey(configured.record, new Date().toISOString(), 'gateway (configuration)');
  else {
    const active = await store.ensureSigningKey(await newKeyRecord());
    // The active key was configured on a node and is configured no more: its private half
    // was never stored, so a new key signs from now on.
    if (!(active.privateJwk as JWK).d)
      await store.rotateSigningKey(
        await newKeyRecord(),
        new Date().toISOString(),
        'gateway (configuration removed)',
      );
  }
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const keyFor = (k: SigningKeyRecord) => {
    let key = imported.get(k.kid);
    if (!key) {
      const jwk =
        configured && configured.record.kid === k.kid ? configured.privateJwk : (k.privateJwk as JWK);
      if (!jwk.d) throw new Error(`receipt key ${k.kid} is configured on another node, not on this one`);
      key = importJWK(jwk, 'EdDSA');
      imported.set(k.kid, key);
    }
    return key;
  };
  return {
    async sign(payload) {
      // A configured key signs on this node whatever another node made active (a rolling
      // change of keys); otherwise the key the store says is active.
      const active = configured ? configured.record : await store.activeSigningKey();
      if (!active) throw new Error('no active receipt key');
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
      const next = await store.rotateSigningKey(await newKeyRecord(), new Date().toISOString(), actor);
      return next.kid;
    },
  };
}
