import type { Cadence } from './dataset';
import { periodYearBefore, previousPeriod } from './period';
import type { RevalidationOutcome } from './vocabulary';

/**
 * Data quality over time, computed from the facts of a dataset's slots (dataset, municipality,
 * period): for each period the valid records of the slot's current accepted delivery, the change
 * against the previous period and the same period a year before, whether the change is an
 * anomaly, the errors by rule, the rejected attempts and the share a partial acceptance dropped.
 * Pure: the store gathers the facts, this decides what they mean.
 */

/**
 * How far the records may move from one period to the next before it is an anomaly, as a share
 * either way (0.2 = ±20 %): the obligation's `anomalyBand` (core/obligations.ts), the one place
 * it is set.
 */
export type AnomalyBand = number;

/** One accepted or rejected delivery of a slot: what quality is computed from. */
export interface SlotFact {
  delivery: string;
  municipality: string;
  period: string;
  source: string;
  status: 'accepted' | 'rejected';
  receivedAt: string;
  records: { total: number; valid: number; invalid: number } | null;
  /** Issues of the delivery counted by rule (records left out of an accepted one, the errors of a rejected one). */
  errorsByRule: Record<string, number>;
}

/** What re-validation found of a slot's current delivery: counts and rule ids, never values. */
export interface SlotRevalidation {
  run: string;
  datasetVersion: number;
  checkedAt: string;
  outcome: RevalidationOutcome;
  records: { total: number; valid: number; invalid: number } | null;
  errorsByRule: Record<string, number>;
  /** A record fails the rules now in force, or the original can no longer be read. */
  nowFailing: boolean;
}

/** The comparisons of a number of records with the previous period and the same period a year before. */
interface Comparison {
  records: number | null;
  previousPeriod: string;
  previousRecords: number | null;
  /** (records − previousRecords) / previousRecords, rounded to 4 decimals; null when either is missing or previousRecords is 0. */
  change: number | null;
  yearBeforePeriod: string;
  yearBeforeRecords: number | null;
  changeYearBefore: number | null;
  /** The records moved outside the band against the previous period. */
  anomaly: boolean;
  errorsByRule: Record<string, number>;
  rejectedAttempts: number;
  /** records.invalid / records.total of the current delivery (rounded to 4 decimals), null without one. */
  droppedShare: number | null;
  /**
   * The current delivery checked again against the dataset's rules now in force (the latest
   * re-validation run that checked it); null when none has, and for the totals.
   */
  revalidation: SlotRevalidation | null;
}

export interface SlotQuality extends Comparison {
  municipality: string;
  period: string;
  /** The slot's current accepted delivery, whoever sent it; null when none was accepted. */
  delivery: string | null;
  source: string | null;
}

export interface PeriodTotal extends Comparison {
  period: string;
  /** How many of the answer's municipalities have a current accepted delivery for the period. */
  municipalities: number;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The relative change from `before` to `now`; null when either is unknown or `before` is 0. */
export function relativeChange(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null;
  return round4((now - before) / before);
}

/**
 * Whether `now` lies outside the band around `before`: more than the band's share above or
 * below it (exactly on the edge is inside). From 0 to any records is outside; no comparison
 * (either unknown) is no anomaly. Compared in whole numbers (the band in basis points), so 120
 * against 100 is exactly 20 %.
 */
export function isAnomaly(now: number | null, before: number | null, band: AnomalyBand): boolean {
  if (now === null || before === null) return false;
  return Math.abs(now - before) * 10_000 > Math.round(band * 10_000) * before;
}

/** The slot's current delivery: its latest accepted one by receipt time (the id breaks a tie), whoever sent it. */
export function currentOf(facts: readonly SlotFact[]): SlotFact | null {
  let current: SlotFact | null = null;
  for (const f of facts) {
    if (f.status !== 'accepted') continue;
    if (
      !current ||
      f.receivedAt > current.receivedAt ||
      (f.receivedAt === current.receivedAt && f.delivery > current.delivery)
    )
      current = f;
  }
  return current;
}

/** The slot's latest attempt (accepted or rejected): its errors by rule are what stands to be fixed. */
function latestOf(facts: readonly SlotFact[]): SlotFact | null {
  let latest: SlotFact | null = null;
  for (const f of facts)
    if (
      !latest ||
      f.receivedAt > latest.receivedAt ||
      (f.receivedAt === latest.receivedAt && f.delivery > latest.delivery)
    )
      latest = f;
  return latest;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [rule, n] of Object.entries(from)) into[rule] = (into[rule] ?? 0) + n;
}

/** What one slot holds, before comparison. */
interface SlotState {
  current: SlotFact | null;
  errorsByRule: Record<string, number>;
  rejectedAttempts: number;
}

