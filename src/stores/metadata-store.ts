import type { AuditCheckpoint, AuditDraft, AuditEvent } from '../audit/chain';
import type { ValidationIssue } from '../core/validator';
import type { Role, WebhookMessageStatus } from '../core/vocabulary';
import type {
  AcceptDelivery,
  AcceptResult,
  AcknowledgeExtract,
  AcknowledgeResult,
  AuditFilter,
  DeliveryFilter,
  DeliveryRecord,
  EndDelivery,
  ExtractFilter,
  ExtractRead,
  ExtractRecord,
  FinishPush,
  MunicipalityRunReport,
  NewDelivery,
  NewRun,
  Page,
  ProfileVersionRecord,
  Purge,
  PushRecord,
  RotateSigningKey,
  RunFilter,
  RunRecord,
  RunSummary,
  SessionRecord,
  SigningKeyRecord,
  SlotFactQuery,
  SlotFactRecord,
  TokenRecord,
} from './records';
import type {
  FinishRevalidation,
  NewRevalidation,
  RecordRevalidationResult,
  RevalidationQuery,
  RevalidationResult,
  RevalidationRun,
} from './revalidation-records';
import type {
  NewSubscription,
  SubscriptionRecord,
  WebhookMessageRecord,
  WebhookResult,
  WebhookRouter,
} from './webhook-records';

export type {
  AcknowledgementStatus,
  DeliveryStatus,
  ExtractStatus,
  PushStatus,
  Role,
} from '../core/vocabulary';
export type * from './records';
export type * from './revalidation-records';
export type * from './webhook-records';

/**
 * The metadata store port. Every method that changes state writes its audit events in the
 * same transaction as the change.
 */
export interface MetadataStore {
  readonly name: string;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  createToken(token: TokenRecord, tokenHash: string, audit: AuditDraft): Promise<void>;
  findTokenByHash(tokenHash: string): Promise<TokenRecord | null>;
  getToken(id: string): Promise<TokenRecord | null>;
  /** Every token (never its secret), oldest first; with `activeAt`, only those neither revoked nor expired then. */
  listTokens(filter?: { role?: Role; activeAt?: string }): Promise<TokenRecord[]>;
  /** Revokes a token and ends the dashboard sessions opened with it. */
  revokeToken(id: string, at: string, audit: AuditDraft): Promise<boolean>;
  touchToken(id: string, at: string): Promise<void>;

  /** Stores a new session (and forgets the sessions that expired before it began). */
  createSession(idHash: string, session: SessionRecord): Promise<void>;
  /** The session, unless it has expired by `at` (an expired one is deleted). */
  findSession(idHash: string, at: string): Promise<SessionRecord | null>;
  /** Ends a session (sign-out); nothing happens for an unknown one. */
  endSession(idHash: string): Promise<void>;

  /** Swaps a token's stored hash (an earlier hashing scheme for the current one). */
  replaceTokenHash(id: string, oldHash: string, newHash: string): Promise<void>;
  /** The key that signs now; the candidate is stored when there is none (the first node to start wins). */
  ensureSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** The key that signs now (another node may have rotated it). */
  activeSigningKey(): Promise<SigningKeyRecord | null>;
  /**
   * Makes `next` the signing key: the active one is retired (its public key stays published for
   * verification; its private half, never needed again, is erased), with the audit event
   * `receipt_key.rotated`. Nothing changes when `next` is already active, nor, with `from`, when
   * the active key is no longer `from` (another node replaced it first): the active key is
   * returned.
   */
  rotateSigningKey(r: RotateSigningKey): Promise<SigningKeyRecord>;

