import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import { contextDocumentText } from '../core/archival-context';
import type { Catalogue } from '../core/catalogue';
import { type Clock, systemClock } from '../core/clock';
import { maskCprShaped } from '../core/cpr-shaped';
import type { CompiledProfile } from '../core/mapper';
import type { Services } from '../http/services';
import { contextTiff, provideStandardSchemas, seedContextDocument } from '../pipeline/archival-package';
import type { FanOutFactory } from '../pipeline/fan-out';
import { oneOffPseudonymisers } from '../pipeline/pseudonymiser';
import { createFsObjectStore } from '../stores/fs-object-store';
import type { ObjectStore } from '../stores/object-store';
import { createS3ObjectStore, type S3ObjectStoreOptions } from '../stores/s3-object-store';
import type { SqlClient } from '../stores/sql/client';
import { createPgClient } from '../stores/sql/pg-client';
import { createPgliteClient } from '../stores/sql/pglite-client';
import { createSqlMetadataStore } from '../stores/sql/sql-metadata-store';
import { readJsonFiles } from './catalogue-files';
import { type Composed, catalogueFrom, composeServices } from './compose';
import { type Config, s3Options } from './config';
import { secureDataDir } from './data-dir';
import { lockDataDir, prepareEmbeddedDatabase } from './embedded-db';
import { nodeClient } from './node-client';
import { projectRoot } from './project-root';
import { createPseudonymKeySource } from './pseudonym-keys';
import { secretSource } from './secrets';
import { readStandardSchemas } from './standard-schemas';
import { fanOutWorkerUrl, threadFanOut } from './thread-fan-out';
import { readTokenKey } from './token-key';

/** The folder with the gateway's package.json. */
export const PROJECT_ROOT = projectRoot();

