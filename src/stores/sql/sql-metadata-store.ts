import { type Clock, systemClock } from '../../core/clock';
import type { MetadataStore } from '../metadata-store';
import * as audit from './audit';
import type { SqlClient } from './client';
import * as deliveries from './deliveries';
import * as extracts from './extracts';
import { listIssues } from './issues';
import * as keys from './keys';
import { migrate } from './migrate';
import * as profiles from './profiles';
import * as pushes from './pushes';
import * as revalidations from './revalidations';
import * as runs from './runs';
import * as sessions from './sessions';
import { listSlotFacts } from './slot-facts';
import { statistics } from './statistics';
import * as tokens from './tokens';
import * as webhooks from './webhooks';

/**
 * The metadata store over PostgreSQL: the same SQL for the embedded PGlite and for a server.
 * Each area of the port lives in its own file as functions over the connection; `now` stamps
 * the audit events.
 */
export function createSqlMetadataStore(db: SqlClient, now: Clock = systemClock): MetadataStore {
  return {
    name: db.name,
    migrate: () => migrate(db),
    ping: async () => {
      await db.query('SELECT 1');
    },
    close: () => db.close(),

    createToken: (t, hash, a) => tokens.createToken(db, now, t, hash, a),
    replaceTokenHash: (id, oldHash, newHash) => tokens.replaceTokenHash(db, id, oldHash, newHash),
    findTokenByHash: (hash) => tokens.findTokenByHash(db, hash),
    getToken: (id) => tokens.getToken(db, id),
    listTokens: (filter = {}) => tokens.listTokens(db, filter),
    revokeToken: (id, at, a) => tokens.revokeToken(db, now, id, at, a),
    touchToken: (id, at) => tokens.touchToken(db, id, at),

    createSession: (idHash, session) => sessions.createSession(db, idHash, session),
    findSession: (idHash, at) => sessions.findSession(db, idHash, at),
    endSession: (idHash) => sessions.endSession(db, idHash),

    ensureSigningKey: (candidate) => keys.ensureSigningKey(db, candidate),
    activeSigningKey: () => keys.activeSigningKey(db),
    listSigningKeys: () => keys.listSigningKeys(db),
    rotateSigningKey: (r) => keys.rotateSigningKey(db, now, r),

    createDelivery: (d) => deliveries.createDelivery(db, d),
    getDelivery: (id) => deliveries.getDelivery(db, id),
    findDeliveryByIdempotencyKey: (source, key) => deliveries.findDeliveryByIdempotencyKey(db, source, key),
    findAcceptedDuplicate: (d, sha256) => deliveries.findAcceptedDuplicate(db, d, sha256),
    listDeliveries: (filter, cursor, limit) => deliveries.listDeliveries(db, filter, cursor, limit),
    acceptDelivery: (a) => deliveries.acceptDelivery(db, now, a),
    endDelivery: (e) => deliveries.endDelivery(db, now, e),
    discardReceiving: (id) => deliveries.discardReceiving(db, id),
    releaseIdempotencyKey: (id) => deliveries.releaseIdempotencyKey(db, id),
    listIssues: (deliveryId, cursor, limit) => listIssues(db, deliveryId, cursor, limit),
    listStaleReceiving: (before) => deliveries.listStaleReceiving(db, before),
    listSlotFacts: (q) => listSlotFacts(db, q),

    getExtract: (id) => extracts.getExtract(db, id),
    listExtracts: (filter, cursor, limit) => extracts.listExtracts(db, filter, cursor, limit),
    recordExtractRead: (r) => extracts.recordExtractRead(db, now, r),
    purgeExtract: (p) => extracts.purgeExtract(db, now, p),
    purgeOriginal: (p) => deliveries.purgeOriginal(db, now, p),
    acknowledgeExtract: (a) => extracts.acknowledgeExtract(db, now, a),
    markOverdue: (at, actor, limit) => extracts.markOverdue(db, now, at, actor, limit),

    claimPushes: (at, leaseUntil, limit) => pushes.claimPushes(db, at, leaseUntil, limit),
    finishPush: (f) => pushes.finishPush(db, now, f),
    getPush: (extractId) => pushes.getPush(db, extractId),
    retryPush: (extractId, at, actor) => pushes.retryPush(db, now, extractId, at, actor),

    createSubscription: (sub, a) => webhooks.createSubscription(db, now, sub, a),
    getSubscription: (id) => webhooks.getSubscription(db, id),
    listSubscriptions: (filter) => webhooks.listSubscriptions(db, filter),
    deleteSubscription: (id, at, a) => webhooks.deleteSubscription(db, now, id, at, a),
    enqueueWebhooks: (route, at, limit) => webhooks.enqueueWebhooks(db, route, at, limit),
    claimWebhook: (at, leaseUntil) => webhooks.claimWebhook(db, at, leaseUntil),
    finishWebhook: (id, result, at, leaseUntil) => webhooks.finishWebhook(db, id, result, at, leaseUntil),
    getWebhookMessage: (id) => webhooks.getWebhookMessage(db, id),
    listWebhookMessages: (subscriptionId, status, cursor, limit) =>
      webhooks.listWebhookMessages(db, subscriptionId, status, cursor, limit),
    retryWebhook: (id, at, actor) => webhooks.retryWebhook(db, now, id, at, actor),

    statistics: () => statistics(db),

    recordProfileVersion: (p, at) => profiles.recordProfileVersion(db, now, p, at),
    listProfileVersions: (profileId) => profiles.listProfileVersions(db, profileId),

    createRun: (r, a) => runs.createRun(db, now, r, a),
    getRun: (id) => runs.getRun(db, id),
    listRuns: (filter, cursor, limit) => runs.listRuns(db, filter, cursor, limit),
    getRunSummary: (id) => runs.getRunSummary(db, id),
    getRunReport: (id, municipality) => runs.getRunReport(db, id, municipality),
    recordDatasetVersion: (d, at, run) => revalidations.recordDatasetVersion(db, now, d, at, run),
    createRevalidation: (r, a) => revalidations.createRevalidation(db, now, r, a),
    getRevalidation: (id) => revalidations.getRevalidation(db, id),
    listRevalidations: (dataset, cursor, limit) =>
      revalidations.listRevalidations(db, dataset, cursor, limit),
    claimRevalidation: (at, leaseUntil, claim, versions) =>
      revalidations.claimRevalidation(db, at, leaseUntil, claim, versions),
    renewRevalidation: (id, claim, leaseUntil) => revalidations.renewRevalidation(db, id, claim, leaseUntil),
    recordRevalidationResult: (id, r) => revalidations.recordRevalidationResult(db, id, r),
    finishRevalidation: (f) => revalidations.finishRevalidation(db, now, f),
    listRevalidationResults: (runId, cursor, limit) =>
      revalidations.listRevalidationResults(db, runId, cursor, limit),
    revalidationFor: (q) => revalidations.revalidationFor(db, q),

    appendAudit: (drafts) => db.transaction((tx) => audit.appendAuditIn(tx, now, drafts)),
    listAudit: (filter, cursor, limit) => audit.listAudit(db, filter, cursor, limit),
    auditHead: () => audit.auditHead(db),
    iterateAudit: (pageSize = 1000) => audit.iterateAudit(db, pageSize),
    addAuditCheckpoint: (c) => audit.addAuditCheckpoint(db, c),
    listAuditCheckpoints: (cursor, limit) => audit.listAuditCheckpoints(db, cursor, limit),
    latestAuditCheckpoint: () => audit.latestAuditCheckpoint(db),
  };
}
