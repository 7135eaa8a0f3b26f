import type { AuditDraft } from '../audit/chain';
import type { DeliveryRecord, ExtractRecord, Purge } from './records';

/** The audit event of a delivery's original deleted under retention: what it was, and the rule. */
export function originalPurgedEvent(d: DeliveryRecord, p: Purge): AuditDraft {
  return {
    actor: p.actor,
    action: 'delivery.original_purged',
    subject: d.id,
    details: {
      dataset: d.dataset,
      municipality: d.municipality,
      period: d.period,
      sha256: d.sha256,
      bytes: d.bytes,
      rule: p.rule,
    },
  };
}

/** The audit event of an extract's bytes deleted under retention. */
export function extractPurgedEvent(e: ExtractRecord, p: Purge): AuditDraft {
  return {
    actor: p.actor,
    action: 'extract.purged',
    subject: e.id,
    details: {
      recipient: e.recipient,
      delivery: e.deliveryId,
      sha256: e.sha256,
      bytes: e.bytes,
      rule: p.rule,
    },
  };
}
