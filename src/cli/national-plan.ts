/**
 * A realistic national year, planned: for each of the 98 municipalities × 12 monthly periods ×
 * {daycare, eldercare}, what the municipality's source system sends and when — on time, late,
 * never, rejected (and then maybe a valid one), a record count that jumps, a correction — and
 * what the slot's status is expected to be. Pure and deterministic for a seed: the same plan
 * on every machine, so tests can count what the gateway should show.
 */
import shippedObligations from '../../deliveries/obligations.json';
import { MUNICIPALITIES } from '../core/municipalities';
import { deadlineOf, ObligationSchema } from '../core/obligations';
import { parsePeriod } from '../core/period';
import {
  FAULT_RULES,
  prng,
  SYNTHETIC_FAULTS,
  type SyntheticDataset,
  type SyntheticFault,
  type SyntheticFormat,
} from './synthetic';

export const PLAN_DATASETS: readonly SyntheticDataset[] = ['daycare', 'eldercare'];

/** What the plan makes happen in a slot. */
export type Scenario = 'on-time' | 'late' | 'missing' | 'rejected' | 'anomalous';

/** The slot's status as the gateway should show it once the plan is loaded, at the plan's `asOf`. */
export type ExpectedStatus = 'received' | 'late' | 'missing' | 'rejected' | 'pending';

/** The last day (`YYYY-MM-DD`) on which a delivery for the dataset and period is on time. */
export type DeadlineOf = (dataset: string, period: string) => string;

export interface PlannedFault {
  /** The record made invalid, 1-based as in the gateway's issues. */
  record: number;
  fault: SyntheticFault;
  /** The rule the gateway reports for it. */
  rule: string;
}

/** One POST /v1/deliveries the source makes. */
export interface PlannedSubmission {
  /** 1-based within the slot, in the order sent. */
  n: number;
  /** The instant it is received (ISO 8601, UTC). */
  at: string;
  outcome: 'accepted' | 'rejected';
  format: SyntheticFormat;
  contentType: string;
  records: number;
  /** The synthetic delivery's seed: the body is `submissionBody(slot, submission)`. */
  seed: number;
  faults: PlannedFault[];
  /** Where `--out` writes the body, relative to the folder. */
  file: string;
}

export interface PlannedSlot {
  dataset: SyntheticDataset;
  municipality: string;
  period: string;
  /** From the deadline function the plan was made with. */
  deadline: string;
  scenario: Scenario;
  /** A second accepted delivery (a correction) follows the first. */
  corrected: boolean;
  expected: ExpectedStatus;
  /** Records of the slot's current (last accepted) delivery; null when none was accepted. */
  records: number | null;
  /** Records of the previous period's current delivery; null when it has none (or is not in the plan). */
  previousRecords: number | null;
  /** records against previousRecords changed by more than ±20 %. */
  anomaly: boolean;
  /** The instant of the first accepted delivery, or null. */
  receivedAt: string | null;
  attempts: number;
  rejectedAttempts: number;
  /** Invalid records over every rejected attempt, by the gateway's rule name. */
  errorsByRule: Record<string, number>;
  submissions: PlannedSubmission[];
}

export interface PlanCounts {
  slots: number;
  expected: Record<ExpectedStatus, number>;
  scenario: Record<Scenario, number>;
  anomalies: number;
  corrected: number;
  submissions: number;
  accepted: number;
  rejected: number;
  /** Records in every submission, accepted or not. */
  records: number;
}

export interface NationalYearPlan {
  year: number;
  seed: number;
  /** The instant the plan is seen from: submissions after it have not happened; a loader leaves the clock here. */
  asOf: string;
  municipalities: string[];
  periods: string[];
  slots: PlannedSlot[];
  counts: PlanCounts;
}

export interface PlanOptions {
  year: number;
  seed?: number;
  /** Default: the 1st of April of the next year, when everything planned has happened. */
  asOf?: string;
  /** Default: all 98. */
  municipalities?: readonly string[];
  /** The first N months of the year (default 12). */
  months?: number;
  deadline?: DeadlineOf;
}

const DAY = 86_400_000;
const dateMs = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The shipped obligations (`deliveries/obligations.json`), read with the gateway's own rules. */
const SHIPPED = new Map(
  shippedObligations.obligations.map((o) => {
    const parsed = ObligationSchema.parse(o);
    return [parsed.dataset, parsed] as const;
  }),
);

/** The deadline of a slot under the shipped obligations: the same rule GET /v1/status applies. */
export const shippedDeadline: DeadlineOf = (dataset, period) => {
  const o = SHIPPED.get(dataset);
  const p = o && parsePeriod(period, o.cadence);
  if (!o || !p) throw new Error(`no obligation for ${dataset} ${period}`);
  return deadlineOf(p, o.deadline);
};

/** FNV-1a over text: a stable seed per series, slot and submission. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The largest municipalities by population; the others get a size class from their code. */
const LARGE: Record<string, number> = { '101': 60, '751': 52, '851': 46, '461': 45 };

