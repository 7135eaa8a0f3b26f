/**
 * The supersede rule. A slot is one dataset, municipality, period and source; it holds at most
 * one current accepted delivery. A delivery that is accepted for the slot either is the first,
 * supersedes the current one (a correction), or repeats it: the same bytes read as the same
 * content type (the same bytes read in another charset are other values) are not accepted
 * again, and the answer is the current delivery.
 */

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
