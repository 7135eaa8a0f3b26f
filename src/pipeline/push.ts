import type { Clock } from '../core/clock';
import { type LawfulUse, lawfulUseValue, personalDataOf } from '../core/lawful-use';
import { type PushTransport, type Retry, TransportSchema } from '../core/transport';
import { toReadableStream } from '../stores/byte-stream';
import type {
  ExtractRecord,
  MetadataStore,
  PushRecord,
  PushResult,
  PushTarget,
} from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';

export const PUSH_ACTOR = 'gateway (push)';

/** A secret by the name a profile gives it, from the gateway's configuration; undefined when not configured. */
export type SecretSource = (name: string) => string | undefined;

/** Sends one extract to an S3 bucket; given by the runtime, so the AWS SDK loads only where it is used. */
export type S3Pusher = (
  target: Extract<PushTransport, { type: 's3' }>,
  object: {
    key: string;
    body: AsyncIterable<Uint8Array>;
    /** The longest the upload may take. */
    timeoutMs: number;
    bytes: number;
    contentType: string;
    metadata: Record<string, string>;
  },
  secrets: SecretSource,
) => Promise<{ location: string }>;

export interface PushDeps {
  metadata: MetadataStore;
  objects: ObjectStore;
  secrets: SecretSource;
  fetch?: typeof fetch;
  s3?: S3Pusher;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  now: Clock;
  /** In [0, 1): spreads retries so that many failed pushes do not all come back at once. */
  random?: () => number;
}

export interface PushRunOptions {
  /** Pushes claimed per run. */
  limit?: number;
  /** How long a claim holds before another node may take the push over. */
  leaseMs?: number;
  /** The longest one HTTPS request may take. */
  requestTimeoutMs?: number;
}

/** A failure that will not go away by trying again (a refused credential, a missing bucket). */
export class PermanentPushError extends Error {}

/**
 * The wait before attempt `attempts + 1`, after `attempts` failed ones: the initial delay,
 * doubled after each further failure, at most the maximum, less up to a fifth at random.
 */
export function backoffDelayMs(attempts: number, retry: Retry, random: number): number {
  const base = Math.min(
    retry.maxDelaySeconds,
    retry.initialDelaySeconds * 2 ** Math.max(0, Math.min(attempts - 1, 30)),
  );
  return Math.round(base * 1000 * (1 - 0.2 * random));
}

/** Placeholders an endpoint URL may hold, each filled URL-encoded. */
function endpointUrl(template: string, e: ExtractRecord): string {
  const values: Record<string, string> = {
    fileName: e.fileName,
    extractId: e.id,
    deliveryId: e.deliveryId,
    dataset: e.dataset,
    municipality: e.municipality,
    period: e.period,
    recipient: e.recipient,
  };
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new PermanentPushError(`the endpoint names an unknown placeholder ${whole}`);
    return encodeURIComponent(v);
  });
}

function hexToBase64(hex: string): string {
  let bin = '';
  for (let i = 0; i < hex.length; i += 2)
    bin += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}

/** The extract's lawful use as it travels with a push (its metadata, as made at intake). */
function lawfulUseOf(e: ExtractRecord): string {
  const m = e.metadata as { lawfulUse?: LawfulUse };
  return lawfulUseValue(m.lawfulUse ?? null, personalDataOf(e.metadata).personalDataCategory);
}

/**
 * The extract's lineage and completeness as push headers (HTTPS) and object metadata (S3):
 * its version in the slot, what it replaces (absent for the first), and whether invalid records
 * were left out of the delivery it was made from.
 */
export function lineageFields(e: ExtractRecord): Record<string, string> {
  return {
    version: String(e.version),
    ...(e.replaces ? { replaces: e.replaces } : {}),
    partial: e.metadata.partial === true ? 'true' : 'false',
  };
}

/** Status codes worth trying again; any other 4xx needs someone to fix something first. */
const RETRYABLE = new Set([408, 425, 429]);

async function pushHttps(
  target: Extract<PushTransport, { type: 'https' }>,
  e: ExtractRecord,
  body: AsyncIterable<Uint8Array>,
  deps: PushDeps,
  timeoutMs: number,
): Promise<string> {
  const url = endpointUrl(target.url, e);
  const headers: Record<string, string> = {
    'content-type': e.contentType,
    'content-length': String(e.bytes),
    'content-digest': `sha-256=:${hexToBase64(e.sha256)}:`,
    'content-disposition': `attachment; filename="${e.fileName}"`,
    'idempotency-key': e.id,
    'x-extract-id': e.id,
    'x-delivery-id': e.deliveryId,
    'x-profile': `${e.profile.id};version=${e.profile.version};sha256=${e.profile.sha256}`,
    'x-lawful-use': lawfulUseOf(e),
    ...Object.fromEntries(Object.entries(lineageFields(e)).map(([k, v]) => [`x-extract-${k}`, v])),
  };
  if (target.bearerTokenSecret) {
    const token = deps.secrets(target.bearerTokenSecret);
    if (!token) throw new PermanentPushError(`the secret ${target.bearerTokenSecret} is not configured`);
    headers.authorization = `Bearer ${token}`;
  }
  const res = await (deps.fetch ?? fetch)(url, {
    method: target.method,
    headers,
    body: toReadableStream(body),
    duplex: 'half',
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  } as RequestInit);
  // The answer's body is not needed (and may echo data): drop it unread.
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) {
    const location = res.headers.get('location');
    return location ? new URL(location, url).toString() : url;
  }
  const what = `${target.method} ${new URL(url).origin} answered ${res.status}`;
  if (res.status >= 400 && res.status < 500 && !RETRYABLE.has(res.status)) throw new PermanentPushError(what);
  throw new Error(what);
}