/** Records a month in a municipality's daycare delivery, before any drift: 15–60. */
export function baseRecords(municipality: string, dataset: SyntheticDataset): number {
  const daycare = LARGE[municipality] ?? 15 + (hash(`size:${municipality}`) % 26);
  if (dataset === 'daycare') return daycare;
  return Math.min(
    60,
    Math.max(15, Math.round(daycare * (0.75 + (hash(`elder:${municipality}`) % 40) / 100))),
  );
}

const FORMATS: Array<[SyntheticFormat, string, number]> = [
  ['xml', 'application/xml', 0.75],
  ['csv', 'text/csv', 0.9],
  ['ndjson', 'application/x-ndjson', 1],
];

/** Outcome shares, cumulative: on time 85 %, late 6 %, missing 4 %, rejected and nothing more 3 %, anomalous 2 %. */
const SHARES: Array<[Scenario, number]> = [
  ['on-time', 0.85],
  ['late', 0.91],
  ['missing', 0.95],
  ['rejected', 0.98],
  ['anomalous', 1],
];

export function makeNationalYearPlan(opts: PlanOptions): NationalYearPlan {
  const seed = opts.seed ?? 1;
  const deadlineOf = opts.deadline ?? shippedDeadline;
  const asOf = opts.asOf ?? `${opts.year + 1}-04-01T00:00:00.000Z`;
  const asOfMs = Date.parse(asOf);
  if (Number.isNaN(asOfMs)) throw new Error(`asOf ${asOf} is not an instant`);
  const municipalities = [...(opts.municipalities ?? MUNICIPALITIES.keys())];
  const months = opts.months ?? 12;
  const periods = Array.from({ length: months }, (_, i) => `${opts.year}-${String(i + 1).padStart(2, '0')}`);
  const slots: PlannedSlot[] = [];
  for (const municipality of municipalities)
    for (const dataset of PLAN_DATASETS)
      slots.push(...series({ seed, dataset, municipality, periods, deadlineOf, asOfMs }));
  return {
    year: opts.year,
    seed,
    asOf: new Date(asOfMs).toISOString(),
    municipalities,
    periods,
    slots,
    counts: countPlan(slots),
  };
}

interface SeriesInput {
  seed: number;
  dataset: SyntheticDataset;
  municipality: string;
  periods: string[];
  deadlineOf: DeadlineOf;
  asOfMs: number;
}

/** One municipality's months for one dataset, in order: each month's count follows the last. */
function series(s: SeriesInput): PlannedSlot[] {
  const rnd = prng(hash(`${s.seed}:${s.dataset}:${s.municipality}`));
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = rnd();
  const [format, contentType] = FORMATS.find(([, , upTo]) => pick < upTo) ?? ['xml', 'application/xml'];
  let level = baseRecords(s.municipality, s.dataset);
  let previous: number | null = null;
  const out: PlannedSlot[] = [];
  for (const period of s.periods) {
    const u = rnd();
    let scenario = (SHARES.find(([, upTo]) => u < upTo) ?? ['on-time'])[0];
    // A jump is measured against the month before: only where that month was delivered.
    if (scenario === 'anomalous' && previous === null) scenario = 'on-time';
    if (scenario === 'anomalous') {
      // Up or down by 40–60 % / 30–45 %, and it stays there; the largest only go down, so no month passes 64 records.
      const up = level <= 36 && rnd() < 0.5;
      level = Math.max(8, Math.round(level * (up ? 1.4 + rnd() * 0.2 : 0.55 + rnd() * 0.15)));
    }
    // ±4 % drift a month, which stays well inside the ±20 % band at these sizes.
    const records = Math.max(5, Math.round(level * (0.96 + rnd() * 0.08)));
    const deadline = s.deadlineOf(s.dataset, period);
    const periodEnd = Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0);
    const deadlineMs = dateMs(deadline);
    const instant = (day: number) =>
      new Date(day + int(7, 14) * 3_600_000 + int(0, 59) * 60_000).toISOString();
    const dayIn = (from: number, to: number) =>
      from + int(0, Math.max(0, Math.round((to - from) / DAY))) * DAY;
    const plans: Array<{ at: string; outcome: 'accepted' | 'rejected' }> = [];
    // On time: between the day after the period and four days before the deadline.
    const onTimeFrom = periodEnd + DAY;
    const onTimeTo = Math.max(onTimeFrom, deadlineMs - 4 * DAY);
    let corrected = false;
    if (scenario === 'on-time' || scenario === 'anomalous') {
      if (scenario === 'on-time' && rnd() < 0.05) {
        // Rejected first, fixed a day or two later, still on time.
        const first = dayIn(onTimeFrom, Math.max(onTimeFrom, onTimeTo - 2 * DAY));
        plans.push({ at: instant(first), outcome: 'rejected' });
        plans.push({ at: instant(Math.min(onTimeTo, first + int(1, 2) * DAY)), outcome: 'accepted' });
      } else plans.push({ at: instant(dayIn(onTimeFrom, onTimeTo)), outcome: 'accepted' });
    } else if (scenario === 'late') {
      // Late: a week to a month after the deadline.
      plans.push({ at: instant(dayIn(deadlineMs + 7 * DAY, deadlineMs + 30 * DAY)), outcome: 'accepted' });
    } else if (scenario === 'rejected') {
      let day = dayIn(onTimeFrom, deadlineMs + 5 * DAY);
      for (let i = int(1, 3); i > 0; i--) {
        plans.push({ at: instant(day), outcome: 'rejected' });
        day += int(1, 4) * DAY;
      }
    }
    if (plans.at(-1)?.outcome === 'accepted' && rnd() < 0.04) {
      corrected = true;
      const lastDay = Math.floor(Date.parse((plans.at(-1) as { at: string }).at) / DAY) * DAY;
      plans.push({ at: instant(lastDay + int(3, 20) * DAY), outcome: 'accepted' });
    }
    const submissions: PlannedSubmission[] = plans
      .filter((p) => Date.parse(p.at) <= s.asOfMs)
      .map((p, i) => {
        const n = i + 1;
        const faults: PlannedFault[] = [];
        if (p.outcome === 'rejected') {
          const kinds = [SYNTHETIC_FAULTS[int(0, 3)], SYNTHETIC_FAULTS[int(0, 3)]] as SyntheticFault[];
          const bad = new Set<number>();
          for (let k = int(1, 3); k > 0; k--) bad.add(int(1, records));
          [...bad]
            .sort((a, b) => a - b)
            .forEach((record, j) => {
              const fault = kinds[j % 2] as SyntheticFault;
              faults.push({ record, fault, rule: FAULT_RULES[s.dataset][fault] });
            });
        }
        return {
          n,
          at: p.at,
          outcome: p.outcome,
          format,
          contentType,
          records,
          seed: hash(`${s.seed}:${s.dataset}:${s.municipality}:${period}:${n}`),
          faults,
          file: `${period}/${s.dataset}-${s.municipality}-${n}.${format}`,
        };
      });
    const slot = expectation(
      {
        dataset: s.dataset,
        municipality: s.municipality,
        period,
        deadline,
        scenario,
        corrected,
        submissions,
      },
      previous,
      s.asOfMs,
    );
    previous = slot.records;
    out.push(slot);
  }
  return out;
}

