import type { AuditDraft } from '../audit/chain';
import type { Replaced } from './lineage';
import type { AcceptDelivery, DeliveryRecord, EndDelivery } from './records';

/**
 * What the audit log records when a delivery is accepted, written once for every store: the
 * acceptance, each extract made, and each extract of the superseded delivery it replaces.
 */
export function acceptanceEvents(
  a: AcceptDelivery,
  current: DeliveryRecord,
  supersedes: string | null,
  /** The superseded delivery's current extracts, by recipient. */
  replaced: ReadonlyMap<string, Replaced>,
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
          replaces: replaced.get(e.recipient)?.id ?? null,
        },
      }),
    ),
    ...[...replaced].map(
      ([recipient, old]): AuditDraft => ({
        actor,
        action: 'extract.superseded',
        subject: old.id,
        details: {
          recipient,
          by: id,
          replacedBy: a.extracts.find((e) => e.recipient === recipient)?.id ?? null,
        },
      }),
    ),
  ];
}

/** What the audit log records when a receiving delivery ends rejected or failed: its issues counted by rule. */
export function endingEvent(e: EndDelivery, d: DeliveryRecord): AuditDraft {
  const byRule: Record<string, number> = {};
  for (const i of e.issues) byRule[i.rule] = (byRule[i.rule] ?? 0) + 1;
  return {
    actor: e.actor,
    action: `delivery.${e.status}`,
    subject: e.id,
    details: {
      dataset: d.dataset,
      municipality: d.municipality,
      period: d.period,
      source: d.source,
      problem: e.problem.code,
      errorCount: e.errorCount,
      rules: byRule,
      sha256: d.sha256,
      bytes: d.bytes,
    },
  };
}
