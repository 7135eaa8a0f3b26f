/**
 * The gateway's closed vocabularies, each written once: the statuses a delivery, an extract,
 * a push, an acknowledgement and an expected delivery can have, the roles a token can hold,
 * and the actions the audit log records. Types, zod enums, SQL checks and the dashboard are
 * made from these lists.
 */

export const DELIVERY_STATUSES = ['receiving', 'accepted', 'rejected', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const EXTRACT_STATUSES = [
  'available',
  'fetched',
  'acknowledged',
  'refused',
  'superseded',
  'purged',
] as const;
export type ExtractStatus = (typeof EXTRACT_STATUSES)[number];

export const PUSH_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type PushStatus = (typeof PUSH_STATUSES)[number];

/** What a recipient says of an extract it fetched. */
export const ACKNOWLEDGEMENT_STATUSES = ['accepted', 'refused'] as const;
export type AcknowledgementStatus = (typeof ACKNOWLEDGEMENT_STATUSES)[number];

/** How an obligated slot (dataset, municipality, period) stands (the municipalities' view). */
export const SLOT_STATUSES = ['received', 'late', 'missing', 'pending', 'rejected'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

/** A receipt is signed for a delivery that was accepted or rejected. */
export const RECEIPT_STATUSES = ['accepted', 'rejected'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** What made a monthly run: the scheduler after a deadline, or an admin asking for it. */
export const RUN_TRIGGERS = ['scheduled', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** How a re-validation run stands: waiting for a node, being worked by one, or ended. */
export const REVALIDATION_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type RevalidationStatus = (typeof REVALIDATION_STATUSES)[number];

/**
 * What re-checking one delivery's stored original found: it was read through (`checked`), its
 * original is gone (`missing`, e.g. purged), or it can no longer be read at all (`unreadable`).
 */
export const REVALIDATION_OUTCOMES = ['checked', 'missing', 'unreadable'] as const;
export type RevalidationOutcome = (typeof REVALIDATION_OUTCOMES)[number];

export const ROLES = ['source', 'recipient', 'municipality', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every action the audit log records. */
export const AUDIT_ACTIONS = [
  'delivery.accepted',
  'delivery.rejected',
  'delivery.failed',
  'extract.created',
  'extract.superseded',
  'extract.fetched',
  'extract.read',
  'extract.acknowledged',
  'extract.refused',
  'extract.overdue',
  'extract.pushed',
  'extract.push_failed',
  'extract.push_cancelled',
  'extract.push_retried',
  'profile.activated',
  'dataset.revalidation_requested',
  'dataset.revalidated',
  'receipt_key.rotated',
  'token.issued',
  'token.revoked',
  'run.completed',
  'delivery.report_read',
  'audit.exported',
  'delivery.original_purged',
  'extract.purged',
  'obligation.missing',
  'subscription.created',
  'subscription.deleted',
  'webhook.retried',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The personal data an extract holds (core/mapper.ts): in clear, as pseudonyms only, or none. */
export const PERSONAL_DATA_CATEGORIES = ['cpr', 'pseudonymised', 'none'] as const;
export type PersonalDataCategory = (typeof PERSONAL_DATA_CATEGORIES)[number];

/** The events a webhook subscription may ask for (docs/api.md, *Webhooks*). */
export const WEBHOOK_EVENTS = [
  'delivery.accepted',
  'delivery.rejected',
  'extract.available',
  'extract.acknowledged',
  'extract.refused',
  'extract.overdue',
  'obligation.missing',
  'run.completed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** How one webhook message stands: waiting (or being tried again), delivered, or given up (dead-lettered). */
export const WEBHOOK_MESSAGE_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookMessageStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];
