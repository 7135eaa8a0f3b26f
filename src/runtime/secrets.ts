import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretSource } from '../pipeline/push';

/**
 * Secrets that profiles name (push credentials): a `GATEWAY_SECRET_<NAME>` variable, or a file
 * of that name in `GATEWAY_SECRETS_DIR`. Read when used, so a rotated file takes effect at once.
 */
export function secretSource(fromEnv: Record<string, string>, dir: string | undefined): SecretSource {
  return (name) => {
    const v = fromEnv[name];
    if (v) return v;
    if (!dir || !/^[a-z0-9][a-z0-9-]*$/.test(name)) return undefined;
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '') || undefined;
  };
}