/**
 * A stored push target read back as the transport the profile named; null when it is no
 * push transport any more (a record changed by hand): such a push cannot be made.
 */
export function readPushTarget(stored: PushTarget): PushTransport | null {
  const parsed = TransportSchema.safeParse(stored);
  return parsed.success && parsed.data.type !== 'pull' ? parsed.data : null;
}

async function attempt(
  push: PushRecord,
  deps: PushDeps,
  opts: Required<PushRunOptions>,
): Promise<PushResult> {
  const e = await deps.metadata.getExtract(push.extractId);
  if (!e) return { status: 'cancelled', reason: 'the extract is gone' };
  if (e.status === 'superseded' || e.status === 'purged')
    return { status: 'cancelled', reason: `the extract was ${e.status} before it could be pushed` };
  const target = readPushTarget(push.target);
  if (!target) return { status: 'failed', error: 'the push target is not an https or s3 transport' };
  const retryOf = (error: string): PushResult => {
    if (push.attempts >= target.retry.maxAttempts) return { status: 'failed', error };
    const wait = backoffDelayMs(push.attempts, target.retry, (deps.random ?? Math.random)());
    return {
      status: 'retry',
      error,
      nextAttemptAt: new Date(deps.now().getTime() + wait).toISOString(),
    };
  };
  let body: AsyncIterable<Uint8Array> | null = null;
  try {
    body = await deps.objects.read(e.objectKey);
    if (!body) return { status: 'failed', error: 'the extract has no stored content' };
    if (target.type === 'https') {
      return { status: 'delivered', location: await pushHttps(target, e, body, deps, opts.requestTimeoutMs) };
    }
    if (!deps.s3) throw new PermanentPushError('this deployment cannot push to S3');
    const key = `${target.prefix}${e.fileName}`;
    const { location } = await deps.s3(
      target,
      {
        key,
        body,
        timeoutMs: opts.requestTimeoutMs,
        bytes: e.bytes,
        contentType: e.contentType,
        metadata: {
          'extract-id': e.id,
          'delivery-id': e.deliveryId,
          sha256: e.sha256,
          profile: `${e.profile.id};version=${e.profile.version}`,
          'lawful-use': lawfulUseOf(e),
          ...lineageFields(e),
        },
      },
      deps.secrets,
    );
    return { status: 'delivered', location };
  } catch (err) {
    const message = (err as Error).message || String(err);
    if (err instanceof PermanentPushError) return { status: 'failed', error: message };
    return retryOf(message);
  } finally {
    // A push that failed before reading it all must not hold the file or the connection open.
    await body?.[Symbol.asyncIterator]().return?.();
  }
}

/**
 * Claims the pushes that are due and tries each once: delivered, tried again later with
 * back-off, or given up (failed, visible to operators, retried on an admin's word).
 * Any node may run this; the database hands each push to one of them at a time.
 */
export async function runDuePushes(
  deps: PushDeps,
  options: PushRunOptions = {},
): Promise<{ delivered: number; retried: number; failed: number; cancelled: number }> {
  const opts: Required<PushRunOptions> = {
    limit: options.limit ?? 10,
    leaseMs: options.leaseMs ?? 15 * 60_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10 * 60_000,
  };
  const tally = { delivered: 0, retried: 0, failed: 0, cancelled: 0 };
  // One claim at a time, each with its own lease: a slow push never lets a later one's
  // lease run out before it is even tried.
  for (let i = 0; i < opts.limit; i++) {
    const now = deps.now();
    const lease = new Date(now.getTime() + opts.leaseMs).toISOString();
    const [push] = await deps.metadata.claimPushes(now.toISOString(), lease, 1);
    if (!push) break;
    const result = await attempt(push, deps, opts);
    await deps.metadata.finishPush({
      extractId: push.extractId,
      result,
      at: deps.now().toISOString(),
      actor: PUSH_ACTOR,
      lease,
    });
    if (result.status === 'delivered') tally.delivered++;
    else if (result.status === 'retry') tally.retried++;
    else if (result.status === 'failed') tally.failed++;
    else tally.cancelled++;
    const facts = { extract: push.extractId, recipient: push.recipient, attempt: push.attempts };
    if (result.status === 'delivered')
      deps.log?.info({ ...facts, location: result.location }, 'extract pushed');
    else if (result.status === 'retry')
      deps.log?.warn(
        { ...facts, error: result.error, next: result.nextAttemptAt },
        'push failed; trying again later',
      );
    else if (result.status === 'failed')
      deps.log?.warn({ ...facts, error: result.error }, 'push given up; an admin can retry it');
  }
  return tally;
}
