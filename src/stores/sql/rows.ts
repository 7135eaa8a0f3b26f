import type { AuditEvent } from '../../audit/chain';
import type { ValidationIssue } from '../../core/validator';
import {
  ACKNOWLEDGEMENT_STATUSES,
  DELIVERY_STATUSES,
  EXTRACT_STATUSES,
  PUSH_STATUSES,
  ROLES,
  RUN_TRIGGERS,
} from '../../core/vocabulary';
import type {
  DeliveryRecord,
  ExtractRecord,
  MunicipalityRunReport,
  PushRecord,
  PushTarget,
  RunRecord,
  RunSummary,
  SessionRecord,
  SigningKeyRecord,
  TokenRecord,
} from '../metadata-store';
import { columns, RowShapeError, type SqlRow } from './columns';

/** Row readers: one per table, each checks every column it reads (see columns.ts). */

export function readToken(row: SqlRow): TokenRecord {
  const c = columns('tokens', row);
  return {
    id: c.text('id'),
    role: c.oneOf('role', ROLES),
    subject: c.text('subject'),
    recipient: c.optText('recipient'),
    municipalities: c.textList('municipalities'),
    datasets: c.textList('datasets'),
    createdAt: c.timestamp('created_at'),
    expiresAt: c.optTimestamp('expires_at'),
    revokedAt: c.optTimestamp('revoked_at'),
    lastUsedAt: c.optTimestamp('last_used_at'),
  };
}

export function readSession(row: SqlRow): SessionRecord {
  const c = columns('sessions', row);
  return {
    tokenHash: c.text('token_hash'),
    createdAt: c.timestamp('created_at'),
    expiresAt: c.timestamp('expires_at'),
  };
}

export function readSigningKey(row: SqlRow): SigningKeyRecord {
  const c = columns('signing_keys', row);
  return {
    kid: c.text('kid'),
    alg: c.text('alg'),
    publicJwk: c.object('public_jwk'),
    privateJwk: c.object('private_jwk'),
    createdAt: c.timestamp('created_at'),
    retiredAt: c.optTimestamp('retired_at'),
  };
}

function readProblem(row: SqlRow): DeliveryRecord['problem'] {
  const c = columns('deliveries', row);
  const problem = c.optObject('problem');
  if (problem === null) return null;
  const { code, detail } = problem;
  if (typeof code !== 'string' || typeof detail !== 'string')
    throw new RowShapeError('deliveries', 'problem', 'a code and a detail', problem);
  return { code, detail };
}

/** Rule id → count: each count a whole number of at least 1. */
export function readErrorsByRule(row: SqlRow): Record<string, number> {
  const counts = columns('deliveries', row).object('errors_by_rule');
  const out: Record<string, number> = {};
  for (const [rule, n] of Object.entries(counts)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
      throw new RowShapeError('deliveries', 'errors_by_rule', 'a count of at least 1 per rule', n);
    out[rule] = n;
  }
  return out;
}

export function readDelivery(row: SqlRow): DeliveryRecord {
  const c = columns('deliveries', row);
  const total = c.optInteger('records_total');
  return {
    id: c.text('id'),
    dataset: c.text('dataset'),
    datasetVersion: c.integer('dataset_version'),
    municipality: c.text('municipality'),
    period: c.text('period'),
    sequence: c.integer('slot_seq'),
    source: c.text('source'),
    actor: c.text('actor'),
    status: c.oneOf('status', DELIVERY_STATUSES),
    contentType: c.text('content_type'),
    idempotencyKey: c.optText('idempotency_key'),
    receivedAt: c.timestamp('received_at'),
    completedAt: c.optTimestamp('completed_at'),
    sha256: c.optText('sha256'),
    bytes: c.optInteger('bytes'),
    records:
      total === null
        ? null
        : { total, valid: c.optInteger('records_valid') ?? 0, invalid: c.optInteger('records_invalid') ?? 0 },
    errorCount: c.integer('error_count'),
    errorsByRule: readErrorsByRule(row),
    supersedes: c.optText('supersedes'),
    supersededBy: c.optText('superseded_by'),
    receipt: c.optText('receipt'),
    problem: readProblem(row),
    originalPurgedAt: c.optTimestamp('original_purged_at'),
  };
}