/** What the gateway should show for a slot, from its submissions alone. */
function expectation(
  base: Pick<
    PlannedSlot,
    'dataset' | 'municipality' | 'period' | 'deadline' | 'scenario' | 'corrected' | 'submissions'
  >,
  previousRecords: number | null,
  asOfMs: number,
): PlannedSlot {
  const accepted = base.submissions.filter((x) => x.outcome === 'accepted');
  const rejected = base.submissions.filter((x) => x.outcome === 'rejected');
  const first = accepted[0];
  const current = accepted.at(-1);
  const records = current ? current.records : null;
  const dueEnd = dateMs(base.deadline) + DAY;
  let expected: ExpectedStatus;
  if (first) expected = Date.parse(first.at) < dueEnd ? 'received' : 'late';
  else if (rejected.length) expected = 'rejected';
  else expected = asOfMs >= dueEnd ? 'missing' : 'pending';
  const errorsByRule: Record<string, number> = {};
  for (const r of rejected) for (const f of r.faults) errorsByRule[f.rule] = (errorsByRule[f.rule] ?? 0) + 1;
  return {
    ...base,
    corrected: accepted.length > 1,
    expected,
    records,
    previousRecords,
    anomaly: records !== null && previousRecords !== null && Math.abs(records / previousRecords - 1) > 0.2,
    receivedAt: first ? first.at : null,
    attempts: base.submissions.length,
    rejectedAttempts: rejected.length,
    errorsByRule,
  };
}

export function countPlan(slots: readonly PlannedSlot[]): PlanCounts {
  const counts: PlanCounts = {
    slots: slots.length,
    expected: { received: 0, late: 0, missing: 0, rejected: 0, pending: 0 },
    scenario: { 'on-time': 0, late: 0, missing: 0, rejected: 0, anomalous: 0 },
    anomalies: 0,
    corrected: 0,
    submissions: 0,
    accepted: 0,
    rejected: 0,
    records: 0,
  };
  for (const slot of slots) {
    counts.expected[slot.expected]++;
    counts.scenario[slot.scenario]++;
    if (slot.anomaly) counts.anomalies++;
    if (slot.corrected) counts.corrected++;
    for (const sub of slot.submissions) {
      counts.submissions++;
      counts[sub.outcome]++;
      counts.records += sub.records;
    }
  }
  return counts;
}

/** Every submission of the plan in the order it is received. */
export function submissionsInOrder(
  plan: Pick<NationalYearPlan, 'slots'>,
): Array<{ slot: PlannedSlot; submission: PlannedSubmission }> {
  return plan.slots
    .flatMap((slot) => slot.submissions.map((submission) => ({ slot, submission })))
    .sort((a, b) => (a.submission.at < b.submission.at ? -1 : a.submission.at > b.submission.at ? 1 : 0));
}
