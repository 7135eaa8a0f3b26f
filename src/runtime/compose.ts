/**
 * The composition root: what every runtime does the same way to turn its configuration into
 * the services the app serves from. A runtime adapter (node-services.ts for Node, worker.ts
 * for Workers) opens the stores, reads keys and files its own way, and hands them here.
 */
import { createHash } from 'node:crypto';
import { auditKeyFrom } from '../audit/checkpoint';
import { secretSeal } from '../auth/secret-seal';
import { canonicalJson } from '../core/canonical-json';
import { buildCatalogue, type Catalogue, type SourceFile } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import type { Pseudonymiser } from '../core/projection';
import type { RunRecord } from '../core/run-report';
import { transportSecrets } from '../core/transport';
import { Metrics } from '../http/metrics';
import type { Log, Services } from '../http/services';
import { checkpointAudit } from '../jobs/audit-checkpoints';
import { reapAbandonedDeliveries } from '../jobs/janitor';
import { runDueRuns } from '../jobs/monthly-run';
import { raiseOverdue } from '../jobs/overdue';
import { runPurge } from '../jobs/purge';
import { createPushRunner } from '../jobs/push-runner';
import { createRevalidationRunner } from '../jobs/revalidation-runner';
import type { FanOutFactory } from '../pipeline/fan-out';
import { type PushDeps, runDuePushes, type SecretSource } from '../pipeline/push';
import {
  type RevalidationDeps,
  type RevalidationOptions,
  runPendingRevalidations,
} from '../pipeline/revalidate';
import { monthsDue, runStatusSource } from '../pipeline/run-source';
import { DEFAULT_WEBHOOK_SETTINGS, runWebhooks, type WebhookDeps } from '../pipeline/webhooks';
import { KeyWrapError, receiptKeyWrap } from '../receipts/key-wrap';
import { configuredKeyRecord, createReceiptSigner } from '../receipts/signer';
import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';
import { ConfigError, type SharedSettingsValues } from './config';
import { tokenHasherOver } from './keys';
import { createS3Pusher } from './s3-push';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The catalogue from the schema and profile files, with pseudonymisers by key reference. */
export function catalogueFrom(
  files: { schemas: SourceFile[]; deliveries: SourceFile[] },
  pseudonymiser: (ref: string) => Pseudonymiser,
): Catalogue {
  return buildCatalogue(files.schemas, files.deliveries, { sha256Hex, pseudonymiser });
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

/** Who the client is, as only the runtime can tell: its address, verified certificate and protocol. */
export type ClientAdapter = Pick<Services, 'clientAddress' | 'clientCertificate' | 'clientProtocol'>;

/** What a runtime adapter hands the composition root. */
export interface RuntimeParts {
  version: string;
  log: Log;
  now: Clock;
  settings: SharedSettingsValues;
  catalogue: Catalogue;
  /** Opened, not yet migrated. */
  metadata: MetadataStore;
  objects: ObjectStore;
  /** The token hashing key's bytes, however the runtime got them. */
  tokenKey: Uint8Array;
  /** A configured receipt signing key (private Ed25519 JWK); the stored one when absent. */
  receiptKey?: Record<string, unknown>;
  secrets: SecretSource;
  client: ClientAdapter;
  /** Where a delivery's extracts are made; in the request when absent. */
  fanOut?: FanOutFactory;
  /** A push worker kicked when a delivery is accepted (Node); without it pushes wait for the scheduled run. */
  pushWorker: boolean;
  /** The addresses a host name resolves to, for the webhooks' guard against private ranges (Node). */
  resolveHost?: (host: string) => Promise<string[]>;
}

export interface Composed {
  services: Services;
  /** Ends deliveries receiving for longer than this as abandoned. */
  reapAbandoned(olderThanMs: number): Promise<{ reaped: string[] }>;
  /** Pushes whatever is due now, once. */
  runDuePushes(): ReturnType<typeof runDuePushes>;
  /** Turns new events into webhook messages and sends those due, once. */
  runWebhooks(): ReturnType<typeof runWebhooks>;
  /** Makes the monthly run of every period whose deadline has passed and that has none yet. */
  runDueRuns(): Promise<{ made: RunRecord[] }>;
  /** Works the re-validation runs waiting, within the options' time budget. */
  runRevalidations(options?: RevalidationOptions): ReturnType<typeof runPendingRevalidations>;
  /** Signs a checkpoint of the audit chain when one is due. */
  checkpointAudit(): ReturnType<typeof checkpointAudit>;
  /** Deletes the bytes the retention rules no longer keep (jobs/purge.ts). */
  runPurge(): ReturnType<typeof runPurge>;
  /** Raises `extract.overdue` for the acknowledgements past due (jobs/overdue.ts). */
  raiseOverdue(): ReturnType<typeof raiseOverdue>;
  /** Stops the push worker; the stores are the adapter's to close. */
  stop(): Promise<void>;
}

/**
 * Builds the services once: migrations, the token hasher (its key checked), the receipt key
 * wrap and signer, the profile versions recorded, the push secrets checked, the push pieces,
 * and the limits from configuration.
 */
export async function composeServices(parts: RuntimeParts): Promise<Composed> {
  const { metadata, objects, log, now, settings, catalogue, secrets } = parts;
  await metadata.migrate();
  const tokens = tokenHasherOver(parts.tokenKey);
  let signer: Services['signer'];
  try {
    // The generated receipt key is stored wrapped under a key derived from the token key.
    signer = await createReceiptSigner({
      store: metadata,
      issuer: 'delivery-gateway',
      wrap: await receiptKeyWrap(tokens.key),
      configured: parts.receiptKey ? configuredKeyRecord(parts.receiptKey, now) : undefined,
      now,
    });
  } catch (e) {
    throw e instanceof KeyWrapError ? new ConfigError(`GATEWAY_TOKEN_KEY: ${e.message}`) : e;
  }
  const auditKey = await auditKeyFrom(tokens.key);
  await recordProfileVersions(catalogue, metadata, log, now);
  await recordDatasetVersions(catalogue, metadata, log, now);
  checkPushSecrets(catalogue, secrets);
  const metrics = new Metrics();
  const pushDeps: PushDeps = {
    metadata,
    objects,
    secrets,
    s3: createS3Pusher({
      requestChecksumCalculation: settings.S3_REQUEST_CHECKSUM_CALCULATION,
      responseChecksumValidation: settings.S3_RESPONSE_CHECKSUM_VALIDATION,
    }),
    log,
    now,
  };
  const webhookDeps: WebhookDeps = {
    metadata,
    seal: await secretSeal(tokens.key),
    settings: {
      ...DEFAULT_WEBHOOK_SETTINGS,
      maxAttempts: settings.GATEWAY_WEBHOOK_MAX_ATTEMPTS,
      initialDelaySeconds: settings.GATEWAY_WEBHOOK_RETRY_SECONDS,
      allowHosts: settings.GATEWAY_WEBHOOK_ALLOW_HOSTS ?? [],
    },
    now,
    log,
    ...(parts.resolveHost ? { resolveHost: parts.resolveHost } : {}),
  };
  const pushes = parts.pushWorker
    ? createPushRunner({ ...pushDeps, log, metrics }, {}, async () => {
        const w = await runWebhooks(webhookDeps);
        return w.routed + w.delivered + w.retried + w.failed;
      })
    : undefined;
  const revalidationDeps: RevalidationDeps = { metadata, objects, catalogue, now, log };
  // The same node that pushes works re-validation runs in the background (Node); Workers use the cron.
  const revalidations = parts.pushWorker ? createRevalidationRunner(revalidationDeps) : undefined;
  const services: Services = {
    catalogue,
    ...(pushes ? { pushes } : {}),
    ...(revalidations ? { revalidations } : {}),
    metrics,
    metadata,
    objects,
    signer,
    log,
    hashToken: tokens.hash,
    legacyHashToken: sha256Hex,
    adminTokenHash: settings.GATEWAY_ADMIN_TOKEN ? tokens.hash(settings.GATEWAY_ADMIN_TOKEN) : null,
    limits: {
      maxDeliveryBytes: settings.GATEWAY_MAX_DELIVERY_BYTES,
      maxStoredIssues: 10_000,
      requestsPerMinute: settings.GATEWAY_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: settings.GATEWAY_AUTH_FAILURES_PER_MINUTE,
      reportsAtOnce: settings.GATEWAY_REPORTS_AT_ONCE,
    },
    ...(settings.GATEWAY_CORS_ORIGINS ? { corsOrigins: settings.GATEWAY_CORS_ORIGINS } : {}),
    ...parts.client,
    ...(parts.fanOut ? { fanOut: parts.fanOut } : {}),
    version: parts.version,
    now,
    slotStatuses: runStatusSource({ catalogue, metadata, now }),
    auditKey,
    webhooks: { seal: webhookDeps.seal, settings: webhookDeps.settings },
  };
  return {
    services,
    reapAbandoned: (olderThanMs) => reapAbandonedDeliveries({ metadata, objects, log }, now(), olderThanMs),
    runDuePushes: () => runDuePushes(pushDeps),
    runWebhooks: () => runWebhooks(webhookDeps),
    runDueRuns: () =>
      runDueRuns(
        { metadata, now, log, slotStatuses: (period) => services.slotStatuses(period) },
        monthsDue(catalogue),
      ),
    runRevalidations: (options) => runPendingRevalidations(revalidationDeps, options),
    checkpointAudit: () => checkpointAudit({ metadata, objects, auditKey, now }),
    runPurge: () => runPurge({ catalogue, metadata, objects, now }),
    raiseOverdue: () => raiseOverdue({ metadata, now }),
    stop: async () => {
      await pushes?.stop();
      await revalidations?.stop();
    },
  };
}

/**
 * Records each profile's version and content hash, so extracts can name what made them; warns
 * when a profile changed without a new version number.
 */
async function recordProfileVersions(catalogue: Catalogue, metadata: MetadataStore, log: Log, now: Clock) {
  const at = now().toISOString();
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
}

/**
 * Records each dataset's version; when it differs from the version recorded at the last start,
 * the store queues a re-validation run of the dataset's current deliveries against it.
 */
async function recordDatasetVersions(catalogue: Catalogue, metadata: MetadataStore, log: Log, now: Clock) {
  const at = now().toISOString();
  for (const { dataset } of catalogue.datasets.values()) {
    const { previousVersion, run } = await metadata.recordDatasetVersion(
      { id: dataset.id, version: dataset.version, sha256: sha256Hex(canonicalJson(dataset)) },
      at,
      { id: newId('rvl'), requestedBy: 'gateway' },
    );
    if (run)
      log.info(
        { dataset: dataset.id, version: dataset.version, previousVersion, run: run.id },
        "the dataset's version changed: its current deliveries of past periods will be re-validated",
      );
  }
}
