/**
 * Webhooks: audit events turned into messages for the subscriptions that hear of them (each
 * event once, across nodes), then signed per Standard Webhooks and sent, in order per
 * subscription and subject, with back-off, until delivered or given up (dead-lettered, sent
 * again on an admin's word). The push worker runs both beside the pushes.
 */
import type { AuditEvent } from '../audit/chain';
import { CONFIGURED_ADMIN } from '../auth/principals';
import type { SecretSeal } from '../auth/secret-seal';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import { isPartial } from '../core/lineage';
import { isIpLiteral, isPrivateAddress } from '../core/network-address';
import type { AuditAction } from '../core/vocabulary';
import { type EventFacts, hears, WEBHOOK_EVENT_OF } from '../core/webhook-routing';
import { signWebhook } from '../core/webhook-signature';
import type {
  DeliveryRecord,
  ExtractRecord,
  MetadataStore,
  NewWebhookMessage,
  SubscriptionRecord,
  TokenRecord,
  WebhookLookup,
  WebhookMessageRecord,
  WebhookResult,
} from '../stores/metadata-store';
import { backoffDelayMs } from './push';

/** Messages sent at once by one node (each to another subscription). */
export const WEBHOOKS_AT_ONCE = 16;

export interface WebhookSettings {
  /** Attempts before a message is given up (dead-lettered). */
  maxAttempts: number;
  /** The wait after the first failure; doubled after each further one, at most `maxDelaySeconds`. */
  initialDelaySeconds: number;
  maxDelaySeconds: number;
  /** Hosts a subscription may name although they are private or plain HTTP (a test receiver, an internal one). */
  allowHosts: readonly string[];
  /** The longest one request may take. */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  maxAttempts: 8,
  initialDelaySeconds: 5,
  maxDelaySeconds: 10 * 3600,
  allowHosts: [],
  timeoutMs: 10_000,
};

export interface WebhookDeps {
  metadata: MetadataStore;
  seal: SecretSeal;
  settings: WebhookSettings;
  now: Clock;
  fetch?: typeof fetch;
  /** The addresses a host name resolves to (Node); absent where the runtime cannot tell (Workers). */
  resolveHost?: (host: string) => Promise<string[]>;
  random?: () => number;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

/** Why a subscription's URL cannot be used, or null when it can. */
export function refusedWebhookUrl(url: string, allowHosts: readonly string[]): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (u.username || u.password) return 'a URL with credentials in it';
  if (u.port === '0') return 'a URL with port 0';
  const allowed = allowHosts.includes(u.hostname) || allowHosts.includes(u.host);
  if (u.protocol !== 'https:' && !(allowed && u.protocol === 'http:')) return 'not an https URL';
  if (!allowed && isIpLiteral(u.hostname) && isPrivateAddress(u.hostname))
    return 'an address in a private, loopback or reserved range';
  if (!allowed && /(^|\.)localhost\.?$/i.test(u.hostname)) return 'a local host name';
  return null;
}

/** Facts and data of one audit event, looked up once per batch. */
interface Lookup {
  delivery(id: unknown): Promise<DeliveryRecord | null>;
  extract(id: unknown): Promise<ExtractRecord | null>;
  token(id: string): Promise<TokenRecord | null>;
}

function lookupOver(metadata: WebhookLookup): Lookup {
  const deliveries = new Map<string, Promise<DeliveryRecord | null>>();
  const extracts = new Map<string, Promise<ExtractRecord | null>>();
  const tokens = new Map<string, Promise<TokenRecord | null>>();
  const cached = <T>(
    m: Map<string, Promise<T | null>>,
    id: unknown,
    get: (id: string) => Promise<T | null>,
  ) => {
    if (typeof id !== 'string') return Promise.resolve(null);
    const known = m.get(id);
    if (known) return known;
    const p = get(id);
    m.set(id, p);
    return p;
  };
  return {
    delivery: (id) => cached(deliveries, id, (i) => metadata.getDelivery(i)),
    extract: (id) => cached(extracts, id, (i) => metadata.getExtract(i)),
    token: (id) => cached(tokens, id, (i) => metadata.getToken(i)) as Promise<TokenRecord | null>,
  };
}

const deliveryData = (d: DeliveryRecord) => ({
  delivery: d.id,
  dataset: d.dataset,
  municipality: d.municipality,
  period: d.period,
  source: d.source,
  sequence: d.sequence,
  status: d.status,
  records: d.records,
  partial: isPartial(d),
  supersedes: d.supersedes,
  errorCount: d.errorCount,
  url: `/v1/deliveries/${d.id}`,
});