function stateOf(facts: readonly SlotFact[]): SlotState {
  return {
    current: currentOf(facts),
    errorsByRule: { ...(latestOf(facts)?.errorsByRule ?? {}) },
    rejectedAttempts: facts.filter((f) => f.status === 'rejected').length,
  };
}

const validOf = (s: SlotState | undefined) => s?.current?.records?.valid ?? null;

function compare(
  period: string,
  cadence: Cadence,
  band: AnomalyBand,
  records: number | null,
  recordsOf: (period: string) => number | null,
): Omit<Comparison, 'errorsByRule' | 'rejectedAttempts' | 'droppedShare' | 'revalidation'> {
  const prev = previousPeriod(period, cadence);
  const yearBefore = periodYearBefore(period, cadence);
  const previousRecords = recordsOf(prev);
  const yearBeforeRecords = recordsOf(yearBefore);
  return {
    records,
    previousPeriod: prev,
    previousRecords,
    change: relativeChange(records, previousRecords),
    yearBeforePeriod: yearBefore,
    yearBeforeRecords,
    changeYearBefore: relativeChange(records, yearBeforeRecords),
    anomaly: isAnomaly(records, previousRecords, band),
  };
}

/** The periods whose facts a quality series needs: the range, each one's previous period and the same period a year before. */
export function periodsNeeded(periods: readonly string[], cadence: Cadence): string[] {
  const all = new Set<string>();
  for (const p of periods) {
    all.add(p);
    all.add(previousPeriod(p, cadence));
    all.add(periodYearBefore(p, cadence));
  }
  return [...all].sort();
}

/**
 * Quality for every municipality × period asked for (municipalities in the order given, periods
 * oldest first), and per period the totals over those municipalities: records, previous and
 * year-before records summed over the municipalities with a current delivery then, errors by
 * rule and rejected attempts summed, the dropped share over all their records.
 */
export function qualitySeries(input: {
  facts: readonly SlotFact[];
  municipalities: readonly string[];
  periods: readonly string[];
  cadence: Cadence;
  band: AnomalyBand;
  /** Re-validation results by delivery id. */
  revalidations?: ReadonlyMap<string, SlotRevalidation>;
}): { items: SlotQuality[]; totals: PeriodTotal[] } {
  const { cadence, band } = input;
  const bySlot = new Map<string, SlotFact[]>();
  for (const f of input.facts) {
    const key = `${f.municipality}|${f.period}`;
    const list = bySlot.get(key);
    if (list) list.push(f);
    else bySlot.set(key, [f]);
  }
  const states = new Map<string, SlotState>();
  const state = (municipality: string, period: string): SlotState => {
    const key = `${municipality}|${period}`;
    let s = states.get(key);
    if (!s) {
      s = stateOf(bySlot.get(key) ?? []);
      states.set(key, s);
    }
    return s;
  };

  const items: SlotQuality[] = [];
  for (const municipality of input.municipalities)
    for (const period of input.periods) {
      const s = state(municipality, period);
      const r = s.current?.records ?? null;
      items.push({
        municipality,
        period,
        delivery: s.current?.delivery ?? null,
        source: s.current?.source ?? null,
        ...compare(period, cadence, band, validOf(s), (p) => validOf(state(municipality, p))),
        errorsByRule: s.errorsByRule,
        rejectedAttempts: s.rejectedAttempts,
        droppedShare: r && r.total > 0 ? round4(r.invalid / r.total) : null,
        revalidation: (s.current && input.revalidations?.get(s.current.delivery)) || null,
      });
    }

  const sumOf = (period: string) => {
    let sum: number | null = null;
    for (const m of input.municipalities) {
      const v = validOf(state(m, period));
      if (v !== null) sum = (sum ?? 0) + v;
    }
    return sum;
  };
  const totals: PeriodTotal[] = input.periods.map((period) => {
    const errorsByRule: Record<string, number> = {};
    let rejectedAttempts = 0;
    let reporting = 0;
    let total = 0;
    let invalid = 0;
    for (const m of input.municipalities) {
      const s = state(m, period);
      addCounts(errorsByRule, s.errorsByRule);
      rejectedAttempts += s.rejectedAttempts;
      if (!s.current) continue;
      reporting++;
      total += s.current.records?.total ?? 0;
      invalid += s.current.records?.invalid ?? 0;
    }
    return {
      period,
      municipalities: reporting,
      ...compare(period, cadence, band, sumOf(period), sumOf),
      errorsByRule,
      rejectedAttempts,
      droppedShare: total > 0 ? round4(invalid / total) : null,
      revalidation: null,
    };
  });
  return { items, totals };
}
