/**
 * Reporting obligations: which municipalities owe which dataset, from which period, by which
 * deadline. Data (`deliveries/obligations.json`), checked against the datasets at start.
 *
 * Deadline rules — the deadline is the last Danish date on which a delivery is on time:
 * - `{"workingDaysAfterPeriodEnd": n}`: the n-th Danish working day after the period's last
 *   day (not Saturday or Sunday, not a public holiday, nor 5 June, 24 or 31 December; see
 *   holidays.ts). Any cadence.
 * - `{"dayOfFollowingMonth": n}`: monthly, day n (1–28) of the month after the period; weekly
 *   and daily, the n-th calendar day after the period's last day. Not moved off weekends or
 *   holidays: the date is the date.
 */
import { z } from 'zod';
import { CADENCES, type Cadence } from './dataset';
import { addDays, workingDaysAfter } from './holidays';
import { MUNICIPALITIES } from './municipalities';
import { type Period, parsePeriod, periodOf } from './period';

/** A slot's record count is an anomaly when it moves more than this share from the period before (±20 %). */
export const DEFAULT_ANOMALY_BAND = 0.2;

export const DeadlineRuleSchema = z.union([
  z.object({ workingDaysAfterPeriodEnd: z.number().int().min(1).max(60) }).strict(),
  z.object({ dayOfFollowingMonth: z.number().int().min(1).max(28) }).strict(),
]);
export type DeadlineRule = z.infer<typeof DeadlineRuleSchema>;

export const ObligationSchema = z
  .object({
    dataset: z.string().min(1),
    cadence: z.enum(CADENCES),
    deadline: DeadlineRuleSchema,
    municipalities: z.union([
      z.literal('all'),
      z
        .array(z.string())
        .min(1)
        .refine((l) => new Set(l).size === l.length, 'a municipality is named twice'),
    ]),
    firstPeriod: z.string().min(1),
    /** A slot's record count is an anomaly when it changes by more than this share from the period before. */
    anomalyBand: z.number().positive().max(10).default(DEFAULT_ANOMALY_BAND),
    description: z.string().optional(),
  })
  .strict();
export type Obligation = z.infer<typeof ObligationSchema>;

/** The file's frame; each obligation is checked on its own, so every problem is told at once. */
export const ObligationsFileSchema = z
  .object({ $comment: z.string().optional(), obligations: z.array(z.unknown()) })
  .strict();

/** An obligation checked against its dataset, with its municipalities spelt out. */
export interface CompiledObligation {
  obligation: Obligation;
  municipalities: readonly string[];
  firstPeriod: Period;
}

/** The problems of one obligation against the datasets' cadences (path, message), none when it is sound. */
export function checkObligation(
  o: Obligation,
  cadenceOf: (dataset: string) => Cadence | undefined,
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const cadence = cadenceOf(o.dataset);
  if (!cadence) return [{ path: '.dataset', message: `no dataset ${o.dataset} in schemas/` }];
  if (cadence !== o.cadence)
    problems.push({ path: '.cadence', message: `the dataset ${o.dataset} is ${cadence}, not ${o.cadence}` });
  if (!parsePeriod(o.firstPeriod, cadence))
    problems.push({ path: '.firstPeriod', message: `${o.firstPeriod} is not a ${cadence} period` });
  if (o.municipalities !== 'all')
    o.municipalities.forEach((m, i) => {
      if (!MUNICIPALITIES.has(m))
        problems.push({ path: `.municipalities[${i}]`, message: `${m} is not a municipality code` });
    });
  return problems;
}

/** Compiles a sound obligation (checkObligation found nothing). */
export function compileObligation(o: Obligation): CompiledObligation {
  const firstPeriod = parsePeriod(o.firstPeriod, o.cadence);
  if (!firstPeriod) throw new Error(`${o.firstPeriod} is not a ${o.cadence} period`);
  const municipalities =
    o.municipalities === 'all' ? [...MUNICIPALITIES.keys()].sort() : [...o.municipalities].sort();
  return { obligation: o, municipalities, firstPeriod };
}

/** The deadline (the last day on time, YYYY-MM-DD) of a period under a rule. */
export function deadlineOf(period: Period, rule: DeadlineRule): string {
  if ('workingDaysAfterPeriodEnd' in rule)
    return workingDaysAfter(period.end, rule.workingDaysAfterPeriodEnd);
  if (period.cadence !== 'monthly') return addDays(period.end, rule.dayOfFollowingMonth);
  const next = addDays(period.end, 1);
  return `${next.slice(0, 8)}${String(rule.dayOfFollowingMonth).padStart(2, '0')}`;
}

/** The period of a cadence holding a date (YYYY-MM-DD). */
export function periodAt(date: string, cadence: Cadence): Period {
  const p = parsePeriod(periodOf(new Date(`${date}T00:00:00Z`), cadence), cadence);
  if (!p) throw new Error(`no ${cadence} period holds ${date}`);
  return p;
}

/** Whether an obligation has a slot for a period: on or after its first period. */
export function obliges(o: CompiledObligation, period: Period): boolean {
  return period.start >= o.firstPeriod.start;
}

/**
 * The next `count` deadlines on or after a date (today, Danish time), each with its period;
 * periods before the first have none.
 */
export function nextDeadlines(
  o: CompiledObligation,
  today: string,
  count = 3,
): Array<{ period: string; deadline: string }> {
  const out: Array<{ period: string; deadline: string }> = [];
  // A deadline falls at most about three months after its period's end (60 working days).
  let p = periodAt(addDays(today, -100), o.obligation.cadence);
  if (p.start < o.firstPeriod.start) p = o.firstPeriod;
  for (let i = 0; out.length < count && i < 1000; i++, p = periodAt(addDays(p.end, 1), p.cadence)) {
    const deadline = deadlineOf(p, o.obligation.deadline);
    if (deadline >= today) out.push({ period: p.id, deadline });
  }
  return out;
}

/**
 * The period most recently due on a date: the latest period (not before the first) whose
 * deadline has passed; null when none has.
 */
export function latestDuePeriod(o: CompiledObligation, today: string): Period | null {
  let p = periodAt(today, o.obligation.cadence);
  for (let i = 0; i < 1000; i++, p = periodAt(addDays(p.start, -1), p.cadence)) {
    if (p.start < o.firstPeriod.start) return null;
    if (deadlineOf(p, o.obligation.deadline) < today) return p;
  }
  return null;
}
