/**
 * What re-validation found, as people read it: a run's results per municipality, and per slot
 * the latest result for the quality report and a municipality's run report.
 */
import type {
  MetadataStore,
  RecordCounts,
  RevalidationQuery,
  RevalidationResult,
  RevalidationRun,
} from '../stores/metadata-store';
import { failsNow } from '../stores/revalidation-events';

export interface MunicipalityRevalidation {
  municipality: string;
  /** Deliveries checked. */
  checked: number;
  /** Deliveries with a record that fails now (or that can no longer be read). */
  nowFailing: number;
  /** Deliveries whose original is gone. */
  missing: number;
  records: RecordCounts;
  /** Issues found now by rule id, over the municipality's deliveries. */
  errorsByRule: Record<string, number>;
  deliveries: Array<
    Pick<RevalidationResult, 'deliveryId' | 'period' | 'outcome' | 'records' | 'errorsByRule' | 'problem'>
  >;
}

/** A run's results grouped by municipality (then by period), read page by page. */
export async function revalidationByMunicipality(
  metadata: Pick<MetadataStore, 'listRevalidationResults'>,
  run: RevalidationRun,
): Promise<MunicipalityRevalidation[]> {
  const byCode = new Map<string, MunicipalityRevalidation>();
  for (let cursor: string | null = null; ; ) {
    const page = await metadata.listRevalidationResults(run.id, cursor, 1000);
    for (const r of page.items) {
      let m = byCode.get(r.municipality);
      if (!m) {
        m = {
          municipality: r.municipality,
          checked: 0,
          nowFailing: 0,
          missing: 0,
          records: { total: 0, valid: 0, invalid: 0 },
          errorsByRule: {},
          deliveries: [],
        };
        byCode.set(r.municipality, m);
      }
      m.checked++;
      if (failsNow(r)) m.nowFailing++;
      if (r.outcome === 'missing') m.missing++;
      if (r.records) {
        m.records.total += r.records.total;
        m.records.valid += r.records.valid;
        m.records.invalid += r.records.invalid;
      }
      for (const [rule, n] of Object.entries(r.errorsByRule))
        m.errorsByRule[rule] = (m.errorsByRule[rule] ?? 0) + n;
      m.deliveries.push({
        deliveryId: r.deliveryId,
        period: r.period,
        outcome: r.outcome,
        records: r.records,
        errorsByRule: r.errorsByRule,
        problem: r.problem,
      });
    }
    if (!page.next) break;
    cursor = page.next;
  }
  const out = [...byCode.values()].sort((a, b) => (a.municipality < b.municipality ? -1 : 1));
  for (const m of out) m.deliveries.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  return out;
}

/**
 * Per slot (dataset, municipality, period), the latest re-validation result of the slot's
 * current delivery: what `GET /v1/quality` (its `revalidation` member) and a municipality's
 * run report show. `nowFailing` says whether the delivery would fail the rules in force now.
 */
export async function revalidationFor(
  metadata: Pick<MetadataStore, 'revalidationFor'>,
  q: RevalidationQuery,
): Promise<Array<RevalidationResult & { nowFailing: boolean }>> {
  const results = await metadata.revalidationFor(q);
  return results.map((r) => ({ ...r, nowFailing: failsNow(r) }));
}
