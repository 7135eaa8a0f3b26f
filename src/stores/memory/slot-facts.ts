import type { SlotFactQuery, SlotFactRecord } from '../records';
import { byId, type Tables } from './tables';

/** The accepted and rejected deliveries of one dataset's slots for some periods, with their extract counts when asked. */
export function listSlotFacts(t: Tables, q: SlotFactQuery): SlotFactRecord[] {
  const periods = new Set(q.periods);
  const municipalities = q.municipalities ? new Set(q.municipalities) : null;
  const extracts = new Map<string, number>();
  if (q.countExtracts)
    for (const e of t.extracts.values()) extracts.set(e.deliveryId, (extracts.get(e.deliveryId) ?? 0) + 1);
  const out: SlotFactRecord[] = [];
  for (const d of [...t.deliveries.values()].sort(byId)) {
    if (d.dataset !== q.dataset || !periods.has(d.period)) continue;
    if (municipalities && !municipalities.has(d.municipality)) continue;
    if (d.status !== 'accepted' && d.status !== 'rejected') continue;
    out.push({
      id: d.id,
      municipality: d.municipality,
      period: d.period,
      source: d.source,
      status: d.status,
      receivedAt: d.receivedAt,
      records: d.records ? { ...d.records } : null,
      errorsByRule: { ...d.errorsByRule },
      extracts: q.countExtracts ? (extracts.get(d.id) ?? 0) : null,
    });
  }
  return out;
}
