import type { SlotScope } from '../auth/visibility';
import type { Catalogue } from '../core/catalogue';
import { consolidate } from '../core/consolidation';
import type { Cadence } from '../core/dataset';
import { GatewayError } from '../core/errors';
import { isMunicipalityCode, MUNICIPALITIES } from '../core/municipalities';
import { DEFAULT_ANOMALY_BAND } from '../core/obligations';
import {
  monthOfPeriod,
  PERIOD_FORMATS,
  PERIOD_YEARS,
  parsePeriod,
  periodOf,
  periodRange,
} from '../core/period';
import { periodsNeeded, qualitySeries, type SlotFact, type SlotRevalidation } from '../core/quality';
import { nameAsShown, shapeOf } from '../core/value-shape';
import type { MetadataStore } from '../stores/metadata-store';
import { revalidationFor } from './revalidation-report';

/** What the quality and consolidation reports read. */
export interface QualityDeps {
  catalogue: Catalogue;
  metadata: MetadataStore;
}

/** The most periods one quality request may span (ten years of months). */
export const MAX_QUALITY_PERIODS = 120;
/** The most months one consolidation request may span. */
export const MAX_CONSOLIDATION_MONTHS = 120;

const ALL_MUNICIPALITIES = [...MUNICIPALITIES.keys()].sort();

function rangeOf(from: string, to: string, cadence: Cadence, max: number, unit: string): string[] {
  for (const p of [from, to])
    if (!parsePeriod(p, cadence))
      throw new GatewayError(
        'invalid_period',
        `the period (${shapeOf(p)}) is not a ${cadence} period (${PERIOD_FORMATS[cadence]})`,
      );
  const periods = periodRange(from, to, cadence, max);
  if (!periods)
    throw new GatewayError(
      'unprocessable',
      `from must not be after to, and the range may span at most ${max} ${unit} within the years ${PERIOD_YEARS.first}–${PERIOD_YEARS.last}`,
    );
  return periods;
}

/**
 * Data quality of one dataset over a range of its periods, for one municipality or every
 * municipality the scope allows: the items (municipality × period) and the totals per period.
 */
export async function dataQuality(
  deps: QualityDeps,
  q: { dataset: string; municipality?: string | undefined; from: string; to: string },
  scope: SlotScope,
) {
  const compiled = deps.catalogue.datasets.get(q.dataset);
  if (!compiled) throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(q.dataset)}`);
  if (!scope || (scope.datasets && !scope.datasets.includes(q.dataset)))
    throw new GatewayError('forbidden', `this token does not read the quality of ${nameAsShown(q.dataset)}`);
  if (q.municipality !== undefined && !isMunicipalityCode(q.municipality))
    throw new GatewayError(
      'invalid_municipality',
      `${nameAsShown(q.municipality)} is not a municipality code`,
    );
  if (q.municipality !== undefined && scope.municipalities && !scope.municipalities.includes(q.municipality))
    throw new GatewayError('forbidden', `this token does not read municipality ${q.municipality}`);
  const cadence = compiled.dataset.cadence;
  const periods = rangeOf(q.from, q.to, cadence, MAX_QUALITY_PERIODS, 'periods');
  const municipalities =
    q.municipality !== undefined
      ? [q.municipality]
      : ALL_MUNICIPALITIES.filter((m) => !scope.municipalities || scope.municipalities.includes(m));
  const rows = await deps.metadata.listSlotFacts({
    dataset: q.dataset,
    periods: periodsNeeded(periods, cadence),
    ...(municipalities.length < ALL_MUNICIPALITIES.length ? { municipalities } : {}),
  });
  const facts: SlotFact[] = rows.map((r) => ({
    delivery: r.id,
    municipality: r.municipality,
    period: r.period,
    source: r.source,
    status: r.status,
    receivedAt: r.receivedAt,
    records: r.records,
    errorsByRule: r.errorsByRule,
  }));
  const band = deps.catalogue.obligations.get(q.dataset)?.obligation.anomalyBand ?? DEFAULT_ANOMALY_BAND;
  const revalidations = new Map<string, SlotRevalidation>();
  for (const r of await revalidationFor(deps.metadata, {
    dataset: q.dataset,
    periods,
    ...(q.municipality !== undefined ? { municipality: q.municipality } : {}),
  }))
    revalidations.set(r.deliveryId, {
      run: r.runId,
      datasetVersion: r.datasetVersion,
      checkedAt: r.checkedAt,
      outcome: r.outcome,
      records: r.records,
      errorsByRule: r.errorsByRule,
      nowFailing: r.nowFailing,
    });
  const { items, totals } = qualitySeries({ facts, municipalities, periods, cadence, band, revalidations });
  return { dataset: q.dataset, cadence, from: q.from, to: q.to, band, items, totals };
}

/** A dataset's periods counted in the months from..to: its months, its days, its weeks by their Thursday. */
export function periodsInMonths(months: readonly string[], cadence: Cadence): string[] {
  if (cadence === 'monthly') return [...months];
  const first = parsePeriod(months[0] as string, 'monthly');
  const last = parsePeriod(months[months.length - 1] as string, 'monthly');
  if (!first || !last) return [];
  const inRange = new Set(months);
  const out: string[] = [];
  const end = Date.parse(`${last.end}T00:00:00Z`);
  for (let t = Date.parse(`${first.start}T00:00:00Z`); t <= end; t += 86_400_000) {
    const id = periodOf(new Date(t), cadence);
    if (out[out.length - 1] === id) continue;
    const p = parsePeriod(id, cadence);
    if (p && inRange.has(monthOfPeriod(p))) out.push(id);
  }
  return out;
}

/**
 * The consolidation report over the periods counted in the months from..to, every dataset:
 * per municipality the scope allows (each listed, zeros too) and in total.
 */
export async function consolidationReport(
  deps: QualityDeps,
  q: { from: string; to: string },
  scope: { municipalities?: readonly string[] } | null,
) {
  if (!scope) throw new GatewayError('forbidden', 'this token does not read the consolidation report');
  const months = rangeOf(q.from, q.to, 'monthly', MAX_CONSOLIDATION_MONTHS, 'months');
  const municipalities = ALL_MUNICIPALITIES.filter(
    (m) => !scope.municipalities || scope.municipalities.includes(m),
  );
  const facts = [];
  for (const [dataset, compiled] of deps.catalogue.datasets) {
    const periods = periodsInMonths(months, compiled.dataset.cadence);
    facts.push(
      ...(await deps.metadata.listSlotFacts({
        dataset,
        periods,
        countExtracts: true,
        ...(scope.municipalities ? { municipalities } : {}),
      })),
    );
  }
  return { from: q.from, to: q.to, ...consolidate(facts, municipalities) };
}
