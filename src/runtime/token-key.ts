import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config';

/**
 * The key tokens are hashed with before they are stored, on Node: from configuration
 * (GATEWAY_TOKEN_KEY or GATEWAY_TOKEN_KEY_FILE, base64, at least 32 bytes), shared by every
 * node; or, for the embedded deployment, made once under the data dir (0600). A stolen
 * database alone then does not even allow checking a guessed token. The composition root
 * checks its length.
 */
export function readTokenKey(opts: { key?: string; file?: string; dataDir: string | null }): Uint8Array {
  const text = opts.key ?? (opts.file ? readFileSync(opts.file, 'utf8').trim() : undefined);
  if (text) return Buffer.from(text, 'base64');
  if (opts.dataDir) {
    const dir = join(opts.dataDir, 'keys');
    const path = join(dir, 'token-hash.key');
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  }
  throw new ConfigError(
    'GATEWAY_TOKEN_KEY: every node of a shared database hashes tokens with the same key; set it (base64, at least 32 bytes)',
  );
}
