/**
 * The Danish calendar the deadlines are counted in: public holidays (computed, Easter by the
 * Gregorian computus), working days, and the Danish date of an instant. Pure and
 * runtime-neutral: dates are `YYYY-MM-DD` strings, arithmetic is done in UTC on those dates.
 *
 * Public holidays (helligdage): Nytårsdag, Skærtorsdag, Langfredag, Påskedag, 2. Påskedag,
 * Store Bededag (until 2023; abolished from 2024), Kristi Himmelfartsdag, Pinsedag,
 * 2. Pinsedag, Juledag, 2. Juledag. Besides them, Grundlovsdag (5 June), Juleaftensdag
 * (24 December) and Nytårsaftensdag (31 December) are not working days here: they are not
 * public holidays by law, but public offices close on them, so no deadline falls on them.
 */

const DAY = 86_400_000;

function isoDay(ms: number): string {
  const day = new Date(ms).toISOString();
  // Year 10000 and later are `+010000-…`: no longer a date this calendar steps through.
  if (day.length !== 24) throw new RangeError(`no four-digit year at ${day}`);
  return day.slice(0, 10);
}

function utcMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The date `n` calendar days after (or before, n < 0) a date. */
export function addDays(date: string, n: number): string {
  return isoDay(utcMs(date) + n * DAY);
}

/** Easter Sunday of a Gregorian year (the anonymous algorithm, "Meeus/Jones/Butcher"). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The Danish public holidays of a year, date → name, in date order. */
export function danishPublicHolidays(year: number): ReadonlyMap<string, string> {
  const easter = easterSunday(year);
  const y = String(year).padStart(4, '0');
  const list: Array<[string, string]> = [
    [`${y}-01-01`, 'Nytårsdag'],
    [addDays(easter, -3), 'Skærtorsdag'],
    [addDays(easter, -2), 'Langfredag'],
    [easter, 'Påskedag'],
    [addDays(easter, 1), '2. Påskedag'],
    ...(year <= 2023 ? [[addDays(easter, 26), 'Store Bededag'] as [string, string]] : []),
    [addDays(easter, 39), 'Kristi Himmelfartsdag'],
    [addDays(easter, 49), 'Pinsedag'],
    [addDays(easter, 50), '2. Pinsedag'],
    [`${y}-12-25`, 'Juledag'],
    [`${y}-12-26`, '2. Juledag'],
  ];
  return new Map(list.sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/** Days that are not public holidays but on which public offices close: no deadline falls on them. */
const CLOSED_DAYS: ReadonlyMap<string, string> = new Map([
  ['06-05', 'Grundlovsdag'],
  ['12-24', 'Juleaftensdag'],
  ['12-31', 'Nytårsaftensdag'],
]);

const holidayCache = new Map<number, ReadonlyMap<string, string>>();

/** Why a date is not a Danish working day (`Saturday`, `Sunday`, a holiday's name), or null when it is one. */
export function nonWorkingReason(date: string): string | null {
  const weekday = new Date(utcMs(date)).getUTCDay();
  if (weekday === 6) return 'Saturday';
  if (weekday === 0) return 'Sunday';
  const year = Number(date.slice(0, 4));
  let holidays = holidayCache.get(year);
  if (!holidays) {
    holidays = danishPublicHolidays(year);
    holidayCache.set(year, holidays);
  }
  return holidays.get(date) ?? CLOSED_DAYS.get(date.slice(5)) ?? null;
}

export function isDanishWorkingDay(date: string): boolean {
  return nonWorkingReason(date) === null;
}

/** The n-th Danish working day after a date (n ≥ 1; the date itself does not count). */
export function workingDaysAfter(date: string, n: number): string {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isDanishWorkingDay(d)) left--;
  }
  return d;
}

const copenhagenDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Copenhagen',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The calendar date in Denmark (Europe/Copenhagen, summer time included) at an instant, as
 * YYYY-MM-DD. `Intl.DateTimeFormat` with a time zone works alike in Node and Workers.
 */
export function danishDate(at: Date | string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const parts = copenhagenDay.formatToParts(d);
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
