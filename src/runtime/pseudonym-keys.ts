import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Pseudonymiser } from '../core/projection';

const KeyFile = z.record(z.string(), z.object({ id: z.string().min(1), secret: z.string().min(1) }).strict());

export interface PseudonymKeySource {
  /** Where keys come from, for the start-up log (never the keys). */
  describe(): string;
  pseudonymiser(ref: string): Pseudonymiser;
}

function fromSecret(id: string, secret: Buffer): Pseudonymiser {
  if (secret.length < 32) throw new Error(`pseudonymisation key ${id} is shorter than 32 bytes`);
  return { keyId: id, pseudonymise: (value) => createHmac('sha256', secret).update(value).digest('hex') };
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
  let configured: z.infer<typeof KeyFile> | null = null;
  if (opts.json) configured = KeyFile.parse(JSON.parse(opts.json));
  else if (opts.file) configured = KeyFile.parse(JSON.parse(readFileSync(opts.file, 'utf8')));
  const cache = new Map<string, Pseudonymiser>();
  return {
    describe: () =>
      configured
        ? `configured (${Object.keys(configured).length} key references)`
        : `generated under ${opts.dataDir}/keys`,
    pseudonymiser(ref) {
      const hit = cache.get(ref);
      if (hit) return hit;
      let p: Pseudonymiser;
      if (configured) {
        const k = configured[ref];
        if (!k) throw new Error(`no pseudonymisation key for reference ${ref} in the configured keys`);
        p = fromSecret(k.id, Buffer.from(k.secret, 'base64'));
      } else if (opts.dataDir) {
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
        p = fromSecret(k.id, Buffer.from(k.secret, 'base64'));
      } else {
        throw new Error(
          `no pseudonymisation key for reference ${ref}: set PSEUDONYM_KEYS or PSEUDONYM_KEYS_FILE`,
        );
      }
      cache.set(ref, p);
      return p;
    },
  };
}
