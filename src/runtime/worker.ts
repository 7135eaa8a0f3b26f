/**
 * The gateway on Cloudflare Workers: the same Hono app and the same composition root as on
 * Node, with PostgreSQL through the Hyperdrive binding `HYPERDRIVE`, objects in the R2 binding
 * `OBJECTS`, settings and secrets as Worker variables and secrets, and the cron trigger running
 * the same jobs. A Worker has no files and no threads: the catalogue is bundled, extracts are
 * made in the request, and profiles whose output needs files at run time (the archival
 * version's official schemas and font) are left to the Node deployment.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Catalogue } from '../core/catalogue';
import { systemClock } from '../core/clock';
import { createApp } from '../http/app';
import type { Log } from '../http/services';
import { createR2ObjectStore } from '../stores/r2-object-store';
import type { SqlClient } from '../stores/sql/client';
import { createPgClient } from '../stores/sql/pg-client';
import { createSqlMetadataStore } from '../stores/sql/sql-metadata-store';
import { BUNDLED_DELIVERIES, BUNDLED_SCHEMAS } from './bundled-catalogue';
import { type Composed, catalogueFrom, composeServices } from './compose';
import { consoleLog } from './console-log';
import { configuredPseudonymisers, parsePseudonymKeys } from './keys';
import { type Env, readWorkerSettings, type WorkerSettings, workerClient } from './worker-env';

export type { Env } from './worker-env';

interface Context {
  waitUntil(p: Promise<unknown>): void;
}

/**
 * What belongs to one request or cron run: a Worker may not share connections between
 * requests, so each opens its own to PostgreSQL, and the store reaches it through this.
 */
const scope = new AsyncLocalStorage<{ sql: SqlClient; request?: Request }>();

function currentSql(): SqlClient {
  const s = scope.getStore();
  if (!s) throw new Error('the metadata store was used outside a request');
  return s.sql;
}

/** The SQL client of the request in progress. */
const requestSql: SqlClient = {
  name: 'postgres',
  query: (sql, params) => currentSql().query(sql, params),
  exec: (sql) => currentSql().exec(sql),
  transaction: (fn) => currentSql().transaction(fn),
  async close() {},
};

function bundledCatalogue(settings: WorkerSettings, log: Log): Catalogue {
  const keys = configuredPseudonymisers(
    settings.PSEUDONYM_KEYS ? parsePseudonymKeys(settings.PSEUDONYM_KEYS, 'PSEUDONYM_KEYS') : {},
    'PSEUDONYM_KEYS',
  );
  const deliveries = BUNDLED_DELIVERIES.filter((f) => {
    const o = JSON.parse(f.text) as { output?: { format?: string } };
    if (o.output?.format !== 'archival-version') return true;
    log.warn(
      { file: f.path },
      'archival versions are made by the Node deployment; this profile is left out here',
    );
    return false;
  });
  return catalogueFrom({ schemas: BUNDLED_SCHEMAS, deliveries }, keys);
}

/** The Workers adapter: built once per isolate, so limits and metrics count across its requests. */
async function build(
  env: Env,
): Promise<{ composed: Composed; app: ReturnType<typeof createApp>; settings: WorkerSettings }> {
  const now = systemClock;
  const settings = readWorkerSettings(env);
  const log = consoleLog(settings.LOG_LEVEL, now);
  const composed = await composeServices({
    version: 'workers',
    log,
    now,
    settings,
    catalogue: bundledCatalogue(settings, log),
    metadata: createSqlMetadataStore(requestSql, now),
    objects: createR2ObjectStore(env.OBJECTS),
    tokenKey: Buffer.from(settings.GATEWAY_TOKEN_KEY, 'base64'),
    secrets: (name) => settings.secrets[name],
    client: workerClient(() => scope.getStore()?.request),
    pushWorker: false,
  });
  return { composed, app: createApp(composed.services), settings };
}

let built: ReturnType<typeof build> | null = null;

/** Runs `fn` with a connection of its own and the gateway built (on first use, in this scope). */
async function inScope<T>(
  env: Env,
  ctx: Context,
  request: Request | undefined,
  fn: (g: Awaited<ReturnType<typeof build>>) => Promise<T>,
): Promise<T> {
  const sql = createPgClient(env.HYPERDRIVE.connectionString, 3);
  try {
    return await scope.run({ sql, ...(request ? { request } : {}) }, async () => {
      built ??= build(env).catch((e) => {
        built = null;
        throw e;
      });
      return fn(await built);
    });
  } finally {
    ctx.waitUntil(sql.close());
  }
}

export default {
  fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    return inScope(env, ctx, request, async ({ app }) => app.fetch(request, env));
  },

  /** The cron trigger: the same jobs the Node scheduler runs. */
  async scheduled(_event: unknown, env: Env, ctx: Context): Promise<void> {
    ctx.waitUntil(
      inScope(env, ctx, undefined, async ({ composed, settings }) => {
        const log = composed.services.log;
        // Each job on its own: one that fails is logged, and the others still run.
        const job = async <T>(name: string, run: () => Promise<T>): Promise<T | { failed: string }> => {
          try {
            return await run();
          } catch (err) {
            log.error({ err, job: name }, 'scheduled job failed');
            return { failed: (err as Error).message };
          }
        };
        const reaped = await job('janitor', () =>
          composed.reapAbandoned(settings.GATEWAY_ABANDONED_AFTER_MS),
        );
        const pushed = await job('pushes', () => composed.runDuePushes());
        const webhooks = await job('webhooks', () => composed.runWebhooks());
        const runs = await job('monthly-run', () => composed.runDueRuns());
        // Re-validation within a budget: a run not finished by then goes on at a later trigger.
        const revalidations = await job('revalidation', () =>
          composed.runRevalidations({ budgetMs: 20_000, leaseMs: 60_000 }),
        );
        const checkpoint = await job('audit-checkpoint', () => composed.checkpointAudit());
        const purged = await job('purge', () => composed.runPurge());
        const overdue = await job('overdue', () => composed.raiseOverdue());
        log.info(
          {
            reaped: 'reaped' in reaped ? reaped.reaped.length : reaped,
            pushed,
            webhooks,
            runs: 'made' in runs ? runs.made.map((r) => r.id) : runs,
            revalidations,
            checkpoint:
              'made' in checkpoint ? (checkpoint.made ? checkpoint.checkpoint?.seq : null) : checkpoint,
            purged:
              'originals' in purged
                ? { originals: purged.originals.length, extracts: purged.extracts.length }
                : purged,
            overdue: 'overdue' in overdue ? overdue.overdue.length : overdue,
          },
          'scheduled jobs ran',
        );
      }),
    );
  },
};
