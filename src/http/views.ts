import { z } from '@hono/zod-openapi';
import { personalDataOf } from '../core/lawful-use';
import { ACKNOWLEDGEMENT_STATUSES, DELIVERY_STATUSES, PUSH_STATUSES } from '../core/vocabulary';
import type { DeliveryRecord, ExtractRecord, PushRecord } from '../stores/metadata-store';
import { isCursor } from '../stores/paging';

export const ExtractSummary = z
  .object({
    id: z.string(),
    recipient: z.string(),
    status: z.string(),
    records: z.number(),
    sha256: z.string(),
    bytes: z.number(),
    format: z.string(),
    profile: z.object({ id: z.string(), version: z.number(), sha256: z.string() }),
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
    replaces: z.string().nullable(),
    createdAt: z.string(),
    fetchedAt: z.string().nullable(),
    acknowledgement: z
      .object({
        status: z.enum(ACKNOWLEDGEMENT_STATUSES),
        reason: z.string().nullable(),
        at: z.string().nullable(),
      })
      .nullable(),
    acknowledgementDueAt: z.string().nullable(),
    content: z.string(),
    push: PushView.nullable()
      .optional()
      .openapi({ description: 'For an extract the gateway pushes (HTTPS or S3): how far the push got' }),
  })
  .openapi('Extract');

export function extractSummary(e: ExtractRecord): z.infer<typeof ExtractSummary> {
  return {
    id: e.id,
    recipient: e.recipient,
    status: e.status,
    records: e.records,
    sha256: e.sha256,
    bytes: e.bytes,
    format: e.format,
    profile: e.profile,
  };
}

export function deliveryView(d: DeliveryRecord, extracts: ExtractRecord[]): z.infer<typeof DeliveryView> {
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
    originalPurgedAt: d.originalPurgedAt,
    problem: d.problem,
    extracts: extracts.map(extractSummary),
    receipt: d.receipt,
    report: `/v1/deliveries/${d.id}/report`,
  };
}

export function extractView(e: ExtractRecord, push?: PushRecord | null): z.infer<typeof ExtractView> {
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
    replaces: e.replaces,
    createdAt: e.createdAt,
    fetchedAt: e.fetchedAt,
    acknowledgement: e.acknowledgement ? { ...e.acknowledgement, at: e.acknowledgedAt } : null,
    acknowledgementDueAt: e.ackDueAt,
    content: `/v1/extracts/${e.id}/content`,
    ...(push === undefined ? {} : { push: push ? pushView(push) : null }),
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
