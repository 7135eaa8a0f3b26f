/**
 * The gateway on Cloudflare Workers: the same Hono app as on Node, with PostgreSQL through
 * the Hyperdrive binding `HYPERDRIVE`, objects in the R2 binding `OBJECTS`, secrets as Worker
 * secrets, and the cron trigger running the same jobs. A Worker has no files and no threads:
 * the catalogue is bundled, extracts are made in the request, and profiles whose output needs
 * files at run time (the archival version's official schemas and font) are left to the Node
 * deployment.
 */
import { createHash, createHmac } from 'node:crypto';
import { buildCatalogue, type Catalogue } from '../core/catalogue';
import { systemClock } from '../core/clock';
import { maskCprShaped } from '../core/cpr-shaped';
import { createApp } from '../http/app';
import { Metrics } from '../http/metrics';
import type { Log, Services } from '../http/services';
import { reapAbandonedDeliveries } from '../jobs/janitor';
import { runDuePushes } from '../pipeline/push';
import { type ReceiptKeyWrap, receiptKeyWrap } from '../receipts/key-wrap';
import { createReceiptSigner } from '../receipts/signer';
import { createR2ObjectStore, type R2BucketLike } from '../stores/r2-object-store';
import { createPgClient } from '../stores/sql/pg-client';
import { createSqlMetadataStore } from '../stores/sql/sql-metadata-store';
import { BUNDLED_DELIVERIES, BUNDLED_SCHEMAS } from './bundled-catalogue';

export interface Env {
  HYPERDRIVE: { connectionString: string };
  OBJECTS: R2BucketLike;
  /**
   * Secret: base64, at least 32 bytes; tokens are stored as HMAC-SHA256 under it, and the
   * generated receipt signing key is stored wrapped under a key derived from it.
   */
  GATEWAY_TOKEN_KEY: string;
  /** Secret: an admin token accepted from start. */
  GATEWAY_ADMIN_TOKEN?: string;
  /** Secret: {"<key ref>": {"id": "…", "secret": "<base64>"}}. */
  PSEUDONYM_KEYS?: string;
  LOG_LEVEL?: string;
  /** Secret-named values for push transports: GATEWAY_SECRET_<NAME>. */
  [name: string]: unknown;
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

function consoleLog(level: string): Log {
  const min = Math.max(0, LEVELS.indexOf(level));
  const at =
    (name: string, write: (s: string) => void) =>
    (obj: object, msg: string): void => {
      if (LEVELS.indexOf(name) < min) return;
      const line = JSON.stringify(
        { level: name, time: Date.now(), service: 'gateway', ...obj, msg },
        (_k, v) => (v instanceof Error ? { message: v.message } : v),
      );
      write(maskCprShaped(line));
    };
  return {
    debug: at('debug', (s) => console.debug(s)),
    info: at('info', (s) => console.log(s)),
    warn: at('warn', (s) => console.warn(s)),
    error: at('error', (s) => console.error(s)),
  };
}

let catalogue: Catalogue | null = null;
let migrated: Promise<void> | null = null;
let keyWrap: { secret: string; wrap: Promise<ReceiptKeyWrap> } | null = null;
const metrics = new Metrics();

function catalogueFor(env: Env, log: Log): Catalogue {
  if (catalogue) return catalogue;
  const keys = env.PSEUDONYM_KEYS
    ? (JSON.parse(env.PSEUDONYM_KEYS) as Record<string, { id: string; secret: string }>)
    : {};
  const files = BUNDLED_DELIVERIES.filter((f) => {
    const o = JSON.parse(f.text) as { output?: { format?: string } };
    if (o.output?.format !== 'archival-version') return true;
    log.warn(
      { file: f.path },
      'archival versions are made by the Node deployment; this profile is left out here',
    );
    return false;
  });
  catalogue = buildCatalogue(BUNDLED_SCHEMAS, files, {
    sha256Hex: (t) => createHash('sha256').update(t).digest('hex'),
    pseudonymiser(ref) {
      const k = keys[ref];
      if (!k) throw new Error(`no pseudonymisation key for reference ${ref} in PSEUDONYM_KEYS`);
      const secret = Buffer.from(k.secret, 'base64');
      return { keyId: k.id, pseudonymise: (v) => createHmac('sha256', secret).update(v).digest('hex') };
    },
  });
  return catalogue;
}

/** The stores and services of one request (a Worker may not share connections between requests). */
async function servicesFor(env: Env) {
  const log = consoleLog(env.LOG_LEVEL ?? 'info');
  if (!env.GATEWAY_TOKEN_KEY)
    throw new Error('GATEWAY_TOKEN_KEY is not set (wrangler secret put GATEWAY_TOKEN_KEY)');
  const tokenKey = Buffer.from(env.GATEWAY_TOKEN_KEY, 'base64');
  const hashToken = (t: string) => createHmac('sha256', tokenKey).update(t).digest('hex');
  // The receipt signing key is kept wrapped under a key derived from the token key, as on Node.
  if (keyWrap?.secret !== env.GATEWAY_TOKEN_KEY)
    keyWrap = { secret: env.GATEWAY_TOKEN_KEY, wrap: receiptKeyWrap(tokenKey) };
  const sql = createPgClient(env.HYPERDRIVE.connectionString, 3);
  const metadata = createSqlMetadataStore(sql);
  migrated ??= metadata.migrate().catch((e) => {
    migrated = null;
    throw e;
  });
  await migrated;
  const objects = createR2ObjectStore(env.OBJECTS);
  const services: Services = {
    catalogue: catalogueFor(env, log),
    metadata,
    objects,
    signer: await createReceiptSigner({
      store: metadata,
      issuer: 'delivery-gateway',
      wrap: await keyWrap.wrap,
      now: systemClock,
    }),
    log,
    hashToken,
    adminTokenHash: env.GATEWAY_ADMIN_TOKEN ? hashToken(env.GATEWAY_ADMIN_TOKEN) : null,
    limits: { maxDeliveryBytes: 100 * 1024 * 1024, maxStoredIssues: 10_000 },
    metrics,
    version: 'workers',
  };
  return { services, close: () => metadata.close() };
}

const secretsOf = (env: Env) => (name: string) => {
  const v = env[`GATEWAY_SECRET_${name.toUpperCase().replaceAll('-', '_')}`];
  return typeof v === 'string' && v ? v : undefined;
};

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const { services, close } = await servicesFor(env);
    try {
      return await createApp(services).fetch(request, env);
    } finally {
      ctx.waitUntil(close());
    }
  },

  /** The cron trigger: the same jobs the Node scheduler runs. */
  async scheduled(_event: unknown, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<void> {
    const { services, close } = await servicesFor(env);
    const run = async () => {
      const { metadata, objects, log } = services;
      try {
        const reaped = await reapAbandonedDeliveries({ metadata, objects, log }, new Date(), 6 * 3600_000);
        const pushed = await runDuePushes({
          metadata,
          objects,
          secrets: secretsOf(env),
          log,
          now: systemClock,
        });
        log.info({ reaped: reaped.reaped.length, ...pushed }, 'scheduled jobs ran');
      } finally {
        await close();
      }
    };
    ctx.waitUntil(run());
  },
};
