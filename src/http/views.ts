import { z } from '@hono/zod-openapi';
import { personalDataOf } from '../core/lawful-use';
import { isOverdue, isPartial } from '../core/lineage';
import { ACKNOWLEDGEMENT_STATUSES, DELIVERY_STATUSES, PUSH_STATUSES } from '../core/vocabulary';
import type { DeliveryRecord, ExtractRecord, PushRecord } from '../stores/metadata-store';
import { isCursor } from '../stores/paging';

/** A recipient's word on an extract, with when it was given. */
export const AcknowledgementView = z
  .object({
    status: z.enum(ACKNOWLEDGEMENT_STATUSES),
    reason: z.string().nullable().openapi({ description: 'Why it was refused; null when accepted' }),
    at: z.string().nullable(),
  })
  .openapi('Acknowledgement');

/** Where an extract stands among the corrections of its slot, for its recipient. */
const lineageFields = {
  version: z.number().int().min(1).openapi({
    description: "1 for the recipient's first extract of the slot; each correction the next",
  }),
  replaces: z.string().nullable().openapi({ description: 'The extract this one corrects' }),
  replacedBy: z
    .string()
    .nullable()
    .openapi({ description: 'The extract that corrects this one; null while this one is current' }),
};

export const ExtractSummary = z
  .object({
    id: z.string(),
    recipient: z.string(),
    status: z.string(),
    records: z.number(),
    sha256: z.string(),
    bytes: z.number(),
    format: z.string(),
    fileName: z.string(),
    profile: z.object({ id: z.string(), version: z.number(), sha256: z.string() }),
    ...lineageFields,
    acknowledgement: AcknowledgementView.nullable(),
    acknowledgementDueAt: z.string().nullable(),
    overdue: z.boolean().openapi({
      description: 'An acknowledgement is due, was not given, and its time has passed',
    }),
  })
  .openapi('ExtractSummary');

export const DeliveryView = z
  .object({
    id: z.string().openapi({ example: 'dlv_01JBX7Z4Q0M3T6W9C2H5K8N1PR' }),
    dataset: z.string(),
    municipality: z.string(),
    period: z.string(),
    sequence: z.number().int().min(1).openapi({
      description:
        "The delivery's number within its slot (dataset, municipality, period, whoever sent it): 1 for the first delivery received, each later one (a correction, or an attempt that was rejected) the next",
      example: 2,
    }),
    source: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    receivedAt: z.string(),
    completedAt: z.string().nullable(),
    sha256: z.string().nullable(),
    bytes: z.number().nullable(),
    records: z.object({ total: z.number(), valid: z.number(), invalid: z.number() }).nullable(),
    errorCount: z.number(),
    errorsByRule: z.record(z.string(), z.number().int().min(1)).openapi({
      description:
        'Rule id → how many issues broke it: exact, also when the stored report is cut at its limit; {} when there were none',
      example: { cpr: 3, required: 1 },
    }),
    supersedes: z.string().nullable(),
    supersededBy: z.string().nullable(),
    partial: z.boolean().openapi({
      description: 'Accepted with invalid records left out of its extracts (records.invalid of them)',
    }),
    originalPurgedAt: z.string().nullable().openapi({
      description: "When the original's bytes were deleted under the dataset's retention; null while kept",
    }),
    problem: z.object({ code: z.string(), detail: z.string() }).nullable(),
    extracts: z.array(ExtractSummary),
    receipt: z
      .string()
      .nullable()
      .openapi({ description: 'JWS (EdDSA) signed by the gateway; verify against /.well-known/jwks.json' }),
    report: z.string(),
  })
  .openapi('Delivery');

