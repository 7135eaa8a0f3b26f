import { hkdf } from '../core/hkdf';

/**
 * Seals secrets the gateway must use again (a webhook's signing secret) for the metadata
 * store: AES-256-GCM under a key derived (HKDF-SHA256, an `info` of its own) from the token key
 * every node shares, with what the secret belongs to as additional data, so a sealed secret
 * moved to another row does not open. The database, its dumps and backups hold only ciphertext.
 */
export interface SecretSeal {
  seal(owner: string, secret: string): Promise<string>;
  /** The secret back; throws when it was sealed under another key, for another owner, or changed. */
  open(owner: string, sealed: string): Promise<string>;
}

const INFO = 'delivery-gateway secret sealing v1';

export async function secretSeal(tokenKey: Uint8Array): Promise<SecretSeal> {
  const key = await crypto.subtle.importKey('raw', await hkdf(tokenKey, INFO, 32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  const aad = (owner: string) => new TextEncoder().encode(owner);
  return {
    async seal(owner, secret) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(owner) },
        key,
        new TextEncoder().encode(secret),
      );
      return `A256GCM.${Buffer.from(iv).toString('base64url')}.${Buffer.from(data).toString('base64url')}`;
    },
    async open(owner, sealed) {
      const [alg, iv, data] = sealed.split('.');
      if (alg !== 'A256GCM' || !iv || !data) throw new Error(`the sealed secret of ${owner} is not one`);
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: Buffer.from(iv, 'base64url'), additionalData: aad(owner) },
        key,
        Buffer.from(data, 'base64url'),
      );
      return new TextDecoder().decode(plain);
    },
  };
}
