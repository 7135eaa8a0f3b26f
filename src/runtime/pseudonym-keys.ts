import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pseudonymiser } from '../core/projection';
import { hmacPseudonymiser } from '../pipeline/pseudonymiser';
import { configuredPseudonymisers, parsePseudonymKeys } from './keys';

export interface PseudonymKeySource {
  /** Where keys come from, for the start-up log (never the keys). */
  describe(): string;
  pseudonymiser(ref: string): Pseudonymiser;
}

/**
 * Pseudonymisation keys per key reference. Configured keys (PSEUDONYM_KEYS or
 * PSEUDONYM_KEYS_FILE) win; otherwise, for the embedded single-machine deployment, a key is
 * made on first use and kept under the data dir (mode 0600) so pseudonyms stay stable.
 */
export function createPseudonymKeySource(opts: {
  json?: string;
  file?: string;
  dataDir?: string;
}): PseudonymKeySource {
  const configured = opts.json
    ? parsePseudonymKeys(opts.json, 'PSEUDONYM_KEYS')
    : opts.file
      ? parsePseudonymKeys(readFileSync(opts.file, 'utf8'), 'PSEUDONYM_KEYS_FILE')
      : null;
  if (configured) {
    const pseudonymiser = configuredPseudonymisers(configured, 'the configured keys');
    return {
      describe: () => `configured (${Object.keys(configured).length} key references)`,
      pseudonymiser,
    };
  }
  const cache = new Map<string, Pseudonymiser>();
  return {
    describe: () => `generated under ${opts.dataDir}/keys`,
    pseudonymiser(ref) {
      const hit = cache.get(ref);
      if (hit) return hit;
      if (!opts.dataDir)
        throw new Error(
          `no pseudonymisation key for reference ${ref}: set PSEUDONYM_KEYS or PSEUDONYM_KEYS_FILE`,
        );
      const dir = join(opts.dataDir, 'keys');
      const path = join(dir, `pseudonym-${ref}.json`);
      if (!existsSync(path)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const secret = randomBytes(32);
        const id = `${ref}-${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
        writeFileSync(path, JSON.stringify({ id, secret: secret.toString('base64') }), {
          mode: 0o600,
          flag: 'wx',
        });
      }
      const k = JSON.parse(readFileSync(path, 'utf8')) as { id: string; secret: string };
      const p = hmacPseudonymiser(k.id, Buffer.from(k.secret, 'base64'));
      cache.set(ref, p);
      return p;
    },
  };
}
