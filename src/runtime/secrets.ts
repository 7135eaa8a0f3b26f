import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalogue } from '../core/catalogue';
import { transportSecrets } from '../core/transport';
import type { SecretSource } from '../pipeline/push';
import { ConfigError } from './config';

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

/** Refuses to start when a profile pushes with a secret the configuration does not hold. */
export function checkPushSecrets(catalogue: Catalogue, secrets: SecretSource): void {
  const missing: string[] = [];
  for (const list of catalogue.profiles.values())
    for (const p of list)
      for (const name of transportSecrets(p.profile.transport))
        if (!secrets(name))
          missing.push(
            `${p.profile.id}: the secret ${name} is not configured (GATEWAY_SECRET_${name.toUpperCase().replaceAll('-', '_')} or a file ${name} in GATEWAY_SECRETS_DIR)`,
          );
  if (missing.length) throw new ConfigError(`push transports lack secrets:\n  ${missing.join('\n  ')}`);
}
