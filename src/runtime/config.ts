import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Settings every runtime reads, under the same names and with the same defaults: Node's
 * environment and a Worker's variables and secrets are both checked against these.
 */
/** A comma-separated setting as its list of entries, blanks dropped. */
const commaList = z.string().transform((s) =>
  s
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean),
);

export const SharedSettings = {
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'GATEWAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_MAX_DELIVERY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 ** 3),
  /** JSON: {"<key ref>": {"id": "<key id>", "secret": "<base64>"}}. */
  PSEUDONYM_KEYS: z.string().optional(),
  /** The AWS SDK's checksums: WHEN_REQUIRED suits S3-compatible services that mishandle the SDK's default. */
  S3_REQUEST_CHECKSUM_CALCULATION: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).default('WHEN_REQUIRED'),
  S3_RESPONSE_CHECKSUM_VALIDATION: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).default('WHEN_REQUIRED'),
  /** The key tokens are hashed with (base64, ≥ 32 bytes); needed with DATABASE_URL, generated under the data dir otherwise. */
  GATEWAY_TOKEN_KEY: z.string().min(44, 'GATEWAY_TOKEN_KEY must be at least 32 bytes, base64').optional(),
  /** Requests a minute one token may make on one node (0: no limit). */
  GATEWAY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** Reports over many slots (status, quality, consolidation, a run) a node makes at once; more wait in line. */
  GATEWAY_REPORTS_AT_ONCE: z.coerce.number().int().min(1).max(64).default(1),
  /** Failed authentications a minute from one address before it is refused until the minute ends. */
  GATEWAY_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  /** Comma-separated origins a browser may call the API from; none by default. */
  GATEWAY_CORS_ORIGINS: commaList.pipe(z.array(z.string().url())).optional(),
  /** Hosts a webhook subscription may name although private or plain HTTP (comma-separated host or host:port). */
  GATEWAY_WEBHOOK_ALLOW_HOSTS: commaList.optional(),
  /** Attempts to send one webhook message before it is given up (dead-lettered). */
  GATEWAY_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** The wait after a webhook's first failed attempt, doubled after each further one (at most 10 hours). */
  GATEWAY_WEBHOOK_RETRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** A delivery still receiving after this long is taken as abandoned by the janitor (several-node deployments). */
  GATEWAY_ABANDONED_AFTER_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(6 * 3600_000),
};

/** The shared settings' values, as every runtime hands them to the composition root. */
export type SharedSettingsValues = z.infer<z.ZodObject<typeof SharedSettings>>;

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
  /** Put before every object key, e.g. `gateway/`. */
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9][A-Za-z0-9_.-]*\/)*$/, 'S3_PREFIX is empty or folder names ending in /')
    .optional(),
  /** Credentials; the default AWS chain (environment, instance role) when absent. */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Server-side encryption of every object the gateway stores. */
  S3_SSE: z.enum(['AES256', 'aws:kms']).optional(),
  S3_SSE_KMS_KEY_ID: z.string().optional(),
  GATEWAY_SCHEMAS_DIR: z.string().optional(),
  GATEWAY_DELIVERIES_DIR: z.string().optional(),
  PSEUDONYM_KEYS_FILE: z.string().optional(),
  GATEWAY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Deliveries at least this large have their extracts made in a worker thread (built bundle only); 0 turns that off. */
  GATEWAY_THREAD_FANOUT_MIN_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(8 * 1024 * 1024),
  GATEWAY_TOKEN_KEY_FILE: z.string().optional(),
  /** A folder of secret files named as profiles name their secrets (e.g. systemd's $CREDENTIALS_DIRECTORY). */
  GATEWAY_SECRETS_DIR: z.string().optional(),
  /** How often each node looks for pushes that are due (they are also tried as soon as a delivery is accepted). */
  GATEWAY_PUSH_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Worker threads one large delivery's record-level extracts are shared out over. */
  GATEWAY_FANOUT_WORKERS: z.coerce.number().int().min(1).max(8).default(1),
  /** The receipt signing key, a private Ed25519 JWK with a kid (file, 0600); kept in the metadata store when absent. */
  GATEWAY_RECEIPT_KEY_FILE: z.string().optional(),
  /** Serve HTTPS with this certificate and key (PEM files). */
  TLS_CERT: z.string().optional(),
  TLS_KEY: z.string().optional(),
  /** Ask clients for a certificate chaining to this CA (PEM file); a verified one may sign in. */
  TLS_CLIENT_CA: z.string().optional(),
  /** Proxies (comma-separated addresses) trusted to say who the client is (X-Forwarded-For, client certificates). */
  GATEWAY_TRUSTED_PROXIES: commaList.optional(),
  /** The longest a request may take, body included (a large delivery on a slow line needs long). */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(4 * 3600_000),
  /** The longest a client may take to send a request's headers. */
  GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  ...SharedSettings,
});
export type Config = z.infer<typeof ConfigSchema> & {
  /** Secrets for push transports, from `GATEWAY_SECRET_<NAME>` variables (name upper-cased, - as _). */
  secrets: Record<string, string>;
};

const SECRET_PREFIX = 'GATEWAY_SECRET_';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The values that are set, checked against a schema; the error names every variable that is wrong. */
export function parseSettings<S extends z.ZodTypeAny>(schema: S, env: Record<string, unknown>): z.infer<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** Secrets for push transports from `GATEWAY_SECRET_<NAME>` values, by the name profiles give them. */
export function pushSecretsFrom(env: Record<string, unknown>): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith(SECRET_PREFIX) && typeof v === 'string' && v)
      secrets[k.slice(SECRET_PREFIX.length).toLowerCase().replaceAll('_', '-')] = v;
  return secrets;
}

export function readConfig(env: Record<string, string | undefined>): Config {
  const data = parseSettings(ConfigSchema, env);
  if (!!data.S3_ACCESS_KEY_ID !== !!data.S3_SECRET_ACCESS_KEY)
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: give both or neither');
  if (data.S3_SSE_KMS_KEY_ID && data.S3_SSE !== 'aws:kms')
    throw new ConfigError('S3_SSE_KMS_KEY_ID: needs S3_SSE=aws:kms');
  const secrets = pushSecretsFrom(env);
  if (!!data.TLS_CERT !== !!data.TLS_KEY)
    throw new ConfigError('TLS_CERT and TLS_KEY: give both (PEM files) or neither');
  if (data.TLS_CLIENT_CA && !data.TLS_CERT)
    throw new ConfigError('TLS_CLIENT_CA: client certificates need TLS_CERT and TLS_KEY');
  return { ...data, secrets };
}

/** The S3 object store's settings, when S3_BUCKET is set. */
export function s3Options(config: Config): import('../stores/s3-object-store').S3ObjectStoreOptions | null {
  if (!config.S3_BUCKET) return null;
  return {
    bucket: config.S3_BUCKET,
    ...(config.S3_PREFIX ? { prefix: config.S3_PREFIX } : {}),
    ...(config.S3_REGION ? { region: config.S3_REGION } : {}),
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    forcePathStyle: config.S3_FORCE_PATH_STYLE ?? false,
    ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? {
          credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
        }
      : {}),
    requestChecksumCalculation: config.S3_REQUEST_CHECKSUM_CALCULATION,
    responseChecksumValidation: config.S3_RESPONSE_CHECKSUM_VALIDATION,
    ...(config.S3_SSE ? { serverSideEncryption: config.S3_SSE } : {}),
    ...(config.S3_SSE_KMS_KEY_ID ? { kmsKeyId: config.S3_SSE_KMS_KEY_ID } : {}),
  };
}
