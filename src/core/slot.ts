/**
 * The supersede rule. A slot is one dataset, municipality and period, whoever sends it: every
 * source authorised for that municipality and dataset delivers into the same slot, and it holds
 * at most one current accepted delivery. A delivery that is accepted for the slot either is the
 * first, supersedes the current one (a correction, whichever source sent either), or repeats
 * it: the same bytes read as the same content type (the same bytes read in another charset are
 * other values) are not accepted again, also from another source, and the answer is the current
 * delivery.
 */

/** The three facts that name a slot. */
export interface SlotKey {
  dataset: string;
  municipality: string;
  period: string;
}

/** The key the stores lock a slot by (an advisory lock over its hash). */
export function slotLockKey(s: SlotKey): string {
  return `slot|${s.dataset}|${s.municipality}|${s.period}`;
}

/** What the rule needs to know of the slot's current accepted delivery. */
export interface SlotHolder {
  id: string;
  sha256: string | null;
  contentType: string;
}

/** What the rule needs to know of the delivery coming in. */
export interface SlotCandidate {
  sha256: string;
  contentType: string;
}

export type SlotDecision =
  | { kind: 'first' }
  | { kind: 'supersedes'; id: string }
  | { kind: 'repeats'; id: string };

/** Decides what accepting `incoming` does to a slot whose current accepted delivery is `current`. */
export function decideSlot(current: SlotHolder | null, incoming: SlotCandidate): SlotDecision {
  if (!current) return { kind: 'first' };
  if (current.sha256 === incoming.sha256 && current.contentType === incoming.contentType)
    return { kind: 'repeats', id: current.id };
  return { kind: 'supersedes', id: current.id };
}
