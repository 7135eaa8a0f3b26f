/**
 * What a monthly run is made from, wired once: the status of every obligated monthly slot of a
 * period (the same computation as GET /v1/status), with the quality figures of GET /v1/quality
 * for the same slot (the same period a year before, the share a partial acceptance dropped,
 * what re-validation found), and the months whose run is due by the obligations' deadlines.
 */
import type { Catalogue } from '../core/catalogue';
import { danishDate } from '../core/holidays';
import { latestDuePeriod } from '../core/obligations';
import type { SlotQuality } from '../core/quality';
import type { DeadlinesPassed, SlotStatusItem, SlotStatusSource } from '../core/run-report';
import { dataQuality } from './quality';
import { type StatusDeps, slotStatuses } from './status';

/** The status and quality of every obligated monthly slot of a period, as a run records them. */
export function runStatusSource(deps: StatusDeps): SlotStatusSource {
  return async (period) => {
    const { items } = await slotStatuses(deps, { period }, {});
    const quality = new Map<string, SlotQuality>();
    for (const dataset of new Set(items.map((i) => i.dataset))) {
      const q = await dataQuality(deps, { dataset, from: period, to: period }, {});
      for (const item of q.items) quality.set(`${dataset}|${item.municipality}`, item);
    }
    return items.map((i): SlotStatusItem => {
      const q = quality.get(`${i.dataset}|${i.municipality}`);
      const revalidation = q?.revalidation;
      return {
        ...i,
        yearBeforeRecords: q?.yearBeforeRecords ?? null,
        yearBeforeChange: q?.changeYearBefore ?? null,
        droppedShare: q?.droppedShare ?? null,
        revalidationErrorsByRule: revalidation ? revalidation.errorsByRule : null,
      };
    });
  };
}

/**
 * The month whose run is due: the latest month every monthly obligation's deadline has passed
 * for (Danish date), so the run shows each dataset after its own deadline. An obligation whose
 * first period is not due yet does not hold the others back.
 */
export function monthsDue(catalogue: Catalogue): DeadlinesPassed {
  return (now) => {
    const today = danishDate(now);
    let due: string | null = null;
    for (const o of catalogue.obligations.values()) {
      if (o.obligation.cadence !== 'monthly') continue;
      const p = latestDuePeriod(o, today);
      if (p && (due === null || p.id < due)) due = p.id;
    }
    return due ? [due] : [];
  };
}
