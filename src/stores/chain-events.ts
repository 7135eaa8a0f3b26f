import { type AuditDraft, type AuditEvent, eventHash } from '../audit/chain';

/** The events that follow the chain's head: numbered on from it, each hashed over the one before. */
export function chainEvents(
  head: { seq: number; hash: string },
  drafts: AuditDraft[],
  at: string,
): AuditEvent[] {
  let seq = head.seq;
  let prevHash = head.hash;
  return drafts.map((d) => {
    seq++;
    const base = {
      seq,
      at,
      actor: d.actor,
      action: d.action,
      subject: d.subject,
      details: d.details,
      prevHash,
    };
    const event: AuditEvent = { ...base, hash: eventHash(base) };
    prevHash = event.hash;
    return event;
  });
}
