import type { AuditDraft } from '../audit/chain';
import type { WebhookMessageRecord } from './webhook-records';

/** The audit event of a dead-lettered webhook message sent again on an admin's word, the same on every store. */
export function webhookRetriedEvent(m: WebhookMessageRecord, actor: string): AuditDraft {
  return {
    actor,
    action: 'webhook.retried',
    subject: m.id,
    details: { subscription: m.subscriptionId, event: m.event, about: m.subject },
  };
}
