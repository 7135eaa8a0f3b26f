import type { Cadence } from './dataset';

export interface Period {
  /** As written in the API: `2026-10`, `2026-W43` or `2026-10-31`. */
  id: string;
  cadence: Cadence;
  /** First day, ISO date. */
  start: string;
  /** Last day, ISO date. */
  end: string;
}

const PATTERNS: Record<Cadence, RegExp> = {
  monthly: /^(\d{4})-(0[1-9]|1[0-2])$/,
  weekly: /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/,
  daily: /^(\d{4})-(\d{2})-(\d{2})$/,
};

export const PERIOD_FORMATS: Record<Cadence, string> = {
  monthly: 'YYYY-MM',
  weekly: 'YYYY-Www',
  daily: 'YYYY-MM-DD',
};

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * The years a period may lie in. Outside them the calendar arithmetic breaks: a year before
 * 1900 folds into the 20th century in JavaScript's dates, and a deadline or a period after one
 * of year 9999 falls in year 10000, which is no longer `YYYY-MM-DD`. Stepping a year back and a
 * period on from any period inside stays inside four-digit years.
 */
export const PERIOD_YEARS = { first: 1901, last: 9998 } as const;

/** Parses a period in the dataset's cadence; null when it does not fit (or lies outside PERIOD_YEARS). */
export function parsePeriod(id: string, cadence: Cadence): Period | null {
  const m = PATTERNS[cadence].exec(id);
  if (!m) return null;
  const year = Number(m[1]);
  if (year < PERIOD_YEARS.first || year > PERIOD_YEARS.last) return null;
  if (cadence === 'monthly') {
    const month = Number(m[2]);
    return {
      id,
      cadence,
      start: iso(new Date(Date.UTC(year, month - 1, 1))),
      end: iso(new Date(Date.UTC(year, month, 0))),
    };
  }
  if (cadence === 'daily') {
    const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3])));
    if (iso(d) !== id) return null;
    return { id, cadence, start: id, end: id };
  }
  // ISO 8601 week: week 1 holds the year's first Thursday.
  const week = Number(m[2]);
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayOfWeek1 = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
  const start = new Date(mondayOfWeek1.getTime() + (week - 1) * 7 * 86_400_000);
  const end = new Date(start.getTime() + 6 * 86_400_000);
  // Week 53 exists only in years whose 28 December falls in it.
  const dec28 = new Date(Date.UTC(year, 11, 28));
  if (start.getTime() > dec28.getTime()) return null;
  return { id, cadence, start: iso(start), end: iso(end) };
}

/** The period of the given cadence that holds the instant. */
export function periodOf(at: Date, cadence: Cadence): string {
  const day = at.toISOString().slice(0, 10);
  if (cadence === 'monthly') return day.slice(0, 7);
  if (cadence === 'daily') return day;
  // ISO 8601 week: the week's Thursday decides its year; week 1 holds 4 January.
  const thursday = (d: Date) => {
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7) + 3);
    return t;
  };
  const t = thursday(at);
  const year = t.getUTCFullYear();
  const week =
    1 + Math.round((t.getTime() - thursday(new Date(Date.UTC(year, 0, 4))).getTime()) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- stepping between periods

const DAY_MS = 86_400_000;

function dayOf(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00Z`);
}

/** The ISO year's last week: 53 when its 28 December falls in week 53, else 52. */
export function weeksInIsoYear(year: number): 52 | 53 {
  return parsePeriod(`${year}-W53`, 'weekly') ? 53 : 52;
}

/** The period after a valid period of the cadence (2026-12 → 2027-01, 2026-W53 → 2027-W01). */
export function nextPeriod(id: string, cadence: Cadence): string {
  const p = parsePeriod(id, cadence);
  if (!p) throw new Error(`not a ${cadence} period: ${id}`);
  return periodOf(new Date(dayOf(p.end).getTime() + DAY_MS), cadence);
}

/** The period before a valid period of the cadence (2026-01 → 2025-12, 2026-W01 → 2025-W52 or W53, 2024-03-01 → 2024-02-29). */
export function previousPeriod(id: string, cadence: Cadence): string {
  const p = parsePeriod(id, cadence);
  if (!p) throw new Error(`not a ${cadence} period: ${id}`);
  return periodOf(new Date(dayOf(p.start).getTime() - DAY_MS), cadence);
}

/**
 * The same period a year before: the same month (2026-10 → 2025-10), the same ISO week number
 * (2026-W43 → 2025-W43; week 53 of a year before which has none → that year's week 52, the
 * last week of its year like week 53), the same day (29 February → 28 February, the last day
 * of that February).
 */
export function periodYearBefore(id: string, cadence: Cadence): string {
  const p = parsePeriod(id, cadence);
  if (!p) throw new Error(`not a ${cadence} period: ${id}`);
  const year = Number(id.slice(0, 4)) - 1;
  const y = String(year).padStart(4, '0');
  if (cadence === 'monthly') return `${y}${id.slice(4)}`;
  if (cadence === 'weekly') {
    const week = Math.min(Number(id.slice(6)), weeksInIsoYear(year));
    return `${y}-W${String(week).padStart(2, '0')}`;
  }
  const month = Number(id.slice(5, 7));
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(Number(id.slice(8, 10)), lastDay);
  return `${y}-${id.slice(5, 7)}-${String(day).padStart(2, '0')}`;
}

/**
 * The periods from `from` to `to`, both included, oldest first; null when either is not a
 * period of the cadence (within PERIOD_YEARS), `to` is before `from`, or the range holds more than
 * `max` periods.
 */
export function periodRange(from: string, to: string, cadence: Cadence, max: number): string[] | null {
  const a = parsePeriod(from, cadence);
  const b = parsePeriod(to, cadence);
  if (!a || !b || a.start > b.start) return null;
  const out = [from];
  while (out[out.length - 1] !== to) {
    if (out.length >= max) return null;
    out.push(nextPeriod(out[out.length - 1] as string, cadence));
  }
  return out;
}

/**
 * The month (`YYYY-MM`) a period is counted in: a month is itself, a day its month, an ISO week
 * the month of its Thursday (so January to December hold exactly the weeks of that ISO year).
 */
export function monthOfPeriod(p: Period): string {
  if (p.cadence !== 'weekly') return p.start.slice(0, 7);
  return new Date(dayOf(p.start).getTime() + 3 * DAY_MS).toISOString().slice(0, 7);
}