export function readExtract(row: SqlRow): ExtractRecord {
  const c = columns('extracts', row);
  const ackStatus = c.optText('ack_status') === null ? null : c.oneOf('ack_status', ACKNOWLEDGEMENT_STATUSES);
  return {
    id: c.text('id'),
    deliveryId: c.text('delivery_id'),
    recipient: c.text('recipient'),
    dataset: c.text('dataset'),
    municipality: c.text('municipality'),
    period: c.text('period'),
    status: c.oneOf('status', EXTRACT_STATUSES),
    records: c.integer('records'),
    sha256: c.text('sha256'),
    bytes: c.integer('bytes'),
    format: c.text('format'),
    contentType: c.text('content_type'),
    fileName: c.text('file_name'),
    objectKey: c.text('object_key'),
    profile: {
      id: c.text('profile_id'),
      version: c.integer('profile_version'),
      sha256: c.text('profile_sha256'),
    },
    metadata: c.object('metadata'),
    replaces: c.optText('replaces'),
    replacedBy: c.optText('replaced_by'),
    version: c.integer('version'),
    createdAt: c.timestamp('created_at'),
    ackDueAt: c.optTimestamp('ack_due_at'),
    fetchedAt: c.optTimestamp('fetched_at'),
    acknowledgedAt: c.optTimestamp('acknowledged_at'),
    acknowledgement: ackStatus ? { status: ackStatus, reason: c.optText('ack_reason') } : null,
    overdueAt: c.optTimestamp('overdue_at'),
  };
}

function readPushTarget(row: SqlRow): PushTarget {
  const target = columns('pushes', row).object('target');
  const type = target.type;
  if (type !== 'https' && type !== 's3')
    throw new RowShapeError('pushes', 'target', 'a target of type https or s3', target);
  return { ...target, type };
}

export function readPush(row: SqlRow): PushRecord {
  const c = columns('pushes', row);
  return {
    extractId: c.text('extract_id'),
    recipient: c.text('recipient'),
    target: readPushTarget(row),
    status: c.oneOf('status', PUSH_STATUSES),
    attempts: c.integer('attempts'),
    nextAttemptAt: c.timestamp('next_attempt_at'),
    lastError: c.optText('last_error'),
    location: c.optText('location'),
    deliveredAt: c.optTimestamp('delivered_at'),
    createdAt: c.timestamp('created_at'),
    claimedUntil: c.optTimestamp('claimed_until'),
  };
}

/** An issue row with its place in the delivery's list (for paging). */
export function readIssue(row: SqlRow): { seq: number; issue: ValidationIssue } {
  const c = columns('delivery_issues', row);
  const line = c.optInteger('line');
  const field = c.optText('field');
  return {
    seq: c.integer('seq'),
    issue: {
      record: c.optInteger('record') ?? 0,
      ...(line !== null ? { line } : {}),
      ...(field !== null ? { field } : {}),
      rule: c.text('rule'),
      message: c.text('message'),
    },
  };
}

export function readAuditEvent(row: SqlRow): AuditEvent {
  const c = columns('audit_events', row);
  return {
    seq: c.integer('seq'),
    at: c.timestamp('at'),
    actor: c.text('actor'),
    action: c.text('action'),
    subject: c.text('subject'),
    details: c.object('details'),
    prevHash: c.text('prev_hash'),
    hash: c.text('hash'),
  };
}

export function readRun(row: SqlRow): RunRecord {
  const c = columns('runs', row);
  return {
    id: c.text('id'),
    period: c.text('period'),
    trigger: c.oneOf('trigger', RUN_TRIGGERS),
    ranAt: c.timestamp('ran_at'),
    actor: c.text('actor'),
    municipalities: c.integer('municipalities'),
    counts: {
      slots: c.integer('slots'),
      received: c.integer('received'),
      late: c.integer('late'),
      missing: c.integer('missing'),
      pending: c.integer('pending'),
      rejected: c.integer('rejected'),
      anomalies: c.integer('anomalies'),
    },
  };
}

/** Whether a stored document has the members every run document has, and its list. */
function isRunDocument<T>(
  doc: Record<string, unknown>,
  list: 'municipalities' | 'datasets',
): doc is Record<string, unknown> & T {
  const { run, period, ranAt, counts } = doc;
  return (
    typeof run === 'string' &&
    typeof period === 'string' &&
    typeof ranAt === 'string' &&
    typeof counts === 'object' &&
    counts !== null &&
    Array.isArray(doc[list])
  );
}

/** A run's national summary, as the JSON text it was stored as. */
export function readRunSummary(row: SqlRow): RunSummary {
  const doc = columns('runs', row).object('summary');
  if (!isRunDocument<RunSummary>(doc, 'municipalities'))
    throw new RowShapeError('runs', 'summary', 'a run summary', doc);
  return doc;
}

/** A municipality's report of a run, as the JSON text it was stored as. */
export function readRunReport(row: SqlRow): MunicipalityRunReport {
  const doc = columns('run_reports', row).object('report');
  if (!isRunDocument<MunicipalityRunReport>(doc, 'datasets'))
    throw new RowShapeError('run_reports', 'report', 'a municipality run report', doc);
  return doc;
}
