/**
 * Who is expected to deliver what, and how each expected delivery stands for a period:
 * the municipalities' data-quality view. Pure: the caller passes the facts and the clock.
 */

import type { DeliveryStatus, SlotStatus } from './vocabulary';

export type { SlotStatus };

export interface ExpectedSlot {
  dataset: string;
  municipality: string;
  source: string;
}

export interface DeliveryFact {
  id: string;
  municipality: string;
  source: string;
  status: DeliveryStatus;
  receivedAt: string;
  problem: { code: string } | null;
}

export interface SlotReport extends ExpectedSlot {
  period: string;
  status: SlotStatus;
  /** The accepted delivery in force, when there is one. */
  delivery: string | null;
  receivedAt: string | null;
  /** Every attempt for the slot, accepted or not. */
  attempts: number;
  rejected: number;
  /** The problem code of the latest attempt that was not accepted. */
  lastProblem: string | null;
}

/** Expected slots from the scopes of source tokens: each named dataset × each named municipality. */
export function slotsFromScopes(
  scopes: ReadonlyArray<{ subject: string; municipalities: string[]; datasets: string[] }>,
  dataset: string,
): ExpectedSlot[] {
  const seen = new Set<string>();
  const out: ExpectedSlot[] = [];
  for (const s of scopes) {
    if (!s.datasets.includes(dataset)) continue;
    for (const m of s.municipalities) {
      if (m === '*') continue;
      const key = `${m}|${s.subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ dataset, municipality: m, source: s.subject });
    }
  }
  return out.sort((a, b) => (a.municipality + a.source < b.municipality + b.source ? -1 : 1));
}

export function slotReports(
  slots: ExpectedSlot[],
  period: string,
  deliveries: DeliveryFact[],
  deadline: Date,
  now: Date,
): SlotReport[] {
  const bySlot = new Map<string, DeliveryFact[]>();
  for (const d of deliveries) {
    const key = `${d.municipality}|${d.source}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), d]);
  }
  return slots.map((slot) => {
    const attempts = (bySlot.get(`${slot.municipality}|${slot.source}`) ?? []).sort((a, b) =>
      a.receivedAt < b.receivedAt ? -1 : 1,
    );
    const accepted = attempts.filter((d) => d.status === 'accepted');
    const first = accepted[0];
    const current = accepted[accepted.length - 1];
    const notAccepted = attempts.filter((d) => d.status === 'rejected' || d.status === 'failed');
    let status: SlotStatus;
    if (first) status = Date.parse(first.receivedAt) <= deadline.getTime() ? 'received' : 'late';
    else status = now.getTime() > deadline.getTime() ? 'missing' : 'pending';
    return {
      ...slot,
      period,
      status,
      delivery: current?.id ?? null,
      receivedAt: current?.receivedAt ?? null,
      attempts: attempts.length,
      rejected: notAccepted.length,
      lastProblem: notAccepted[notAccepted.length - 1]?.problem?.code ?? null,
    };
  });
}
