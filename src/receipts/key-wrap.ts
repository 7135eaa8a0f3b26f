import type { JWK } from 'jose';
import { hkdf } from '../core/hkdf';

/**
 * How a private key is kept in the metadata store: AES-256-GCM under a key the store does not
 * hold. A plain JSON object (a type, not an interface), so it is stored as the record's JSON as is.
 */
export type WrappedPrivateKey = {
  wrapped: 'A256GCM';
  /** Names the key-encryption key (derived, not secret): tells a wrong key from a damaged record. */
  kek: string;
  iv: string;
  /** Ciphertext with the 16-byte tag at its end, base64url. */
  data: string;
};

/** A wrapped key that does not open here: another key-encryption key, or a changed record. */
export class KeyWrapError extends Error {}

export interface ReceiptKeyWrap {
  /** The key-encryption key's name, as written in every key it wraps. */
  readonly kekId: string;
  wrap(kid: string, privateJwk: JWK): Promise<WrappedPrivateKey>;
  /** The private JWK back; throws when the record was wrapped under another key or changed. */
  unwrap(kid: string, stored: WrappedPrivateKey): Promise<JWK>;
}

export const isWrapped = (
  stored: Record<string, unknown>,
): stored is Record<string, unknown> & WrappedPrivateKey =>
  stored.wrapped === 'A256GCM' &&
  typeof stored.kek === 'string' &&
  typeof stored.iv === 'string' &&
  typeof stored.data === 'string';

const WRAP_INFO = 'delivery-gateway receipt key wrapping v1';
const NAME_INFO = 'delivery-gateway receipt key wrapping v1 key id';
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/**
 * Wraps receipt signing keys under a key-encryption key derived (HKDF-SHA256, an `info` of its
 * own) from the token key every node already shares (GATEWAY_TOKEN_KEY / _FILE, or the one the
 * embedded deployment keeps under the data dir). The metadata database then holds only
 * ciphertext: its files, its write-ahead log, a dump or a backup give no key to sign with. The
 * key id is the additional data, so a wrapped key moved to another row does not open.
 * WebCrypto only: the same code runs on Node and on Workers.
 */
export async function receiptKeyWrap(tokenKey: Uint8Array): Promise<ReceiptKeyWrap> {
  if (tokenKey.length < 32) throw new Error('the key-encryption key needs at least 32 bytes of secret');
  const kek = await crypto.subtle.importKey('raw', await hkdf(tokenKey, WRAP_INFO, 32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  const kekId = Buffer.from(await hkdf(tokenKey, NAME_INFO, 8)).toString('hex');
  return {
    kekId,
    async wrap(kid, privateJwk) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(kid) },
        kek,
        new TextEncoder().encode(JSON.stringify(privateJwk)),
      );
      return { wrapped: 'A256GCM', kek: kekId, iv: b64u(iv), data: b64u(new Uint8Array(data)) };
    },
    async unwrap(kid, stored) {
      if (stored.kek !== kekId)
        throw new KeyWrapError(
          `receipt key ${kid} was wrapped under another key-encryption key (${stored.kek}, this node has ${kekId}): every node needs the same GATEWAY_TOKEN_KEY`,
        );
      let plain: ArrayBuffer;
      try {
        plain = await crypto.subtle.decrypt(
          {
            name: 'AES-GCM',
            iv: Buffer.from(stored.iv, 'base64url'),
            additionalData: new TextEncoder().encode(kid),
          },
          kek,
          Buffer.from(stored.data, 'base64url'),
        );
      } catch {
        throw new KeyWrapError(
          `receipt key ${kid}: the wrapped private key does not open (changed, or moved from another key)`,
        );
      }
      return JSON.parse(new TextDecoder().decode(plain)) as JWK;
    },
  };
}