const extractData = (e: ExtractRecord) => ({
  extract: e.id,
  delivery: e.deliveryId,
  recipient: e.recipient,
  dataset: e.dataset,
  municipality: e.municipality,
  period: e.period,
  version: e.version,
  replaces: e.replaces,
  fileName: e.fileName,
  sha256: e.sha256,
  bytes: e.bytes,
  partial: e.metadata.partial === true,
  url: `/v1/extracts/${e.id}`,
  content: `/v1/extracts/${e.id}/content`,
});

/** What an event is about and what its message says; null for an event no webhook tells of. */
async function describe(
  e: AuditEvent,
  lookup: Lookup,
): Promise<{ facts: EventFacts; subject: string; data: Record<string, unknown> } | null> {
  const type = WEBHOOK_EVENT_OF[e.action as AuditAction];
  if (!type) return null;
  const d = e.details;
  if (type === 'delivery.accepted' || type === 'delivery.rejected') {
    const delivery = await lookup.delivery(e.subject);
    if (!delivery) return null;
    const facts = {
      type,
      dataset: delivery.dataset,
      municipality: delivery.municipality,
      source: delivery.source,
    };
    return { facts, subject: delivery.id, data: deliveryData(delivery) };
  }
  if (type.startsWith('extract.')) {
    const extract = await lookup.extract(e.subject);
    const delivery = await lookup.delivery(extract?.deliveryId);
    if (!extract || !delivery) return null;
    const facts = {
      type,
      dataset: extract.dataset,
      municipality: extract.municipality,
      source: delivery.source,
      recipient: extract.recipient,
    };
    const extra =
      type === 'extract.refused' || type === 'extract.acknowledged'
        ? { reason: d.reason ?? null, at: e.at }
        : type === 'extract.overdue'
          ? { dueAt: d.dueAt ?? null }
          : {};
    return { facts, subject: extract.id, data: { ...extractData(extract), ...extra } };
  }
  if (type === 'obligation.missing') {
    const [dataset, municipality] = [d.dataset, d.municipality].map((v) =>
      typeof v === 'string' ? v : undefined,
    );
    return {
      facts: { type, ...(dataset ? { dataset } : {}), ...(municipality ? { municipality } : {}) },
      subject: `${dataset}/${municipality}/${String(d.period)}`,
      data: { dataset, municipality, period: d.period, deadline: d.deadline ?? null },
    };
  }
  // run.completed
  return { facts: { type }, subject: e.subject, data: { run: e.subject, ...d } };
}

/**
 * Whether the token that made a subscription still stands (neither revoked nor expired): a
 * subscription ends with its token, for the events still to come and the messages still
 * waiting alike. The configured admin token has no record: its subscriptions last until deleted.
 */
async function madeByLiveToken(
  s: SubscriptionRecord,
  token: (id: string) => Promise<TokenRecord | null>,
  at: Date,
): Promise<boolean> {
  if (s.tokenId === CONFIGURED_ADMIN.tokenId) return true;
  const t = await token(s.tokenId);
  return !!t && t.revokedAt === null && (t.expiresAt === null || Date.parse(t.expiresAt) > at.getTime());
}

/** The messages a batch of audit events makes, for the subscriptions that hear of each. */
export async function routeWebhooks(
  events: AuditEvent[],
  subscriptions: SubscriptionRecord[],
  metadata: WebhookLookup,
  at: Date,
): Promise<NewWebhookMessage[]> {
  if (subscriptions.length === 0) return [];
  const lookup = lookupOver(metadata);
  // A subscription ends with its token: revoked or expired, it hears nothing more.
  const live: SubscriptionRecord[] = [];
  for (const s of subscriptions) if (await madeByLiveToken(s, lookup.token, at)) live.push(s);
  const out: NewWebhookMessage[] = [];
  for (const e of events) {
    const described = await describe(e, lookup);
    if (!described) continue;
    for (const s of live) {
      if (e.seq <= s.fromSeq || !hears(s, described.facts)) continue;
      out.push({
        id: newId('msg'),
        subscriptionId: s.id,
        seq: e.seq,
        event: described.facts.type,
        subject: described.subject,
        payload: { type: described.facts.type, timestamp: e.at, data: described.data },
      });
    }
  }
  return out;
}

