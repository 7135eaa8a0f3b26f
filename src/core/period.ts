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

/** Parses a period in the dataset's cadence; null when it does not fit. */
export function parsePeriod(id: string, cadence: Cadence): Period | null {
  const m = PATTERNS[cadence].exec(id);
  if (!m) return null;
  const year = Number(m[1]);
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