export const PushView = z
  .object({
    transport: z.enum(['https', 's3']),
    status: z.enum(PUSH_STATUSES),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    location: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('Push');

export function pushView(p: PushRecord): z.infer<typeof PushView> {
  return {
    transport: p.target.type,
    status: p.status,
    attempts: p.attempts,
    nextAttemptAt: p.status === 'pending' ? p.nextAttemptAt : null,
    lastError: p.lastError,
    location: p.location,
    deliveredAt: p.deliveredAt,
  };
}

export const ExtractView = z
  .object({
    id: z.string(),
    delivery: z.string(),
    recipient: z.string(),
    dataset: z.string(),
    municipality: z.string(),
    period: z.string(),
    status: z.string(),
    records: z.number(),
    sha256: z.string(),
    bytes: z.number(),
    format: z.string(),
    contentType: z.string(),
    fileName: z.string(),
    profile: z.object({ id: z.string(), version: z.number(), sha256: z.string() }),
    lawfulUse: z.object({ legalBasis: z.string(), purpose: z.string() }).nullable(),
    metadata: z.record(z.string(), z.unknown()),
    ...lineageFields,
    partial: z.boolean().openapi({
      description: 'Made from a delivery accepted with invalid records left out',
    }),
    createdAt: z.string(),
    fetchedAt: z.string().nullable(),
    acknowledgement: AcknowledgementView.nullable(),
    acknowledgementDueAt: z.string().nullable(),
    overdue: z.boolean().openapi({
      description: 'An acknowledgement is due, was not given, and its time has passed',
    }),
    content: z.string(),
    push: PushView.nullable()
      .optional()
      .openapi({ description: 'For an extract the gateway pushes (HTTPS or S3): how far the push got' }),
    receipt: z.string().nullable().optional().openapi({
      description:
        "The signed receipt of the delivery it was made from (GET /v1/extracts/{id} only): it names this extract's id and sha256",
    }),
  })
  .openapi('Extract');

export function extractSummary(e: ExtractRecord, now: Date): z.infer<typeof ExtractSummary> {
  return {
    id: e.id,
    recipient: e.recipient,
    status: e.status,
    records: e.records,
    sha256: e.sha256,
    bytes: e.bytes,
    format: e.format,
    fileName: e.fileName,
    profile: e.profile,
    version: e.version,
    replaces: e.replaces,
    replacedBy: e.replacedBy,
    acknowledgement: acknowledgementOf(e),
    acknowledgementDueAt: e.ackDueAt,
    overdue: isOverdue(e, now),
  };
}

function acknowledgementOf(e: ExtractRecord): z.infer<typeof AcknowledgementView> | null {
  return e.acknowledgement ? { ...e.acknowledgement, at: e.acknowledgedAt } : null;
}

export function deliveryView(
  d: DeliveryRecord,
  extracts: ExtractRecord[],
  now: Date,
): z.infer<typeof DeliveryView> {
  return {
    id: d.id,
    dataset: d.dataset,
    municipality: d.municipality,
    period: d.period,
    sequence: d.sequence,
    source: d.source,
    status: d.status,
    receivedAt: d.receivedAt,
    completedAt: d.completedAt,
    sha256: d.sha256,
    bytes: d.bytes,
    records: d.records,
    errorCount: d.errorCount,
    errorsByRule: d.errorsByRule,
    supersedes: d.supersedes,
    supersededBy: d.supersededBy,
    partial: isPartial(d),
    originalPurgedAt: d.originalPurgedAt,
    problem: d.problem,
    extracts: extracts.map((e) => extractSummary(e, now)),
    receipt: d.receipt,
    report: `/v1/deliveries/${d.id}/report`,
  };
}

export function extractView(
  e: ExtractRecord,
  now: Date,
  push?: PushRecord | null,
  receipt?: string | null,
): z.infer<typeof ExtractView> {
  const { lawfulUse, ...metadata } = e.metadata as { lawfulUse?: { legalBasis: string; purpose: string } };
  return {
    id: e.id,
    delivery: e.deliveryId,
    recipient: e.recipient,
    dataset: e.dataset,
    municipality: e.municipality,
    period: e.period,
    status: e.status,
    records: e.records,
    sha256: e.sha256,
    bytes: e.bytes,
    format: e.format,
    contentType: e.contentType,
    fileName: e.fileName,
    profile: e.profile,
    lawfulUse: lawfulUse ?? null,
    // What personal data it holds, also for an extract made before categories were recorded.
    metadata: { ...metadata, ...personalDataOf(e.metadata) },
    version: e.version,
    replaces: e.replaces,
    replacedBy: e.replacedBy,
    partial: e.metadata.partial === true,
    createdAt: e.createdAt,
    fetchedAt: e.fetchedAt,
    acknowledgement: acknowledgementOf(e),
    acknowledgementDueAt: e.ackDueAt,
    overdue: isOverdue(e, now),
    content: `/v1/extracts/${e.id}/content`,
    ...(push === undefined ? {} : { push: push ? pushView(push) : null }),
    ...(receipt === undefined ? {} : { receipt }),
  };
}

const cursorOf = (kind: 'id' | 'seq') =>
  z
    .string()
    .max(200)
    .refine((c) => isCursor(kind, c), {
      message: 'not a cursor this list gave; use the `next` of the page before',
    })
    .optional();

const limit = z.coerce.number().int().min(1).max(500).default(50);

/** Paging for lists ordered by id. */
export const PageQuery = { cursor: cursorOf('id'), limit };
/** Paging for lists ordered by sequence number (the audit log). */
export const SeqPageQuery = { cursor: cursorOf('seq'), limit };

const binary = { schema: z.string().openapi({ format: 'binary' }) };

/** A delivery as a request body: the formats the gateway reads. */
export const deliveryBody = {
  required: true,
  content: { 'application/xml': binary, 'text/csv': binary, 'application/x-ndjson': binary },
};
