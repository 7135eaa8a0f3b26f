import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting the Node runtime reads, validated once at start; an error names the variable. */
export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'GATEWAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_MAX_DELIVERY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 ** 3),
  GATEWAY_SCHEMAS_DIR: z.string().optional(),
  GATEWAY_DELIVERIES_DIR: z.string().optional(),
  /** JSON: {"<key ref>": {"id": "<key id>", "secret": "<base64>"}}. */
  PSEUDONYM_KEYS: z.string().optional(),
  PSEUDONYM_KEYS_FILE: z.string().optional(),
  GATEWAY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Deliveries at least this large have their extracts made in a worker thread (built bundle only); 0 turns that off. */
  GATEWAY_THREAD_FANOUT_MIN_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(8 * 1024 * 1024),
  /** A delivery still receiving after this long is taken as abandoned by the janitor (several-node deployments). */
  GATEWAY_ABANDONED_AFTER_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(6 * 3600_000),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.data.S3_BUCKET)
    throw new ConfigError(
      'S3_BUCKET: the S3 object store is not available in this version; unset it to use the data dir',
    );
  return parsed.data;
}
