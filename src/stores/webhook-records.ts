/** The records of webhook subscriptions and the messages on their way (metadata-store.ts). */

import type { AuditEvent } from '../audit/chain';
import type { Role, WebhookEvent, WebhookMessageStatus } from '../core/vocabulary';
import type { DeliveryRecord, ExtractRecord, TokenRecord } from './records';

/**
 * A webhook subscription: where to, which events, and the scope of the token that made it
 * (copied when it was made; the subscription ends with that token). The signing secret is kept
 * sealed under a key the store does not hold.
 */
export interface SubscriptionRecord {
  id: string;
  /** The token that made it: its events stop when that token is revoked or expires. */
  tokenId: string;
  role: Role;
  subject: string;
  recipient: string | null;
  municipalities: string[];
  datasets: string[];
  url: string;
  events: WebhookEvent[];
  /** The signing secret, sealed (AES-256-GCM under a key derived from the token key). */
  sealedSecret: string;
  /** Events after this audit sequence number are its own (the one that created it). */
  fromSeq: number;
  createdAt: string;
  deletedAt: string | null;
}

export type NewSubscription = Omit<SubscriptionRecord, 'fromSeq' | 'deletedAt'>;

/** One event on its way to one subscription: signed and sent until delivered or given up. */
export interface WebhookMessageRecord {
  /** `msg_…`: the `webhook-id`, the same on every attempt, so a receiver can drop repeats. */
  id: string;
  subscriptionId: string;
  /** The audit event it tells of: messages of one subject go out in this order. */
  seq: number;
  event: WebhookEvent;
  /** What the event is about (a delivery, an extract, a slot, a run): order is kept per subject. */
  subject: string;
  /** The body sent: `{type, timestamp, data}`. */
  payload: Record<string, unknown>;
  status: WebhookMessageStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  claimedUntil: string | null;
}

export type NewWebhookMessage = Pick<
  WebhookMessageRecord,
  'id' | 'subscriptionId' | 'seq' | 'event' | 'subject' | 'payload'
>;

/** How one webhook attempt ended. */
export type WebhookResult =
  | { status: 'delivered' }
  | { status: 'retry'; error: string; nextAttemptAt: string }
  | { status: 'failed'; error: string };

/**
 * What routing events to subscriptions may read, within the enqueue's own transaction (the
 * embedded database has one connection: a read beside the transaction would wait for it).
 */
export interface WebhookLookup {
  getDelivery(id: string): Promise<DeliveryRecord | null>;
  getExtract(id: string): Promise<ExtractRecord | null>;
  getToken(id: string): Promise<TokenRecord | null>;
}

/** Routes a batch of audit events to the subscriptions that hear of them. */
export type WebhookRouter = (
  events: AuditEvent[],
  subscriptions: SubscriptionRecord[],
  lookup: WebhookLookup,
) => Promise<NewWebhookMessage[]>;
