import type { AuditDraft } from '../audit/chain';
import type { AcceptDelivery, DeliveryRecord } from './records';

/**
 * What the audit log records when a delivery is accepted, written once for every store: the
 * acceptance, each extract made, and each extract of the superseded delivery it replaces.
 */
export function acceptanceEvents(
  a: AcceptDelivery,
  current: DeliveryRecord,
  supersedes: string | null,
  /** The superseded delivery's current extracts, by recipient. */
  replaced: ReadonlyMap<string, string>,
): AuditDraft[] {
  const { id, outcome, actor } = a;
  return [
    {
      actor,
      action: 'delivery.accepted',
      subject: id,
      details: {
        dataset: current.dataset,
        municipality: current.municipality,
        period: current.period,
        source: current.source,
        sha256: outcome.sha256,
        bytes: outcome.bytes,
        records: outcome.records,
        supersedes,
      },
    },
    ...a.extracts.map(
      (e): AuditDraft => ({
        actor,
        action: 'extract.created',
        subject: e.id,
        details: {
          delivery: id,
          recipient: e.recipient,
          profile: e.profile,
          records: e.records,
          sha256: e.sha256,
          bytes: e.bytes,
          replaces: replaced.get(e.recipient) ?? null,
        },
      }),
    ),
    ...[...replaced].map(
      ([recipient, old]): AuditDraft => ({
        actor,
        action: 'extract.superseded',
        subject: old,
        details: { recipient, by: id },
      }),
    ),
  ];
}
