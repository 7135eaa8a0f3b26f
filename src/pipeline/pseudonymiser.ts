import { createHmac, randomBytes } from 'node:crypto';
import { hmacSha256HexOf } from '../core/hmac-sha256';
import type { Pseudonymiser } from '../core/projection';

/** HMAC-SHA256 under a key, as lower-case hex: the pseudonym of a value, and the stored hash of a token. */
export function hmacSha256Hex(key: Uint8Array): (text: string) => string {
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}

/**
 * The gateway's pseudonymiser: HMAC-SHA256 of the value under the recipient's secret key, so
 * the same value always gets the same pseudonym for that recipient and no one without the key
 * can compute or reverse it. A key shorter than 32 bytes is refused.
 */
export function hmacPseudonymiser(keyId: string, secret: Uint8Array): Pseudonymiser {
  if (secret.length < 32) throw new Error(`pseudonymisation key ${keyId} is shorter than 32 bytes`);
  // Called once a record: the key's padded blocks are compressed once, not for every value.
  return { keyId, pseudonymise: hmacSha256HexOf(secret, hmacSha256Hex(secret)) };
}

/**
 * Pseudonymisers under one random key made now and never kept (key ids `<ref>-<label>`): for a
 * preview or an offline check, whose pseudonyms must not be anyone's real ones.
 */
export function oneOffPseudonymisers(label: string): (ref: string) => Pseudonymiser {
  const key = randomBytes(32);
  return (ref) => hmacPseudonymiser(`${ref}-${label}`, key);
}
