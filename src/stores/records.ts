/** The records the metadata store keeps and the arguments of its state-changing methods. */
import type { BuiltRun } from '../core/run-report';
import type { ValidationIssue } from '../core/validator';
import type {
  AcknowledgementStatus,
  DeliveryStatus,
  ExtractStatus,
  PushStatus,
  Role,
  RunTrigger,
} from '../core/vocabulary';

export type { MunicipalityRunReport, RunRecord, RunSummary } from '../core/run-report';

export interface TokenRecord {
  id: string;
  role: Role;
  subject: string;
  recipient: string | null;
  municipalities: string[];
  datasets: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A dashboard sign-in session: found by the sha256 of its opaque id, never by the token. */
export interface SessionRecord {
  /** The stored hash of the token the session was opened with. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
}

export interface DeliveryRecord {
  id: string;
  dataset: string;
  datasetVersion: number;
  municipality: string;
  period: string;
  /**
   * The delivery's number within its slot (dataset, municipality, period, whoever sent it):
   * 1 for the first delivery received, and each one after, accepted or not, the next. Assigned
   * when the delivery is created, under the slot's lock: two deliveries never share one.
   */
  sequence: number;
  source: string;
  actor: string;
  status: DeliveryStatus;
  contentType: string;
  idempotencyKey: string | null;
  receivedAt: string;
  completedAt: string | null;
  sha256: string | null;
  bytes: number | null;
  records: { total: number; valid: number; invalid: number } | null;
  errorCount: number;
  /**
   * Rule id (`cpr`, `required`, `code`, a dataset rule's id, …) → how many issues broke it: exact,
   * also when the stored issue list is cut at the limit; `{}` when none.
   */
  errorsByRule: Record<string, number>;
  supersedes: string | null;
  supersededBy: string | null;
  receipt: string | null;
  problem: { code: string; detail: string } | null;
  /** When the original bytes were deleted under the dataset's retention; null while kept. */
  originalPurgedAt: string | null;
}

/** A deletion of bytes under a retention rule: what, when, by whom, and which rule. */
export interface Purge {
  id: string;
  at: string;
  actor: string;
  /** The rule that said so, e.g. `daycare.retention.supersededOriginalsDays = 30`. */
  rule: string;
}

/** One read of an extract's bytes (a whole GET, or one range), as the audit log records it. */
export interface ExtractRead {
  id: string;
  at: string;
  actor: string;
  /** The bytes served. */
  bytes: number;
  /** The range served (first and last byte), or null for the whole extract. */
  range: { start: number; end: number } | null;
  /** The client's address as this gateway saw it ('unknown' where the runtime cannot tell). */
  address: string;
}

export interface ExtractRecord {
  id: string;
  deliveryId: string;
  recipient: string;
  dataset: string;
  municipality: string;
  period: string;
  status: ExtractStatus;
  records: number;
  sha256: string;
  bytes: number;
  format: string;
  contentType: string;
  fileName: string;
  objectKey: string;
  profile: { id: string; version: number; sha256: string };
  /** Lawful use, pseudonym key ids and the other facts stamped on the extract. */
  metadata: Record<string, unknown>;
  /** The recipient's extract of the same slot this one corrects; null for the first. */
  replaces: string | null;
  /** The extract that corrects this one (it is then `superseded`); null while current. */
  replacedBy: string | null;
  /** 1 for the recipient's first extract of the slot, each correction the next. */
  version: number;
  createdAt: string;
  ackDueAt: string | null;
  fetchedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgement: { status: AcknowledgementStatus; reason: string | null } | null;
  /** When the acknowledgement was found overdue (`extract.overdue` raised); null until then. */
  overdueAt: string | null;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  /**
   * The private half as the signer gives it: wrapped under a key the store does not hold, or
   * `{}` for a configured key and a retired one. The store keeps it as it is.
   */
  privateJwk: Record<string, unknown>;
  createdAt: string;
  retiredAt: string | null;
}

export interface DeliveryFilter {
  dataset?: string;
  municipality?: string;
  period?: string;
  status?: DeliveryStatus;
  source?: string;
  /** Only deliveries whose municipality is one of these (a source token's scope). */
  municipalities?: string[];
  /** Only deliveries of one of these datasets (a source token's scope). */
  datasets?: string[];
}

export interface ExtractFilter {
  recipient?: string;
  status?: ExtractStatus;
  dataset?: string;
  municipality?: string;
  period?: string;
  deliveryId?: string;
  /** Only extracts no correction has replaced (true), only replaced ones (false), or both (absent). */
  current?: boolean;
  /** Newest first (a person looking for the latest); oldest first when absent (a recipient's queue). */
  newestFirst?: boolean;
}

/** Which runs a listing shows (newest first). */
export interface RunFilter {
  period?: string;
  trigger?: RunTrigger;
}

/** A run with what it stores: the national summary and one report per municipality. */
export type NewRun = BuiltRun;

export interface AuditFilter {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  subject?: string;
  /** Events whose details name this municipality (deliveries, runs, purges of originals). */
  municipality?: string;
}

export interface NewDelivery {
  id: string;
  dataset: string;
  datasetVersion: number;
  municipality: string;
  period: string;
  source: string;
  actor: string;
  contentType: string;
  idempotencyKey: string | null;
  receivedAt: string;
}

export type NewExtract = Omit<
  ExtractRecord,
  | 'status'
  | 'replaces'
  | 'replacedBy'
  | 'version'
  | 'fetchedAt'
  | 'acknowledgedAt'
  | 'acknowledgement'
  | 'overdueAt'
> & {
  /** Where the gateway pushes the extract (the profile's transport), or absent for pull. */
  push?: PushTarget | null;
};

/** A push transport as the profile said it when the extract was made (a JSON value). */
export type PushTarget = { type: 'https' | 's3' } & Record<string, unknown>;

/** One extract's push: where to, how far it got, what went wrong last. */
export interface PushRecord {
  extractId: string;
  recipient: string;
  target: PushTarget;
  status: PushStatus;
  /** Attempts begun so far. */
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  /** Where the extract landed (URL or s3://bucket/key) once delivered. */
  location: string | null;
  deliveredAt: string | null;
  createdAt: string;
  /** Until when the node that claimed it holds it. */
  claimedUntil: string | null;
}

/** How a push attempt ended. */
export type PushResult =
  | { status: 'delivered'; location: string }
  | { status: 'retry'; error: string; nextAttemptAt: string }
  | { status: 'failed'; error: string }
  | { status: 'cancelled'; reason: string };

export interface Outcome {
  sha256: string;
  bytes: number;
  records: { total: number; valid: number; invalid: number };
  completedAt: string;
  receipt: string;
}

/** What accepting a receiving delivery needs: its outcome, its extracts, who accepted it. */
export interface AcceptDelivery {
  id: string;
  outcome: Outcome;
  extracts: NewExtract[];
  actor: string;
  /** The issues of records left out (a dataset that accepts the valid records). */
  report?: { issues: ValidationIssue[]; errorCount: number; errorsByRule?: Record<string, number> };
}

/** What ending a receiving delivery as rejected or failed needs. */
export interface EndDelivery {
  id: string;
  status: 'rejected' | 'failed';
  outcome: Partial<Outcome> & { completedAt: string };
  problem: { code: string; detail: string };
  issues: ValidationIssue[];
  errorCount: number;
  /** Rule id → issues that broke it (exact); `{}` when absent. */
  errorsByRule?: Record<string, number>;
  actor: string;
}

/** A recipient's word on an extract. */
export interface AcknowledgeExtract {
  id: string;
  ack: { status: AcknowledgementStatus; reason: string | null };
  at: string;
  actor: string;
}

export type AcknowledgeResult =
  | { result: 'ok'; extract: ExtractRecord }
  | { result: 'conflict'; extract: ExtractRecord }
  | null;

/** Making a key the signing key. */
export interface RotateSigningKey {
  next: SigningKeyRecord;
  at: string;
  actor: string;
  /** Rotate only while this key is still the active one. */
  from?: string;
}

/** How a push attempt ended, as the pusher reports it. */
export interface FinishPush {
  extractId: string;
  result: PushResult;
  at: string;
  actor: string;
  /** The claim the attempt ran under: a retry, failure or cancellation counts only while it holds. */
  lease?: string;
}

export interface AcceptResult {
  delivery: DeliveryRecord;
  extracts: ExtractRecord[];
  /**
   * True when the slot's current delivery already held the same bytes: nothing was accepted,
   * the receiving delivery is gone, and `delivery` is the current one.
   */
  repeated?: boolean;
}

/** A profile version as it was in force: from when until when (null: still in force). */
export interface ProfileVersionRecord {
  profileId: string;
  version: number;
  sha256: string;
  activeFrom: string;
  activeUntil: string | null;
  content: unknown;
}

/** Which slots' facts `listSlotFacts` reads: one dataset, some periods, optionally some municipalities. */
export interface SlotFactQuery {
  dataset: string;
  periods: string[];
  /** Only these municipalities (a scope); every one when absent. */
  municipalities?: string[];
  /** Count each delivery's extracts (the consolidation report); quality does without. */
  countExtracts?: boolean;
}

/** What data quality and the consolidation report need of one accepted or rejected delivery. */
export interface SlotFactRecord {
  id: string;
  municipality: string;
  period: string;
  source: string;
  status: 'accepted' | 'rejected';
  receivedAt: string;
  records: { total: number; valid: number; invalid: number } | null;
  /** Errors per rule, exact (DeliveryRecord.errorsByRule). */
  errorsByRule: Record<string, number>;
  /** Extracts made from the delivery (every status, superseded ones too); null unless counted (`countExtracts`). */
  extracts: number | null;
}
