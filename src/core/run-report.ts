import { MUNICIPALITIES } from './municipalities';
import type { SlotState } from './status';
import type { RunTrigger, SlotStatus } from './vocabulary';

/**
 * The monthly run: after a period's deadline, a snapshot per municipality of how each obligated
 * dataset stands (its status and quality figures), and a national summary. Everything here is
 * counts, ids, dates and rule names: a report never holds a delivered value.
 */

/**
 * One obligated slot (dataset, municipality, period) as the status computation sees it: what
 * `GET /v1/status` answers per item, with the quality figures of `GET /v1/quality` for the slot
 * where they are known.
 */
export interface SlotStatusItem extends SlotState {
  /** Records in the same period a year before, where known. */
  yearBeforeRecords?: number | null;
  /** Relative change against the same period a year before. */
  yearBeforeChange?: number | null;
  /** Share (0…1) of records dropped by a partial acceptance. */
  droppedShare?: number | null;
  /** Records of the current delivery that fail the rules now in force (re-validation), by rule. */
  revalidationErrorsByRule?: Record<string, number> | null;
}

/** The monthly periods whose run is due at an instant. */
export type DeadlinesPassed = (now: Date) => string[];

/** Where a run's slots come from: the status of every obligated slot of a period. */
export type SlotStatusSource = (period: string) => Promise<SlotStatusItem[]>;

/** How many slots stand how; `anomalies` counts slots flagged anomalous whatever their status. */
export interface RunCounts {
  slots: number;
  received: number;
  late: number;
  missing: number;
  pending: number;
  rejected: number;
  anomalies: number;
}

/** One obligated dataset in a municipality's report. */
export interface RunReportDataset {
  dataset: string;
  deadline: string;
  status: SlotStatus;
  delivery: string | null;
  receivedAt: string | null;
  attempts: number;
  rejectedAttempts: number;
  records: number | null;
  previousRecords: number | null;
  change: number | null;
  yearBeforeRecords: number | null;
  yearBeforeChange: number | null;
  anomaly: boolean;
  droppedShare: number | null;
  /** Rule name → records that failed it in the period's attempts. */
  errorsByRule: Record<string, number>;
  revalidationErrorsByRule: Record<string, number> | null;
}

/** One municipality's report of a run: what was known when the run ran. */
export interface MunicipalityRunReport {
  run: string;
  period: string;
  ranAt: string;
  municipality: string;
  municipalityName: string;
  counts: RunCounts;
  datasets: RunReportDataset[];
}

/** The national summary of a run: totals, per dataset and per municipality. */
export interface RunSummary {
  run: string;
  period: string;
  ranAt: string;
  counts: RunCounts;
  datasets: Array<{ dataset: string; records: number } & RunCounts>;
  municipalities: Array<{ municipality: string; municipalityName: string } & RunCounts>;
}

/** A run as stored and listed. */
export interface RunRecord {
  id: string;
  period: string;
  trigger: RunTrigger;
  ranAt: string;
  actor: string;
  /** Municipalities with at least one obligated slot in the period: one report each. */
  municipalities: number;
  counts: RunCounts;
}

/** A run put together from its slots: the record, the summary and one report per municipality. */
export interface BuiltRun {
  run: RunRecord;
  summary: RunSummary;
  reports: MunicipalityRunReport[];
}

const emptyCounts = (): RunCounts => ({
  slots: 0,
  received: 0,
  late: 0,
  missing: 0,
  pending: 0,
  rejected: 0,
  anomalies: 0,
});

function countInto(c: RunCounts, item: Pick<SlotStatusItem, 'status' | 'anomaly'>): void {
  c.slots++;
  c[item.status]++;
  if (item.anomaly) c.anomalies++;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rule names in order with their counts; only whole, non-negative counts are kept. */
function rules(r: Record<string, number> | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r ?? {}).sort(byText)) {
    const n = r?.[k];
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) out[k] = n;
  }
  return out;
}

