import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { serve } from '@hono/node-server';
import cron from 'node-cron';
import { CatalogueError } from '../core/catalogue';
import { createApp } from '../http/app';
import { answerClientError } from './client-error';
import { ConfigError, readConfig } from './config';
import { restrictUmask } from './data-dir';
import { buildNodeServices, createLogger, PROJECT_ROOT } from './node-services';

const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** Without GATEWAY_ADMIN_TOKEN, the embedded deployment makes one admin token, shows it once and keeps it 0600. */
function ensureAdminToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const path = join(dataDir, 'admin.token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = `gw_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  process.stderr.write(`\nAdmin token (shown once, kept in ${path}):\n  ${token}\n\n`);
  return token;
}

async function main() {
  // The embedded database is PostgreSQL compiled to WebAssembly: V8 keeps it in baseline code
  // only, set before the module is compiled. Its optimised second copy held about 60 MiB more at
  // rest, for queries about 9 % faster (bench/README.md, "Idle memory").
  setFlagsFromString('--liftoff-only');
  // Whatever the process creates (the embedded database, objects, keys) is its user's alone.
  restrictUmask();
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.LOG_LEVEL);
  let built: Awaited<ReturnType<typeof buildNodeServices>>;
  try {
    built = await buildNodeServices(config, log, version);
  } catch (e) {
    if (e instanceof CatalogueError || e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const adminToken = ensureAdminToken(resolve(config.GATEWAY_DATA_DIR), config.GATEWAY_ADMIN_TOKEN);
  built.services.adminTokenHash = built.services.hashToken(adminToken);
  const app = createApp(built.services);

  // The embedded database belongs to this process alone: whatever is still receiving was cut off by a stop.
  if (!config.DATABASE_URL) await built.jobs.reapAbandoned(0);
  const janitor = cron.schedule('*/15 * * * *', () => {
    const job = (outcome: string) =>
      built.services.metrics?.count('gateway_job_runs_total', 'Scheduled job runs on this node by outcome', {
        job: 'janitor',
        outcome,
      });
    built.jobs.reapAbandoned(config.GATEWAY_ABANDONED_AFTER_MS).then(
      () => job('ok'),
      (err) => {
        job('failed');
        log.error({ err }, 'janitor run failed');
      },
    );
  });

  // The monthly run, once a period's deadline has passed: every node tries hourly, one run is made.
  const monthlyRun = cron.schedule('7 * * * *', () => {
    const job = (outcome: string) =>
      built.services.metrics?.count('gateway_job_runs_total', 'Scheduled job runs on this node by outcome', {
        job: 'monthly-run',
        outcome,
      });
    built.jobs.runDueRuns().then(
      () => job('ok'),
      (err) => {
        job('failed');
        log.error({ err }, 'monthly run failed');
      },
    );
  });

  const pushTimer = setInterval(
    () => built.services.pushes?.kick(),
    config.GATEWAY_PUSH_INTERVAL_SECONDS * 1000,
  );
  pushTimer.unref();
  built.services.pushes?.kick();
  // Re-validation runs: one queued at start (a dataset's version changed) or by an admin, or
  // left by a node whose lease expired. The admin route kicks the worker at once too.
  const revalidationTimer = setInterval(() => built.services.revalidations?.kick(), 60_000);
  revalidationTimer.unref();
  built.services.revalidations?.kick();
  // Retention: the bytes the rules no longer keep are deleted daily (every node tries; each
  // item is marked once).
  const purge = cron.schedule('17 3 * * *', () => {
    built.jobs.runPurge().then(
      (r) => log.info({ originals: r.originals.length, extracts: r.extracts.length }, 'retention purge ran'),
      (err) => log.error({ err }, 'retention purge failed'),
    );
  });
  // The audit chain's signed checkpoints: looked at every minute, made when one is due
  // (1,000 events or 10 minutes after the last); every node looks, one row is kept per head.
  const checkpointTimer = setInterval(() => {
    built.jobs.checkpointAudit().catch((err) => log.error({ err }, 'audit checkpoint failed'));
  }, 60_000);
  checkpointTimer.unref();
  // Acknowledgements past due: looked at every minute, each raised once across nodes.
  const overdueTimer = setInterval(() => {
    built.jobs.raiseOverdue().then(
      (r) => r.overdue.length && log.info({ overdue: r.overdue.length }, 'acknowledgements overdue'),
      (err) => log.error({ err }, 'overdue check failed'),
    );
  }, 60_000);
  overdueTimer.unref();

  const tls = config.TLS_CERT
    ? {
        createServer: createHttpsServer,
        serverOptions: {
          cert: readFileSync(config.TLS_CERT),
          key: readFileSync(config.TLS_KEY as string),
          ...(config.TLS_CLIENT_CA
            ? // Asked for, not required: a client may also sign in with a token. Only a
              // certificate that chains to the CA counts (the socket says "authorized").
              { ca: readFileSync(config.TLS_CLIENT_CA), requestCert: true, rejectUnauthorized: false }
            : {}),
        },
      }
    : {};
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST, ...tls }, (info) => {
    const scheme = config.TLS_CERT ? 'https' : 'http';
    const base = `${scheme}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${info.port}`;
    log.info(
      { url: base, dashboard: `${base}/`, apiReference: `${base}/docs`, port: info.port },
      `gateway ready at ${base} (API reference ${base}/docs)`,
    );
  });

  // A large delivery on a slow line may take hours; a client that dawdles over its headers may not.
  if (server instanceof HttpServer || server instanceof HttpsServer) {
    server.requestTimeout = config.GATEWAY_REQUEST_TIMEOUT_MS;
    server.headersTimeout = config.GATEWAY_HEADERS_TIMEOUT_MS;
    server.on('clientError', answerClientError);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new requests; finishing those in flight');
    const timer = setTimeout(() => {
      log.warn(
        { graceMs: config.GATEWAY_SHUTDOWN_GRACE_MS },
        'grace period over; stopping with requests in flight',
      );
      process.exit(1);
    }, config.GATEWAY_SHUTDOWN_GRACE_MS);
    timer.unref();
    janitor.stop();
    monthlyRun.stop();
    purge.stop();
    clearInterval(pushTimer);
    clearInterval(revalidationTimer);
    clearInterval(checkpointTimer);
    clearInterval(overdueTimer);
    server.close(async () => {
      await built.close().catch((err) => log.error({ err }, 'closing the stores failed'));
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(
    `gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
