/**
 * Which audit events become which webhook events, and who may hear of them: one table for the
 * dispatcher, the subscription route and the docs.
 */
import type { AuditAction, Role, WebhookEvent } from './vocabulary';
import { WEBHOOK_EVENTS } from './vocabulary';

/** The audit action each webhook event is made from. */
export const WEBHOOK_EVENT_OF: Partial<Record<AuditAction, WebhookEvent>> = {
  'delivery.accepted': 'delivery.accepted',
  'delivery.rejected': 'delivery.rejected',
  'extract.created': 'extract.available',
  'extract.acknowledged': 'extract.acknowledged',
  'extract.refused': 'extract.refused',
  'extract.overdue': 'extract.overdue',
  'obligation.missing': 'obligation.missing',
  'run.completed': 'run.completed',
};

/** The roles that may subscribe, and the events each may ask for. */
export const WEBHOOK_EVENTS_BY_ROLE: Partial<Record<Role, readonly WebhookEvent[]>> = {
  admin: WEBHOOK_EVENTS,
  source: WEBHOOK_EVENTS,
  recipient: [
    'extract.available',
    'extract.acknowledged',
    'extract.refused',
    'extract.overdue',
    'run.completed',
  ],
};

/** What an event is about, as far as who may hear of it goes. */
export interface EventFacts {
  type: WebhookEvent;
  dataset?: string;
  municipality?: string;
  /** The source that sent the delivery it is about. */
  source?: string;
  /** The recipient of the extract it is about. */
  recipient?: string;
}

/** The scope a subscription was made with (its token's). */
export interface SubscriberScope {
  role: Role;
  subject: string;
  recipient: string | null;
  municipalities: readonly string[];
  datasets: readonly string[];
  events: readonly WebhookEvent[];
}

const within = (list: readonly string[], v: string | undefined) =>
  list.includes('*') || (v !== undefined && list.includes(v));

/**
 * Whether a subscriber hears of an event: it asked for it, and its token could read what the
 * event is about (an admin everything; a recipient its own extracts and the runs; a source the
 * deliveries it sent and their extracts, and the obligations and runs of its municipalities and
 * datasets).
 */
export function hears(s: SubscriberScope, e: EventFacts): boolean {
  if (!s.events.includes(e.type) || !WEBHOOK_EVENTS_BY_ROLE[s.role]?.includes(e.type)) return false;
  if (s.role === 'admin' || e.type === 'run.completed') return true;
  if (s.role === 'recipient') return e.recipient !== undefined && e.recipient === s.recipient;
  if (s.role !== 'source') return false;
  const inScope = within(s.municipalities, e.municipality) && within(s.datasets, e.dataset);
  return inScope && (e.type === 'obligation.missing' || e.source === s.subject);
}