  /**
   * Records a delivery as receiving, with the next number of its slot (`sequence`: the
   * slot's highest so far plus one, whoever sent it), taken under the slot's lock so that two
   * deliveries of one slot never share one.
   */
  createDelivery(d: NewDelivery): Promise<DeliveryRecord>;
  getDelivery(id: string): Promise<DeliveryRecord | null>;
  findDeliveryByIdempotencyKey(source: string, key: string): Promise<DeliveryRecord | null>;
  /**
   * The slot's current accepted delivery (of this dataset, municipality and period, whichever
   * source sent it), when it holds these bytes read as the same content type (the same bytes
   * read in another charset are other values).
   */
  findAcceptedDuplicate(
    d: Pick<DeliveryRecord, 'dataset' | 'municipality' | 'period' | 'contentType'>,
    sha256: string,
  ): Promise<DeliveryRecord | null>;
  listDeliveries(filter: DeliveryFilter, cursor: string | null, limit: number): Promise<Page<DeliveryRecord>>;
  /**
   * Accepts a receiving delivery with its extracts; supersedes the slot's current accepted
   * delivery, whichever source sent it (its `supersededBy`, the new one's `supersedes`, its
   * live extracts `superseded` and each new extract `replaces` the recipient's old one).
   * `report` holds the issues of records left out (a dataset that accepts the valid records)
   * and their exact count by rule.
   * The database decides a race: when the slot's current delivery already holds the same
   * bytes, nothing is accepted and the answer is that delivery (`repeated`), on every node.
   */
  acceptDelivery(a: AcceptDelivery): Promise<AcceptResult>;
  /** Ends a receiving delivery as rejected or failed, with its issues and their count by rule. */
  endDelivery(e: EndDelivery): Promise<DeliveryRecord>;
  /** Removes a receiving delivery that turned out to repeat an accepted one. */
  discardReceiving(id: string): Promise<void>;
  /**
   * Frees the Idempotency-Key of a delivery that ended without its bytes read to the end
   * (failed, or refused part-way): a retry with the key is read afresh.
   */
  releaseIdempotencyKey(id: string): Promise<void>;
  listIssues(deliveryId: string, cursor: string | null, limit: number): Promise<Page<ValidationIssue>>;
  /** Receiving deliveries that began before the instant: left behind by a crash. */
  listStaleReceiving(before: string): Promise<DeliveryRecord[]>;
  /**
   * The accepted and rejected deliveries (superseded ones too) of one dataset's slots for the
   * given periods, with each one's extract count when asked, in one query, ordered by id: what
   * data quality and the consolidation report are computed from.
   */
  listSlotFacts(q: SlotFactQuery): Promise<SlotFactRecord[]>;

  getExtract(id: string): Promise<ExtractRecord | null>;
  listExtracts(filter: ExtractFilter, cursor: string | null, limit: number): Promise<Page<ExtractRecord>>;
  /**
   * Records one read of an extract's bytes before they are served, in one transaction: the
   * audit event `extract.read` every time, and on the first read of an available extract the
   * move to fetched with `extract.fetched`. Null when there is no such extract.
   */
  recordExtractRead(r: ExtractRead): Promise<ExtractRecord | null>;
  /**
   * Marks a delivery's original deleted under retention, once (a delivery still receiving is
   * never marked), with the audit event `delivery.original_purged`; null when there is no
   * such delivery or it was marked already. The caller deletes the bytes after.
   */
  purgeOriginal(p: Purge): Promise<DeliveryRecord | null>;
  /** Marks an extract purged, once, with the audit event `extract.purged`; null otherwise. */
  purgeExtract(p: Purge): Promise<ExtractRecord | null>;
  /**
   * Marks up to `limit` extracts whose acknowledgement was due before `at` and not given
   * (still available or fetched) as overdue, each once across nodes, with the audit event
   * `extract.overdue`; the answer is the extracts marked, by id.
   */
  markOverdue(at: string, actor: string, limit: number): Promise<ExtractRecord[]>;
  /** 'conflict' when the extract was already acknowledged or refused (or is no longer current). */
  acknowledgeExtract(a: AcknowledgeExtract): Promise<AcknowledgeResult>;