/** Sends one message once: signed, with its id and a fresh timestamp. */
async function attempt(m: WebhookMessageRecord, deps: WebhookDeps): Promise<WebhookResult> {
  const sub = await deps.metadata.getSubscription(m.subscriptionId);
  if (!sub || sub.deletedAt !== null) return { status: 'failed', error: 'the subscription was deleted' };
  if (!(await madeByLiveToken(sub, (id) => deps.metadata.getToken(id), deps.now())))
    return { status: 'failed', error: 'the token that made the subscription was revoked or has expired' };
  const retry = (error: string): WebhookResult => {
    if (m.attempts >= deps.settings.maxAttempts) return { status: 'failed', error };
    const wait = backoffDelayMs(
      m.attempts,
      {
        maxAttempts: deps.settings.maxAttempts,
        initialDelaySeconds: deps.settings.initialDelaySeconds,
        maxDelaySeconds: deps.settings.maxDelaySeconds,
      },
      (deps.random ?? Math.random)(),
    );
    return { status: 'retry', error, nextAttemptAt: new Date(deps.now().getTime() + wait).toISOString() };
  };
  const refused = refusedWebhookUrl(sub.url, deps.settings.allowHosts);
  if (refused) return { status: 'failed', error: `the URL is ${refused}` };
  const url = new URL(sub.url);
  const allowed =
    deps.settings.allowHosts.includes(url.hostname) || deps.settings.allowHosts.includes(url.host);
  try {
    if (!allowed && deps.resolveHost && !isIpLiteral(url.hostname)) {
      const addresses = await deps.resolveHost(url.hostname);
      if (addresses.some(isPrivateAddress))
        return retry(`${url.hostname} resolves to an address in a private or reserved range`);
    }
    const secret = await deps.seal.open(sub.id, sub.sealedSecret);
    const body = JSON.stringify(m.payload);
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const res = await (deps.fetch ?? fetch)(sub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'delivery-gateway-webhooks',
        'webhook-id': m.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': await signWebhook(secret, m.id, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.settings.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { status: 'delivered' };
    return retry(`${url.origin} answered ${res.status}`);
  } catch (err) {
    const e = err as Error;
    return retry(
      e.name === 'TimeoutError' ? `${url.origin} did not answer in time` : `${url.origin}: ${e.message}`,
    );
  }
}

/**
 * Turns the new audit events into messages, then sends what is due, at most `limit` attempts.
 * Any node may run it: the cursor's lock routes each event once, and each message is claimed
 * by one node at a time.
 */
export async function runWebhooks(
  deps: WebhookDeps,
  limit = 20,
): Promise<{ routed: number; delivered: number; retried: number; failed: number }> {
  let routed = 0;
  for (;;) {
    const n = await deps.metadata.enqueueWebhooks(
      (events, subs, lookup) => routeWebhooks(events, subs, lookup, deps.now()),
      deps.now().toISOString(),
      500,
    );
    routed += n;
    if (n < 500) break;
  }
  const tally = { routed, delivered: 0, retried: 0, failed: 0 };
  // Several at once, one per subscription at a time (the store's claim sees to that): a slow or
  // silent receiver holds up its own messages, not everyone's.
  const inFlight = new Set<Promise<void>>();
  const send = async (m: WebhookMessageRecord, lease: string) => {
    const result = await attempt(m, deps);
    await deps.metadata.finishWebhook(m.id, result, deps.now().toISOString(), lease);
    const facts = { message: m.id, subscription: m.subscriptionId, event: m.event, attempt: m.attempts };
    if (result.status === 'delivered') {
      tally.delivered++;
      deps.log?.info(facts, 'webhook delivered');
    } else if (result.status === 'retry') {
      tally.retried++;
      deps.log?.warn(
        { ...facts, error: result.error, next: result.nextAttemptAt },
        'webhook failed; trying again later',
      );
    } else {
      tally.failed++;
      deps.log?.warn({ ...facts, error: result.error }, 'webhook given up; an admin can send it again');
    }
  };
  for (let tries = 0; tries < limit; ) {
    const now = deps.now();
    const lease = new Date(now.getTime() + deps.settings.timeoutMs + 60_000).toISOString();
    const m = await deps.metadata.claimWebhook(now.toISOString(), lease);
    if (!m) {
      // Nothing to claim now; a message out may free its subscription's next one.
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      continue;
    }
    tries++;
    const p: Promise<void> = send(m, lease)
      .catch((err) => deps.log?.warn({ err, message: m.id }, 'webhook attempt could not be recorded'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= WEBHOOKS_AT_ONCE) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return tally;
}
