/**
 * How one obligated slot (dataset, municipality, period) stands: received, late, missing,
 * pending or rejected, with its record counts against the period before. Pure: computed from
 * the obligation's deadline and the slot's deliveries alone (whoever sent them), never from
 * tokens. The caller passes the facts and today's Danish date.
 */

import { danishDate } from './holidays';
import { isAnomaly, relativeChange } from './quality';
import type { DeliveryStatus, SlotStatus } from './vocabulary';

export type { SlotStatus };

/** What the status needs of one delivery (an attempt at a slot). */
export interface DeliveryFact {
  id: string;
  status: DeliveryStatus;
  receivedAt: string;
  supersededBy: string | null;
  /** Valid records, once read; null while receiving or for a delivery that could not be read. */
  validRecords: number | null;
  /** Errors per rule (field or rule id → count) the validation found. */
  errorsByRule: Record<string, number>;
}

export interface SlotFacts {
  dataset: string;
  municipality: string;
  period: string;
  /** The last day on time, YYYY-MM-DD (Danish date). */
  deadline: string;
  /** Today in Denmark, YYYY-MM-DD. */
  today: string;
  /** Every attempt at this slot. */
  attempts: readonly DeliveryFact[];
  /** Every attempt at the same municipality's slot of the period before. */
  previous: readonly DeliveryFact[];
  /** |change| above this is an anomaly. */
  anomalyBand: number;
}

export interface SlotState {
  dataset: string;
  municipality: string;
  period: string;
  deadline: string;
  status: SlotStatus;
  /** The slot's current accepted delivery. */
  delivery: string | null;
  /** When the current delivery was received. */
  receivedAt: string | null;
  attempts: number;
  /** Attempts the validation rejected (as GET /v1/quality counts them); a failed upload is an attempt only. */
  rejectedAttempts: number;
  records: number | null;
  previousRecords: number | null;
  /** (records − previousRecords) / previousRecords; null without both or when previousRecords is 0. */
  change: number | null;
  anomaly: boolean;
  /** Of the latest finished attempt. */
  errorsByRule: Record<string, number>;
}

const byReceived = (a: DeliveryFact, b: DeliveryFact) =>
  a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.id < b.id ? -1 : 1;

/** The accepted delivery in force: the latest accepted one nothing superseded. */
export function currentDelivery(attempts: readonly DeliveryFact[]): DeliveryFact | undefined {
  const accepted = attempts.filter((d) => d.status === 'accepted').sort(byReceived);
  return accepted.filter((d) => d.supersededBy === null).at(-1) ?? accepted.at(-1);
}

/**
 * - received: the first accepted delivery arrived on or before the deadline (Danish date);
 * - late: the first accepted delivery arrived after it;
 * - rejected: nothing accepted, and the latest finished attempt was rejected or failed —
 *   before and after the deadline alike (the municipality tried; what failed is the news);
 * - missing: nothing accepted or rejected, and the deadline has passed;
 * - pending: nothing accepted or rejected, and the deadline has not passed.
 */
export function slotState(f: SlotFacts): SlotState {
  const attempts = [...f.attempts].sort(byReceived);
  const first = attempts.find((d) => d.status === 'accepted');
  const current = currentDelivery(attempts);
  const finished = attempts.filter((d) => d.status !== 'receiving');
  const latest = finished.at(-1);
  let status: SlotStatus;
  if (first) status = danishDate(first.receivedAt) <= f.deadline ? 'received' : 'late';
  else if (latest) status = 'rejected';
  else status = f.today > f.deadline ? 'missing' : 'pending';
  const records = current?.validRecords ?? null;
  const previousRecords = currentDelivery(f.previous)?.validRecords ?? null;
  const change = relativeChange(records, previousRecords);
  return {
    dataset: f.dataset,
    municipality: f.municipality,
    period: f.period,
    deadline: f.deadline,
    status,
    delivery: current?.id ?? null,
    receivedAt: current?.receivedAt ?? null,
    attempts: attempts.length,
    rejectedAttempts: finished.filter((d) => d.status === 'rejected').length,
    records,
    previousRecords,
    change,
    anomaly: isAnomaly(records, previousRecords, f.anomalyBand),
    errorsByRule: latest ? { ...latest.errorsByRule } : {},
  };
}