  /**
   * Claims up to `limit` pushes that are due at `now` and not claimed by another node, until
   * `leaseUntil`; each claim counts as an attempt.
   */
  claimPushes(now: string, leaseUntil: string, limit: number): Promise<PushRecord[]>;
  /**
   * Records how an attempt ended; a delivered push marks its extract fetched. With `lease`, a
   * retry, failure or cancellation counts only while that claim still holds (another node may
   * have taken the push over); a delivery always counts. Null if there is no such push.
   */
  finishPush(f: FinishPush): Promise<PushRecord | null>;
  getPush(extractId: string): Promise<PushRecord | null>;
  /** A failed push made due again from `at`, its attempts counted afresh; null unless it had failed. */
  retryPush(extractId: string, at: string, actor: string): Promise<PushRecord | null>;

  /** Stores a subscription with its audit event (`subscription.created`), in one transaction; its events begin after it. */
  createSubscription(s: NewSubscription, audit: AuditDraft): Promise<SubscriptionRecord>;
  getSubscription(id: string): Promise<SubscriptionRecord | null>;
  /** Subscriptions not deleted, oldest first; with `tokenIds`, only those made by one of these tokens. */
  listSubscriptions(filter: { tokenIds?: string[] }): Promise<SubscriptionRecord[]>;
  /** Ends a subscription (its pending messages are not sent), with its audit event; false when there was none. */
  deleteSubscription(id: string, at: string, audit: AuditDraft): Promise<boolean>;
  /**
   * Turns the audit events after the webhook cursor into messages, up to `limit` events, and
   * moves the cursor past them, in one transaction under the cursor's lock: each event is
   * routed once across nodes. `route` says which subscriptions get which message, reading
   * what it needs through the lookup it is given (within that transaction). The answer
   * is how many events were read (fewer than `limit`: none are left).
   */
  enqueueWebhooks(route: WebhookRouter, at: string, limit: number): Promise<number>;
  /**
   * Claims the next message that is due, whose subscription lives and has no message being
   * sent (claimed) now, and that no earlier pending message of the same subscription and
   * subject is waiting before (order per subject); until `leaseUntil`. Each claim counts as an
   * attempt. Null when none is due.
   */
  claimWebhook(now: string, leaseUntil: string): Promise<WebhookMessageRecord | null>;
  /** Records how an attempt ended, while the claim holds (`leaseUntil` as claimed). */
  finishWebhook(
    id: string,
    result: WebhookResult,
    at: string,
    leaseUntil: string,
  ): Promise<WebhookMessageRecord | null>;
  getWebhookMessage(id: string): Promise<WebhookMessageRecord | null>;
  /** A subscription's messages, newest first. */
  listWebhookMessages(
    subscriptionId: string,
    status: WebhookMessageStatus | undefined,
    cursor: string | null,
    limit: number,
  ): Promise<Page<WebhookMessageRecord>>;
  /** A failed (dead-lettered) message made due again, its attempts counted afresh, with `webhook.retried`; null unless it had failed. */
  retryWebhook(id: string, at: string, actor: string): Promise<WebhookMessageRecord | null>;

  /** Counts for monitoring: deliveries by dataset and status (with records and bytes), extracts by recipient and status, pushes by status. */
  statistics(): Promise<{
    deliveries: Array<{ dataset: string; status: string; count: number; records: number; bytes: number }>;
    extracts: Array<{ recipient: string; status: string; count: number }>;
    pushes: Array<{ status: string; count: number }>;
  }>;

  /**
   * Records the profile version a node starts with, and that it is in force from `at` when it
   * differs from the one last in force (with the audit event `profile.activated`). `reusedVersion` is true when the same version number
   * was seen before with other content: the profile was changed without a new version.
   */
  recordProfileVersion(
    p: { id: string; version: number; sha256: string; content: unknown },
    at: string,
  ): Promise<{ activated: boolean; reusedVersion: boolean }>;
  /** Every version of a profile that has been in force, newest first. */
  listProfileVersions(profileId: string): Promise<ProfileVersionRecord[]>;

