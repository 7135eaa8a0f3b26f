/**
 * HKDF-SHA256 (RFC 5869) with an empty salt: `bytes` of key material for one purpose, named by
 * `info`, from a shared secret. WebCrypto only, so the same code runs on Node and on Workers.
 */
export async function hkdf(secret: Uint8Array, info: string, bytes: number): Promise<ArrayBuffer> {
  const base = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']);
  return crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
    base,
    bytes * 8,
  );
}