function reportDataset(i: SlotStatusItem): RunReportDataset {
  return {
    dataset: i.dataset,
    deadline: i.deadline,
    status: i.status,
    delivery: i.delivery,
    receivedAt: i.receivedAt,
    attempts: i.attempts,
    rejectedAttempts: i.rejectedAttempts,
    records: i.records,
    previousRecords: i.previousRecords,
    change: i.change,
    yearBeforeRecords: i.yearBeforeRecords ?? null,
    yearBeforeChange: i.yearBeforeChange ?? null,
    anomaly: i.anomaly,
    droppedShare: i.droppedShare ?? null,
    errorsByRule: rules(i.errorsByRule),
    revalidationErrorsByRule: i.revalidationErrorsByRule ? rules(i.revalidationErrorsByRule) : null,
  };
}

/** What of a run a reader may see: the datasets and municipalities of its status scope (absent: every one). */
export interface RunScope {
  datasets?: readonly string[];
  municipalities?: readonly string[];
}

/**
 * A municipality's report as a scope sees it: the datasets within the scope, counted again;
 * null when the municipality or every one of its datasets lies outside.
 */
export function reportWithin(r: MunicipalityRunReport, scope: RunScope): MunicipalityRunReport | null {
  if (scope.municipalities && !scope.municipalities.includes(r.municipality)) return null;
  const seen = scope.datasets;
  if (!seen) return r;
  const datasets = r.datasets.filter((d) => seen.includes(d.dataset));
  if (!datasets.length) return null;
  const counts = emptyCounts();
  for (const d of datasets) countInto(counts, d);
  return { ...r, counts, datasets };
}

/** A summary's dataset rows counted over some municipalities' reports: records and slots by status, in code order. */
export function datasetRows(reports: readonly MunicipalityRunReport[]): RunSummary['datasets'] {
  const rows = new Map<string, RunSummary['datasets'][number]>();
  for (const r of reports)
    for (const d of r.datasets) {
      const row = rows.get(d.dataset) ?? { dataset: d.dataset, records: 0, ...emptyCounts() };
      countInto(row, d);
      row.records += d.records ?? 0;
      rows.set(d.dataset, row);
    }
  return [...rows.values()].sort((a, b) => byText(a.dataset, b.dataset));
}

/**
 * Puts a run together from the status of a period's obligated slots (items of other periods
 * are left out). Municipalities and datasets are in code order, so the same slots always make
 * the same reports.
 */
export function buildRun(
  head: { id: string; period: string; trigger: RunTrigger; ranAt: string; actor: string },
  items: SlotStatusItem[],
): BuiltRun {
  const slots = items
    .filter((i) => i.period === head.period)
    .sort((a, b) => byText(a.municipality, b.municipality) || byText(a.dataset, b.dataset));
  const counts = emptyCounts();
  const perDataset = new Map<string, { dataset: string; records: number } & RunCounts>();
  const perMunicipality = new Map<string, SlotStatusItem[]>();
  for (const i of slots) {
    countInto(counts, i);
    const d = perDataset.get(i.dataset) ?? { dataset: i.dataset, records: 0, ...emptyCounts() };
    countInto(d, i);
    d.records += i.records ?? 0;
    perDataset.set(i.dataset, d);
    perMunicipality.set(i.municipality, [...(perMunicipality.get(i.municipality) ?? []), i]);
  }
  const reports: MunicipalityRunReport[] = [...perMunicipality].map(([municipality, list]) => {
    const c = emptyCounts();
    for (const i of list) countInto(c, i);
    return {
      run: head.id,
      period: head.period,
      ranAt: head.ranAt,
      municipality,
      municipalityName: MUNICIPALITIES.get(municipality)?.name ?? municipality,
      counts: c,
      datasets: list.map(reportDataset),
    };
  });
  return {
    run: { ...head, municipalities: reports.length, counts },
    summary: {
      run: head.id,
      period: head.period,
      ranAt: head.ranAt,
      counts,
      datasets: [...perDataset.values()].sort((a, b) => byText(a.dataset, b.dataset)),
      municipalities: reports.map((r) => ({
        municipality: r.municipality,
        municipalityName: r.municipalityName,
        ...r.counts,
      })),
    },
    reports,
  };
}
