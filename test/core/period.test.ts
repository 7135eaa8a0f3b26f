import { describe, expect, it } from 'vitest';
import { type Period, parsePeriod, periodOf } from '../../src/core/period';

function must(id: string, cadence: Period['cadence']): Period {
  const p = parsePeriod(id, cadence);
  if (!p) throw new Error(`${id} should be a ${cadence} period`);
  return p;
}

describe('parsePeriod: monthly', () => {
  it.each([
    ['2026-10', '2026-10-01', '2026-10-31'],
    ['2026-01', '2026-01-01', '2026-01-31'],
    ['2026-02', '2026-02-01', '2026-02-28'],
    ['2024-02', '2024-02-01', '2024-02-29'],
    ['2026-04', '2026-04-01', '2026-04-30'],
    ['2026-12', '2026-12-01', '2026-12-31'],
  ])('%s runs from %s to %s', (id, start, end) => {
    expect(parsePeriod(id, 'monthly')).toEqual({ id, cadence: 'monthly', start, end });
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-10', '2026-10-01', '2026-W43', '2026/10', ' 2026-10', ''])(
    'refuses %j',
    (id) => {
      expect(parsePeriod(id, 'monthly')).toBeNull();
    },
  );
});

describe('parsePeriod: weekly (ISO 8601 weeks)', () => {
  it.each([
    // 2026-01-01 is a Thursday: week 1 starts on Monday 2025-12-29.
    ['2026-W01', '2025-12-29', '2026-01-04'],
    ['2026-W43', '2026-10-19', '2026-10-25'],
    ['2026-W53', '2026-12-28', '2027-01-03'],
    // 2021-01-01 is a Friday: it belongs to 2020-W53, and 2021-W01 starts on 4 January.
    ['2021-W01', '2021-01-04', '2021-01-10'],
    ['2020-W53', '2020-12-28', '2021-01-03'],
    ['2025-W01', '2024-12-30', '2025-01-05'],
    ['2025-W52', '2025-12-22', '2025-12-28'],
  ])('%s runs from Monday %s to Sunday %s', (id, start, end) => {
    const p = must(id, 'weekly');
    expect(p).toEqual({ id, cadence: 'weekly', start, end });
    expect(new Date(`${p.start}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(new Date(`${p.end}T00:00:00Z`).getUTCDay()).toBe(0);
  });

  it.each([
    '2021-W53', // 2021 has 52 weeks
    '2025-W53', // so has 2025
    '2026-W54',
    '2026-W00',
    '2026-W1',
    '2026W43',
    '2026-w43',
    '2026-10',
  ])('refuses %j', (id) => {
    expect(parsePeriod(id, 'weekly')).toBeNull();
  });

  it('gives consecutive weeks with no gap and no overlap across a year end', () => {
    const last = must('2020-W53', 'weekly');
    const first = must('2021-W01', 'weekly');
    const dayAfter = new Date(Date.parse(`${last.end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(first.start).toBe(dayAfter);
  });
});

describe('parsePeriod: daily', () => {
  it.each(['2026-10-31', '2024-02-29', '2026-01-01'])('%s is one day', (id) => {
    expect(parsePeriod(id, 'daily')).toEqual({ id, cadence: 'daily', start: id, end: id });
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-10',
    '2026-1-1',
  ])('refuses %j', (id) => {
    expect(parsePeriod(id, 'daily')).toBeNull();
  });
});

describe('periodOf', () => {
  it('gives the period that holds the instant, in every cadence, across year ends', () => {
    const start = Date.UTC(2019, 11, 20);
    for (let day = 0; day < 800; day += 3) {
      const at = new Date(start + day * 86_400_000 + 12 * 3600_000);
      const iso = at.toISOString().slice(0, 10);
      for (const cadence of ['monthly', 'weekly', 'daily'] as const) {
        const p = must(periodOf(at, cadence), cadence);
        expect(p.start <= iso && iso <= p.end, `${iso} in ${p.id}`).toBe(true);
      }
    }
    expect(periodOf(new Date('2027-01-01T12:00:00Z'), 'weekly')).toBe('2026-W53');
    expect(periodOf(new Date('2021-01-04T12:00:00Z'), 'weekly')).toBe('2021-W01');
  });
});
