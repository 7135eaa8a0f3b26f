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
  readonly kid: string;
  sign(payload: ReceiptPayload): Promise<string>;
  jwks(): Promise<{ keys: JWK[] }>;
}

async function newKeyRecord(): Promise<SigningKeyRecord> {
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

/**
 * Signs receipts with the Ed25519 key kept in the metadata store, so every node signs with
 * the same key and anyone can verify a receipt offline against the published JWKS.
 */
export async function createReceiptSigner(store: MetadataStore, issuer: string): Promise<ReceiptSigner> {
  const active = await store.ensureSigningKey(await newKeyRecord());
  const key = await importJWK(active.privateJwk as JWK, 'EdDSA');
  return {
    kid: active.kid,
    sign(payload) {
      return new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'EdDSA', kid: active.kid, typ: RECEIPT_TYPE })
        .setIssuer(issuer)
        .setSubject(payload.deliveryId)
        .setIssuedAt(new Date(payload.completedAt))
        .sign(key);
    },
    async jwks() {
      const keys = await store.listSigningKeys();
      return {
        keys: keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })),
      };
    },
  };
}