  /**
   * Stores a run with its national summary and its municipalities' reports, and the audit event
   * `run.completed`, in one transaction. A period has at most one scheduled run, across nodes:
   * storing another stores nothing and answers null. A manual run is always stored.
   */
  createRun(r: NewRun, audit: AuditDraft[]): Promise<RunRecord | null>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Runs, newest first. */
  listRuns(filter: RunFilter, cursor: string | null, limit: number): Promise<Page<RunRecord>>;
  /** A run's national summary, as it was stored. */
  getRunSummary(id: string): Promise<RunSummary | null>;
  /** One municipality's report of a run, as it was stored; null when the run has none for it. */
  getRunReport(id: string, municipality: string): Promise<MunicipalityRunReport | null>;

  /**
   * Records the dataset version a node starts with. When it differs from the version last
   * recorded, a re-validation run `run` is queued against it (audit
   * `dataset.revalidation_requested`), in the same transaction: several nodes starting at once
   * queue one run. The first version recorded queues nothing.
   */
  recordDatasetVersion(
    d: { id: string; version: number; sha256: string },
    at: string,
    run: { id: string; requestedBy: string },
  ): Promise<{ previousVersion: number | null; run: RevalidationRun | null }>;
  /** Queues a re-validation run, with its audit event, in one transaction. */
  createRevalidation(run: NewRevalidation, audit: AuditDraft): Promise<RevalidationRun>;
  getRevalidation(id: string): Promise<RevalidationRun | null>;
  /** A dataset's runs, newest first. */
  listRevalidations(dataset: string, cursor: string | null, limit: number): Promise<Page<RevalidationRun>>;
  /**
   * Claims the oldest queued or running run whose lease has expired at `now` (a node that died
   * left it), of a dataset at a version this node's catalogue holds; one node wins. The claim
   * holds until `leaseUntil`, under the id `claim`.
   */
  claimRevalidation(
    now: string,
    leaseUntil: string,
    claim: string,
    versions: ReadonlyArray<{ dataset: string; version: number }>,
  ): Promise<RevalidationRun | null>;
  /** Extends the claim; false when another node holds the run now (or it ended). */
  renewRevalidation(id: string, claim: string, leaseUntil: string): Promise<boolean>;
  /**
   * Stores one delivery's result and renews the lease, while `claim` holds the run. A delivery
   * already checked in the run is not counted twice. False when the claim no longer holds.
   */
  recordRevalidationResult(id: string, r: RecordRevalidationResult): Promise<boolean>;
  /** Ends a run while `claim` holds it, with the audit event `dataset.revalidated`. */
  finishRevalidation(f: FinishRevalidation): Promise<RevalidationRun | null>;
  /** A run's results in delivery id order. */
  listRevalidationResults(
    runId: string,
    cursor: string | null,
    limit: number,
  ): Promise<Page<RevalidationResult>>;
  /** Per slot (dataset, municipality, period), the latest result of any run. */
  revalidationFor(q: RevalidationQuery): Promise<RevalidationResult[]>;

  appendAudit(drafts: AuditDraft[]): Promise<AuditEvent[]>;
  listAudit(filter: AuditFilter, cursor: string | null, limit: number): Promise<Page<AuditEvent>>;
  auditHead(): Promise<{ seq: number; hash: string }>;
  /** Every event oldest first, in pages: for verification and export. */
  iterateAudit(pageSize?: number): AsyncIterable<AuditEvent[]>;
  /** Keeps a signed checkpoint over the chain; false when one for its sequence number is kept already. */
  addAuditCheckpoint(c: AuditCheckpoint): Promise<boolean>;
  /** The checkpoints, oldest first. */
  listAuditCheckpoints(cursor: string | null, limit: number): Promise<Page<AuditCheckpoint>>;
  latestAuditCheckpoint(): Promise<AuditCheckpoint | null>;
}
