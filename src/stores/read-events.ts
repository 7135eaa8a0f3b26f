import type { AuditDraft } from '../audit/chain';
import type { ExtractRead, ExtractRecord } from './records';

/**
 * The audit events of one read of an extract's bytes, the same on every store: `extract.read`
 * every time (who, how many bytes, which range, from where), after `extract.fetched` on the
 * first read of an available extract.
 */
export function extractReadEvents(e: ExtractRecord, r: ExtractRead, first: boolean): AuditDraft[] {
  const what = { recipient: e.recipient, delivery: e.deliveryId, sha256: e.sha256 };
  return [
    ...(first ? [{ actor: r.actor, action: 'extract.fetched' as const, subject: e.id, details: what }] : []),
    {
      actor: r.actor,
      action: 'extract.read',
      subject: e.id,
      details: {
        ...what,
        bytes: r.bytes,
        range: r.range ? `bytes ${r.range.start}-${r.range.end}/${e.bytes}` : null,
        address: r.address,
      },
    },
  ];
}

/** The audit event of an acknowledgement found overdue, the same on every store. */
export function extractOverdueEvent(e: ExtractRecord, actor: string): AuditDraft {
  return {
    actor,
    action: 'extract.overdue',
    subject: e.id,
    details: {
      recipient: e.recipient,
      delivery: e.deliveryId,
      dataset: e.dataset,
      municipality: e.municipality,
      period: e.period,
      dueAt: e.ackDueAt,
    },
  };
}
