import { createHash, createHmac, randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import type { ClientCertificate } from '../auth/principal';
import { contextDocumentText } from '../core/archival-context';
import { buildCatalogue, type Catalogue } from '../core/catalogue';
import { maskCprShaped } from '../core/cpr-shaped';
import type { CompiledProfile } from '../core/mapper';
import { Metrics } from '../http/metrics';
import type { Services } from '../http/services';
import { createPushRunner } from '../jobs/push-runner';
import { contextTiff, provideStandardSchemas, seedContextDocument } from '../pipeline/archival-package';
import type { FanOutFactory } from '../pipeline/fan-out';
import { KeyWrapError, receiptKeyWrap } from '../receipts/key-wrap';
import { configuredKeyRecord, createReceiptSigner } from '../receipts/signer';
import { createFsObjectStore } from '../stores/fs-object-store';
import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';
import { createS3ObjectStore, type S3ObjectStoreOptions } from '../stores/s3-object-store';
import type { SqlClient } from '../stores/sql/client';
import { createPgClient } from '../stores/sql/pg-client';
import { createPgliteClient } from '../stores/sql/pglite-client';
import { createSqlMetadataStore } from '../stores/sql/sql-metadata-store';
import { readJsonFiles } from './catalogue-files';
import { type Config, ConfigError, s3Options } from './config';
import { secureDataDir } from './data-dir';
import { lockDataDir, prepareEmbeddedDatabase } from './embedded-db';
import { projectRoot } from './project-root';
import { createPseudonymKeySource } from './pseudonym-keys';
import { createS3Pusher } from './s3-push';
import { checkPushSecrets, secretSource } from './secrets';
import { readStandardSchemas } from './standard-schemas';
import { fanOutWorkerUrl, threadFanOut } from './thread-fan-out';
import { tokenHasher } from './token-key';

/** The folder with the gateway's package.json. */
export const PROJECT_ROOT = projectRoot();

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

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
  const lintKey = randomBytes(32);
  const keys = opts.offline
    ? {
        pseudonymiser: (ref: string) => ({
          keyId: `${ref}-lint`,
          pseudonymise: (v: string) => createHmac('sha256', lintKey).update(v).digest('hex'),
        }),
      }
    : createPseudonymKeySource({ json: config.PSEUDONYM_KEYS, file: config.PSEUDONYM_KEYS_FILE, dataDir });
  return buildCatalogue(
    readJsonFiles(schemasDir, dirname(schemasDir)),
    readJsonFiles(deliveriesDir, dirname(deliveriesDir)),
    {
      sha256Hex,
      pseudonymiser: (ref) => keys.pseudonymiser(ref),
    },
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
  /** The metadata database itself: for operations tooling and tests, never for request handling. */
  sql: SqlClient;
  close(): Promise<void>;
}

/** Builds the stores and services a Node process serves from: embedded by default, PostgreSQL with DATABASE_URL. */
export async function buildNodeServices(config: Config, log: Logger, version: string): Promise<NodeServices> {
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
  const metadata: MetadataStore = createSqlMetadataStore(sql);
  await metadata.migrate();
  const s3 = s3Options(config);
  const objects = s3 ? await createS3ObjectStore(s3) : createFsObjectStore(join(dataDir, 'objects'));
  let tokens: ReturnType<typeof tokenHasher>;
  let signer: Services['signer'];
  try {
    tokens = tokenHasher({
      key: config.GATEWAY_TOKEN_KEY,
      file: config.GATEWAY_TOKEN_KEY_FILE,
      dataDir: config.DATABASE_URL ? null : dataDir,
    });
    // The generated receipt key is stored wrapped under a key derived from the token key.
    signer = await createReceiptSigner(
      metadata,
      'delivery-gateway',
      await receiptKeyWrap(tokens.key),
      config.GATEWAY_RECEIPT_KEY_FILE
        ? configuredKeyRecord(
            JSON.parse(readFileSync(config.GATEWAY_RECEIPT_KEY_FILE, 'utf8')) as Record<string, unknown>,
          )
        : undefined,
    );
  } catch (e) {
    await metadata.close();
    unlock();
    throw e instanceof KeyWrapError ? new ConfigError(`GATEWAY_TOKEN_KEY: ${e.message}`) : e;
  }
  const at = new Date().toISOString();
  for (const list of catalogue.profiles.values()) {
    for (const p of list) {
      const { reusedVersion } = await metadata.recordProfileVersion(
        { id: p.profile.id, version: p.profile.version, sha256: p.sha256, content: p.profile },
        at,
      );
      if (reusedVersion)
        log.warn(
          { profile: p.profile.id, version: p.profile.version, sha256: p.sha256 },
          'this profile changed without a new version number; extracts tell the two apart by sha256 only',
        );
    }
  }
  const secrets = secretSource(config.secrets, config.GATEWAY_SECRETS_DIR);
  try {
    checkPushSecrets(catalogue, secrets);
  } catch (e) {
    await metadata.close();
    unlock();
    throw e;
  }
  const metrics = new Metrics();
  const pushes = createPushRunner({
    metrics,
    metadata,
    objects,
    secrets,
    s3: createS3Pusher({
      requestChecksumCalculation: config.S3_REQUEST_CHECKSUM_CALCULATION,
      responseChecksumValidation: config.S3_RESPONSE_CHECKSUM_VALIDATION,
    }),
    log,
  });
  // Archival versions' context documentation is rendered at start, while the process is idle:
  // in a passing thread when the built worker script is there (its memory goes with it).
  provideStandardSchemas(readStandardSchemas);
  await prepareContextDocuments([...catalogue.profiles.values()].flat().filter((p) => p.archival));
  const services: Services = {
    catalogue,
    pushes,
    metrics,
    metadata,
    objects,
    signer,
    log,
    hashToken: tokens.hash,
    legacyHashToken: sha256Hex,
    adminTokenHash: config.GATEWAY_ADMIN_TOKEN ? tokens.hash(config.GATEWAY_ADMIN_TOKEN) : null,
    limits: {
      maxDeliveryBytes: config.GATEWAY_MAX_DELIVERY_BYTES,
      maxStoredIssues: 10_000,
      requestsPerMinute: config.GATEWAY_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: config.GATEWAY_AUTH_FAILURES_PER_MINUTE,
    },
    ...(config.GATEWAY_CORS_ORIGINS ? { corsOrigins: config.GATEWAY_CORS_ORIGINS } : {}),
    clientAddress: nodeClientAddress(config.GATEWAY_TRUSTED_PROXIES ?? []),
    clientCertificate: nodeClientCertificate(config.GATEWAY_TRUSTED_PROXIES ?? []),
    clientProtocol: nodeClientProtocol(config.GATEWAY_TRUSTED_PROXIES ?? []),
    fanOut: fanOutFactory(config, dataDir, catalogue, objects),
    version,
  };
  return {
    services,
    sql,
    async close() {
      await pushes.stop();
      await metadata.close();
      unlock();
    },
  };
}

/**
 * The client's address on Node: the socket's peer, or, when that peer is a trusted proxy,
 * the last address the proxy added to X-Forwarded-For.
 */
const incomingOf = (env: unknown) =>
  (env as { incoming?: import('node:http').IncomingMessage } | undefined)?.incoming;
const peerOf = (incoming: import('node:http').IncomingMessage | undefined) =>
  incoming?.socket?.remoteAddress?.replace(/^::ffff:/, '');

export function nodeClientAddress(trusted: readonly string[]) {
  return (env: unknown): string | undefined => {
    const incoming = incomingOf(env);
    const peer = peerOf(incoming);
    if (!peer || !trusted.includes(peer)) return peer;
    const forwarded = String(incoming?.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return forwarded[forwarded.length - 1] ?? peer;
  };
}

/**
 * The protocol of the client's connection on Node: https when this server terminates TLS; from
 * a trusted proxy, what its X-Forwarded-Proto says (the first hop's, the client's own).
 */
export function nodeClientProtocol(trusted: readonly string[]) {
  return (env: unknown): 'http' | 'https' | undefined => {
    const incoming = incomingOf(env);
    if (!incoming) return undefined;
    if ((incoming.socket as { encrypted?: boolean } | undefined)?.encrypted) return 'https';
    const peer = peerOf(incoming);
    const forwarded = incoming.headers['x-forwarded-proto'];
    if (peer && trusted.includes(peer) && typeof forwarded === 'string') {
      const first = forwarded.split(',')[0]?.trim().toLowerCase();
      if (first === 'https' || first === 'http') return first;
    }
    return 'http';
  };
}

/**
 * The verified client certificate on Node: the TLS peer's when this server terminates TLS and
 * the certificate chains to TLS_CLIENT_CA; or, from a trusted proxy that terminated TLS, the
 * certificate it forwards URL-encoded in X-Client-Cert, only with X-Client-Verify: SUCCESS
 * (as nginx's $ssl_client_verify says) and only while the certificate is valid.
 */
export function nodeClientCertificate(trusted: readonly string[]) {
  return (env: unknown): ClientCertificate | null => {
    const incoming = incomingOf(env);
    const socket = incoming?.socket as (import('node:tls').TLSSocket & { authorized?: boolean }) | undefined;
    if (socket?.authorized && typeof socket.getPeerX509Certificate === 'function') {
      const cert = socket.getPeerX509Certificate();
      if (cert) return { fingerprint256: cert.fingerprint256, subject: cert.subject };
    }
    const peer = peerOf(incoming);
    const forwarded = incoming?.headers['x-client-cert'];
    if (!peer || !trusted.includes(peer) || typeof forwarded !== 'string' || !forwarded) return null;
    // The proxy must say it verified the certificate; and the certificate must be valid now.
    if (incoming?.headers['x-client-verify'] !== 'SUCCESS') return null;
    try {
      const cert = new X509Certificate(decodeURIComponent(forwarded));
      const now = Date.now();
      if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return null;
      return { fingerprint256: cert.fingerprint256, subject: cert.subject };
    } catch {
      return null;
    }
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
