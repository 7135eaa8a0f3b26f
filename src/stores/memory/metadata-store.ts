import type { AuditEvent } from '../../audit/chain';
import { type Clock, systemClock } from '../../core/clock';
import type { MetadataStore } from '../metadata-store';
import { decodeCursor, page } from '../paging';
import type { AuditFilter, Page, ProfileVersionRecord } from '../records';
import * as access from './access';
import * as deliveries from './deliveries';
import * as extracts from './extracts';
import * as revalidations from './revalidations';
import * as runs from './runs';
import { listSlotFacts } from './slot-facts';
import {
  appendAudit,
  auditHead,
  copy,
  createTables,
  instant,
  iso,
  json,
  type Tables,
  transaction,
} from './tables';
import * as webhooks from './webhooks';

/**
 * The metadata store in the process's memory, held to the same contract as the SQL store: for
 * fast HTTP tests and trials, never for data that must outlive the process. Every change runs
 * synchronously inside one transaction, so one process decides every race; `now` stamps the
 * audit events.
 */
export function createMemoryMetadataStore(now: Clock = systemClock, name = 'memory'): MetadataStore {
  const t = createTables();
  const change = async <T>(fn: (t: Tables) => T): Promise<T> => transaction(t, fn);
  const read = async <T>(fn: (t: Tables) => T): Promise<T> => fn(t);

  return {
    name,
    migrate: async () => {},
    ping: async () => {},
    close: async () => {},

    createToken: (token, hash, a) => change((t) => access.createToken(t, now, token, hash, a)),
    replaceTokenHash: (id, oldHash, newHash) =>
      change((t) => access.replaceTokenHash(t, id, oldHash, newHash)),
    findTokenByHash: (hash) => read((t) => access.findTokenByHash(t, hash)),
    getToken: (id) => read((t) => access.getToken(t, id)),
    listTokens: (filter = {}) => read((t) => access.listTokens(t, filter)),
    revokeToken: (id, at, a) => change((t) => access.revokeToken(t, now, id, at, a)),
    touchToken: (id, at) => change((t) => access.touchToken(t, id, at)),

    createSession: (idHash, session) => change((t) => access.createSession(t, idHash, session)),
    findSession: (idHash, at) => change((t) => access.findSession(t, idHash, at)),
    endSession: (idHash) =>
      change((t) => {
        t.sessions.delete(idHash);
      }),

    ensureSigningKey: (candidate) => change((t) => access.ensureSigningKey(t, candidate)),
    activeSigningKey: () => read(access.activeSigningKey),
    listSigningKeys: () => read(access.listSigningKeys),
    rotateSigningKey: (r) => change((t) => access.rotateSigningKey(t, now, r)),

    createDelivery: (d) => change((t) => deliveries.createDelivery(t, d)),
    getDelivery: (id) => read((t) => copy(t.deliveries.get(id) ?? null)),
    findDeliveryByIdempotencyKey: (source, key) =>
      read((t) => deliveries.findDeliveryByIdempotencyKey(t, source, key)),
    findAcceptedDuplicate: (d, sha256) => read((t) => deliveries.findAcceptedDuplicate(t, d, sha256)),
    listDeliveries: (filter, cursor, limit) =>
      read((t) => deliveries.listDeliveries(t, filter, cursor, limit)),
    acceptDelivery: (a) => change((t) => deliveries.acceptDelivery(t, now, a)),
    endDelivery: (e) => change((t) => deliveries.endDelivery(t, now, e)),
    discardReceiving: (id) => change((t) => deliveries.discardReceiving(t, id)),
    releaseIdempotencyKey: (id) => change((t) => deliveries.releaseIdempotencyKey(t, id)),
    listIssues: (deliveryId, cursor, limit) =>
      read((t) => deliveries.listIssues(t, deliveryId, cursor, limit)),
    listStaleReceiving: (before) => read((t) => deliveries.listStaleReceiving(t, before)),
    listSlotFacts: (q) => read((t) => listSlotFacts(t, q)),

    getExtract: (id) => read((t) => extracts.getExtract(t, id)),
    listExtracts: (filter, cursor, limit) => read((t) => extracts.listExtracts(t, filter, cursor, limit)),
    recordExtractRead: (r) => change((t) => extracts.recordExtractRead(t, now, r)),
    purgeExtract: (p) => change((t) => extracts.purgeExtract(t, now, p)),
    purgeOriginal: (p) => change((t) => deliveries.purgeOriginal(t, now, p)),
    acknowledgeExtract: (a) => change((t) => extracts.acknowledgeExtract(t, now, a)),
    markOverdue: (at, actor, limit) => change((t) => extracts.markOverdue(t, now, at, actor, limit)),

    createSubscription: (sub, a) => change((t) => webhooks.createSubscription(t, now, sub, a)),
    getSubscription: (id) => read((t) => copy(t.subscriptions.get(id) ?? null)),
    listSubscriptions: (filter) => read((t) => webhooks.listSubscriptions(t, filter)),
    deleteSubscription: (id, at, a) => change((t) => webhooks.deleteSubscription(t, now, id, at, a)),
    enqueueWebhooks: (route, at, limit) => webhooks.enqueueWebhooks(t, route, at, limit),
    claimWebhook: (at, leaseUntil) => change((t) => webhooks.claimWebhook(t, at, leaseUntil)),
    finishWebhook: (id, result, at, leaseUntil) =>
      change((t) => webhooks.finishWebhook(t, id, result, at, leaseUntil)),
    getWebhookMessage: (id) => read((t) => copy(t.webhookMessages.get(id) ?? null)),
    listWebhookMessages: (subscriptionId, status, cursor, limit) =>
      read((t) => webhooks.listWebhookMessages(t, subscriptionId, status, cursor, limit)),
    retryWebhook: (id, at, actor) => change((t) => webhooks.retryWebhook(t, now, id, at, actor)),

    claimPushes: (at, leaseUntil, limit) => change((t) => extracts.claimPushes(t, at, leaseUntil, limit)),
    finishPush: (f) => change((t) => extracts.finishPush(t, now, f)),
    getPush: (extractId) => read((t) => extracts.getPush(t, extractId)),
    retryPush: (extractId, at, actor) => change((t) => extracts.retryPush(t, now, extractId, at, actor)),

    statistics: () => read(extracts.statistics),

    recordProfileVersion: (p, at) => change((t) => recordProfileVersion(t, now, p, at)),
    listProfileVersions: (profileId) => read((t) => listProfileVersions(t, profileId)),

    createRun: (r, a) => change((t) => runs.createRun(t, now, r, a)),
    getRun: (id) => read((t) => runs.getRun(t, id)),
    listRuns: (filter, cursor, limit) => read((t) => runs.listRuns(t, filter, cursor, limit)),
    getRunSummary: (id) => read((t) => runs.getRunSummary(t, id)),
    getRunReport: (id, municipality) => read((t) => runs.getRunReport(t, id, municipality)),
    recordDatasetVersion: (d, at, run) =>
      change((t) => revalidations.recordDatasetVersion(t, now, d, at, run)),
    createRevalidation: (r, a) => change((t) => revalidations.createRevalidation(t, now, r, a)),
    getRevalidation: (id) => read((t) => revalidations.getRevalidation(t, id)),
    listRevalidations: (dataset, cursor, limit) =>
      read((t) => revalidations.listRevalidations(t, dataset, cursor, limit)),
    claimRevalidation: (at, leaseUntil, claim, versions) =>
      change((t) => revalidations.claimRevalidation(t, at, leaseUntil, claim, versions)),
    renewRevalidation: (id, claim, leaseUntil) =>
      change((t) => revalidations.renewRevalidation(t, id, claim, leaseUntil)),
    recordRevalidationResult: (id, r) => change((t) => revalidations.recordRevalidationResult(t, id, r)),
    finishRevalidation: (f) => change((t) => revalidations.finishRevalidation(t, now, f)),
    listRevalidationResults: (runId, cursor, limit) =>
      read((t) => revalidations.listRevalidationResults(t, runId, cursor, limit)),
    revalidationFor: (q) => read((t) => revalidations.revalidationFor(t, q)),

    appendAudit: (drafts) => change((t) => appendAudit(t, now, drafts)),
    listAudit: (filter, cursor, limit) => read((t) => listAudit(t, filter, cursor, limit)),
    auditHead: () => read(auditHead),
    async *iterateAudit(pageSize = 1000) {
      for (let after = 0; ; ) {
        const events = t.audit.filter((e) => e.seq > after).slice(0, pageSize);
        const last = events[events.length - 1];
        if (!last) return;
        yield events.map(copy);
        after = last.seq;
      }
    },
    addAuditCheckpoint: (c) =>
      change((t) => {
        if (t.checkpoints.has(c.seq)) return false;
        t.checkpoints.set(c.seq, { ...c });
        return true;
      }),
    listAuditCheckpoints: (cursor, limit) =>
      read((t) => {
        const after = Number(decodeCursor(cursor) ?? 0);
        const rows = [...t.checkpoints.values()].filter((c) => c.seq > after).sort((a, b) => a.seq - b.seq);
        return page(rows.slice(0, limit + 1).map(copy), limit, (c) => c.seq);
      }),
    latestAuditCheckpoint: () =>
      read((t) => {
        const seqs = [...t.checkpoints.keys()];
        return seqs.length ? copy(t.checkpoints.get(Math.max(...seqs)) ?? null) : null;
      }),
  };
}

