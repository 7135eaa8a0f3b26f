/**
 * The facts about corrections and acknowledgements that every view shows, written once:
 * whether an acknowledgement is overdue, and whether a delivery was accepted in part.
 */

/** The statuses in which a recipient still owes its word on an extract. */
const AWAITING_WORD = new Set(['available', 'fetched']);

/** An acknowledgement is due, was not given, and its time passed before `now`. */
export function isOverdue(
  e: { status: string; ackDueAt: string | null; acknowledgement: unknown },
  now: Date,
): boolean {
  return (
    e.ackDueAt !== null &&
    e.acknowledgement === null &&
    AWAITING_WORD.has(e.status) &&
    Date.parse(e.ackDueAt) < now.getTime()
  );
}

/** Accepted with invalid records left out of its extracts (a dataset that accepts the valid ones). */
export function isPartial(d: { status: string; records: { invalid: number } | null }): boolean {
  return d.status === 'accepted' && (d.records?.invalid ?? 0) > 0;
}
