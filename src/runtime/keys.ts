/**
 * The keys every runtime checks the same way, from values it has already read (no files here,
 * so a Worker uses this too): pseudonymisation keys and the token hashing key.
 */
import { z } from 'zod';
import type { Pseudonymiser } from '../core/projection';
import { hmacPseudonymiser, hmacSha256Hex } from '../pipeline/pseudonymiser';
import { ConfigError } from './config';

/** PSEUDONYM_KEYS or the file PSEUDONYM_KEYS_FILE names: {"<key ref>": {"id": "…", "secret": "<base64>"}}. */
export const PseudonymKeyList = z.record(
  z.string(),
  z.object({ id: z.string().min(1), secret: z.string().min(1) }).strict(),
);
export type PseudonymKeyList = z.infer<typeof PseudonymKeyList>;

/** The configured keys from their JSON text; `where` names the setting in the error. */
export function parsePseudonymKeys(text: string, where: string): PseudonymKeyList {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${where}: not JSON`);
  }
  const parsed = PseudonymKeyList.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)}`);
  return parsed.data;
}

/** The pseudonymiser of each key reference from the configured keys (each at least 32 bytes). */
export function configuredPseudonymisers(
  keys: PseudonymKeyList,
  where: string,
): (ref: string) => Pseudonymiser {
  const made = new Map<string, Pseudonymiser>();
  return (ref) => {
    let p = made.get(ref);
    if (!p) {
      const k = keys[ref];
      if (!k) throw new Error(`no pseudonymisation key for reference ${ref} in ${where}`);
      p = hmacPseudonymiser(k.id, Buffer.from(k.secret, 'base64'));
      made.set(ref, p);
    }
    return p;
  };
}

/** The token hasher: HMAC-SHA256 under the token key, refused when the key is shorter than 32 bytes. */
export function tokenHasherOver(key: Uint8Array): { hash(token: string): string; key: Uint8Array } {
  if (key.length < 32)
    throw new ConfigError('GATEWAY_TOKEN_KEY: the token hashing key is shorter than 32 bytes');
  return { key, hash: hmacSha256Hex(key) };
}