/** Paths whose values are personal data or secrets: pino writes [redacted] instead. */
export const REDACT_PATHS = [
  'cpr',
  '*.cpr',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'headers.authorization',
];

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskCprShaped(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  // An error's own fields are not enumerable: its type, message and stack are written out.
  if (value instanceof Error)
    return scrub(
      {
        ...Object.fromEntries(Object.entries(value)),
        type: value.name,
        message: value.message,
        stack: value.stack,
      },
      depth,
    );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

/**
 * pino with personal data kept out: named fields are redacted, and any text shaped like a
 * CPR number — in the message, a value or an error — is replaced before a line is written.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gateway' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskCprShaped(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

export function loadCatalogue(
  config: Pick<
    Config,
    'GATEWAY_SCHEMAS_DIR' | 'GATEWAY_DELIVERIES_DIR' | 'PSEUDONYM_KEYS' | 'PSEUDONYM_KEYS_FILE'
  >,
  dataDir?: string,
  opts: { offline?: boolean } = {},
): Catalogue {
  const schemasDir = resolve(config.GATEWAY_SCHEMAS_DIR ?? join(PROJECT_ROOT, 'schemas'));
  const deliveriesDir = resolve(config.GATEWAY_DELIVERIES_DIR ?? join(PROJECT_ROOT, 'deliveries'));
  // Offline checks compile every profile without touching real keys.
  const pseudonymiser = opts.offline
    ? oneOffPseudonymisers('lint')
    : createPseudonymKeySource({ json: config.PSEUDONYM_KEYS, file: config.PSEUDONYM_KEYS_FILE, dataDir })
        .pseudonymiser;
  return catalogueFrom(
    {
      schemas: readJsonFiles(schemasDir, dirname(schemasDir)),
      deliveries: readJsonFiles(deliveriesDir, dirname(deliveriesDir)),
    },
    pseudonymiser,
  );
}

/** Extracts of large deliveries are made in a worker thread when the worker script is built. */
function fanOutFactory(
  config: Config,
  dataDir: string,
  catalogue: Catalogue,
  objects: ObjectStore,
): FanOutFactory | undefined {
  const workerUrl = fanOutWorkerUrl();
  if (!workerUrl || config.GATEWAY_THREAD_FANOUT_MIN_BYTES === 0) return undefined;
  return threadFanOut({
    workerUrl,
    objects,
    objectsAt: s3Options(config)
      ? { s3: s3Options(config) as S3ObjectStoreOptions }
      : { fs: join(dataDir, 'objects') },
    keys: { json: config.PSEUDONYM_KEYS, file: config.PSEUDONYM_KEYS_FILE, dataDir },
    datasets: catalogue.datasets,
    minBytes: config.GATEWAY_THREAD_FANOUT_MIN_BYTES,
    workers: config.GATEWAY_FANOUT_WORKERS,
  });
}

export interface NodeServices {
  services: Services;
  /** The scheduled jobs over these services (the janitor; pushes due; the monthly runs). */
  jobs: Pick<
    Composed,
    'reapAbandoned' | 'runDuePushes' | 'runDueRuns' | 'checkpointAudit' | 'runPurge' | 'raiseOverdue'
  >;
  /** The metadata database itself: for operations tooling and tests, never for request handling. */
  sql: SqlClient;
  close(): Promise<void>;
}

/**
 * The Node adapter: the stores (embedded by default, PostgreSQL with DATABASE_URL; files or
 * S3), the catalogue and keys from files, the client from the socket or a trusted proxy, and
 * extracts in worker threads; the composition root builds the services from them.
 */
export async function buildNodeServices(
  config: Config,
  log: Logger,
  version: string,
  opts: { /** The clock; the machine's unless a loader or test sets the time. */ now?: Clock } = {},
): Promise<NodeServices> {
  const now = opts.now ?? systemClock;
  const dataDir = resolve(config.GATEWAY_DATA_DIR);
  // 0700 folders and 0600 files, whatever an older version or a copy left behind.
  const modes = secureDataDir(dataDir);
  if (modes.changed) log.info({ dataDir, changed: modes.changed }, 'data dir: modes tightened to 0700/0600');
  if (modes.failed.length)
    log.warn(
      { dataDir, failed: modes.failed.slice(0, 20), count: modes.failed.length },
      'data dir: could not tighten the modes of these entries (owned by another user?)',
    );
  const catalogue = loadCatalogue(config, dataDir);
  let unlock = () => {};
  let sql: SqlClient;
  if (config.DATABASE_URL) sql = createPgClient(config.DATABASE_URL);
  else {
    unlock = lockDataDir(dataDir);
    try {
      await prepareEmbeddedDatabase(join(dataDir, 'metadata'));
      sql = await createPgliteClient(join(dataDir, 'metadata'));
    } catch (e) {
      unlock();
      throw e;
    }
  }
  const metadata = createSqlMetadataStore(sql, now);
  let composed: Composed;
  try {
    const s3 = s3Options(config);
    const objects = s3 ? await createS3ObjectStore(s3) : createFsObjectStore(join(dataDir, 'objects'));
    composed = await composeServices({
      version,
      log,
      now,
      settings: config,
      catalogue,
      metadata,
      objects,
      tokenKey: readTokenKey({
        key: config.GATEWAY_TOKEN_KEY,
        file: config.GATEWAY_TOKEN_KEY_FILE,
        dataDir: config.DATABASE_URL ? null : dataDir,
      }),
      ...(config.GATEWAY_RECEIPT_KEY_FILE
        ? {
            receiptKey: JSON.parse(readFileSync(config.GATEWAY_RECEIPT_KEY_FILE, 'utf8')) as Record<
              string,
              unknown
            >,
          }
        : {}),
      secrets: secretSource(config.secrets, config.GATEWAY_SECRETS_DIR),
      client: nodeClient(config.GATEWAY_TRUSTED_PROXIES ?? [], now),
      fanOut: fanOutFactory(config, dataDir, catalogue, objects),
      pushWorker: true,
      resolveHost: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    });
  } catch (e) {
    await metadata.close();
    unlock();
    throw e;
  }
  // Archival versions' context documentation is rendered at start, while the process is idle:
  // in a passing thread when the built worker script is there (its memory goes with it).
  provideStandardSchemas(readStandardSchemas);
  await prepareContextDocuments([...catalogue.profiles.values()].flat().filter((p) => p.archival));
  return {
    services: composed.services,
    jobs: composed,
    sql,
    async close() {
      await composed.stop();
      await metadata.close();
      unlock();
    },
  };
}

async function prepareContextDocuments(profiles: CompiledProfile[]): Promise<void> {
  if (profiles.length === 0) return;
  const url = fanOutWorkerUrl();
  if (!url) {
    for (const p of profiles) await contextTiff(p);
    return;
  }
  const docs = profiles.map((p) => contextDocumentText(p.archival!, p.profile, p.sha256, p.dataset));
  const worker = new Worker(url, { workerData: { render: docs } });
  try {
    const [tiffs] = (await once(worker, 'message')) as [Uint8Array[]];
    profiles.forEach((p, i) => {
      seedContextDocument(p, tiffs[i] as Uint8Array);
    });
  } finally {
    await worker.terminate();
  }
}