const versionKey = (id: string, version: number, sha256: string) => JSON.stringify([id, version, sha256]);

function recordProfileVersion(
  t: Tables,
  now: Clock,
  p: { id: string; version: number; sha256: string; content: unknown },
  at: string,
): { activated: boolean; reusedVersion: boolean } {
  const reusedVersion = [...t.profileVersions.keys()].some((k) => {
    const [id, version, sha256] = JSON.parse(k);
    return id === p.id && version === p.version && sha256 !== p.sha256;
  });
  const key = versionKey(p.id, p.version, p.sha256);
  if (!t.profileVersions.has(key)) t.profileVersions.set(key, { content: json(p.content) });
  const current = t.activations.filter((a) => a.profileId === p.id).pop();
  const activated = !current || current.version !== p.version || current.sha256 !== p.sha256;
  if (activated) {
    t.activations.push({ profileId: p.id, version: p.version, sha256: p.sha256, activatedAt: iso(at) });
    appendAudit(t, now, [
      {
        actor: 'gateway',
        action: 'profile.activated',
        subject: p.id,
        details: { version: p.version, sha256: p.sha256, reusedVersion },
      },
    ]);
  }
  return { activated, reusedVersion };
}

function listProfileVersions(t: Tables, profileId: string): ProfileVersionRecord[] {
  let until: string | null = null;
  return t.activations
    .filter((a) => a.profileId === profileId)
    .reverse()
    .map((a) => {
      const rec: ProfileVersionRecord = {
        profileId,
        version: a.version,
        sha256: a.sha256,
        activeFrom: a.activatedAt,
        activeUntil: until,
        content: copy(t.profileVersions.get(versionKey(a.profileId, a.version, a.sha256))?.content),
      };
      until = rec.activeFrom;
      return rec;
    });
}

/** What `details->>'delivery'` reads: a value as text, or nothing for an object or null. */
const deliveryOf = (e: AuditEvent): string | undefined => {
  const v = e.details.delivery;
  return v === null || v === undefined || typeof v === 'object' ? undefined : String(v);
};

function listAudit(t: Tables, f: AuditFilter, cursor: string | null, limit: number): Page<AuditEvent> {
  const after = decodeCursor(cursor);
  const rows = t.audit
    .filter(
      (e) =>
        (!f.from || instant(e.at) >= instant(f.from)) &&
        (!f.to || instant(e.at) < instant(f.to)) &&
        (!f.actor || e.actor === f.actor) &&
        (!f.action || e.action === f.action) &&
        (!f.subject || e.subject === f.subject || deliveryOf(e) === f.subject) &&
        (!f.municipality || e.details.municipality === f.municipality) &&
        (after === null || e.seq > Number(after)),
    )
    .slice(0, limit + 1);
  return page(rows.map(copy), limit, (e) => e.seq);
}
