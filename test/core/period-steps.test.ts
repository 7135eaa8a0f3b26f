import { describe, expect, it } from 'vitest';
import {
  monthOfPeriod,
  nextPeriod,
  parsePeriod,
  periodRange,
  periodYearBefore,
  previousPeriod,
  weeksInIsoYear,
} from '../../src/core/period';

describe('previous and next period', () => {
  it.each([
    ['monthly', '2026-01', '2025-12'],
    ['monthly', '2026-10', '2026-09'],
    ['monthly', '2024-03', '2024-02'],
    ['weekly', '2026-W01', '2025-W52'],
    ['weekly', '2021-W01', '2020-W53'],
    ['weekly', '2026-W43', '2026-W42'],
    ['daily', '2024-03-01', '2024-02-29'],
    ['daily', '2025-03-01', '2025-02-28'],
    ['daily', '2026-01-01', '2025-12-31'],
  ] as const)('%s: before %s comes %s, and after it %s again', (cadence, id, before) => {
    expect(previousPeriod(id, cadence)).toBe(before);
    expect(nextPeriod(before, cadence)).toBe(id);
  });

  it('steps from the last week of a year with 53 weeks to week 1', () => {
    expect(nextPeriod('2026-W53', 'weekly')).toBe('2027-W01');
    expect(nextPeriod('2025-W52', 'weekly')).toBe('2026-W01');
  });

  it('knows which ISO years have 53 weeks', () => {
    expect([2015, 2020, 2026, 2032].map(weeksInIsoYear)).toEqual([53, 53, 53, 53]);
    expect([2021, 2024, 2025, 2027].map(weeksInIsoYear)).toEqual([52, 52, 52, 52]);
  });
});

describe('the same period a year before', () => {
  it.each([
    ['monthly', '2026-01', '2025-01'],
    ['monthly', '2026-10', '2025-10'],
    ['weekly', '2026-W43', '2025-W43'],
    // Two years in a row never both have a week 53: the year before's last week, 52, stands for it.
    ['weekly', '2026-W53', '2025-W52'],
    ['weekly', '2020-W53', '2019-W52'],
    ['weekly', '2021-W52', '2020-W52'],
    ['weekly', '2027-W01', '2026-W01'],
    ['daily', '2026-10-31', '2025-10-31'],
    // 29 February: the last day of the February before.
    ['daily', '2024-02-29', '2023-02-28'],
    ['daily', '2025-02-28', '2024-02-28'],
    ['daily', '2025-03-01', '2024-03-01'],
  ] as const)('%s: %s → %s', (cadence, id, yearBefore) => {
    const got = periodYearBefore(id, cadence);
    expect(got).toBe(yearBefore);
    expect(parsePeriod(got, cadence)).not.toBeNull();
  });
});

describe('periodRange', () => {
  it('lists the periods from..to, both included', () => {
    expect(periodRange('2025-11', '2026-02', 'monthly', 120)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    expect(periodRange('2026-W52', '2027-W02', 'weekly', 120)).toEqual([
      '2026-W52',
      '2026-W53',
      '2027-W01',
      '2027-W02',
    ]);
    expect(periodRange('2024-02-28', '2024-03-01', 'daily', 120)).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(periodRange('2026-05', '2026-05', 'monthly', 1)).toEqual(['2026-05']);
  });

  it('refuses a backwards range, one over the bound, a period of another cadence and years out of reach', () => {
    expect(periodRange('2026-02', '2026-01', 'monthly', 120)).toBeNull();
    expect(periodRange('2016-01', '2026-01', 'monthly', 120)).toBeNull(); // 121 months
    expect(periodRange('2016-02', '2026-01', 'monthly', 120)).toHaveLength(120);
    expect(periodRange('2026-W01', '2026-02', 'monthly', 120)).toBeNull();
    expect(periodRange('0000-01', '0000-02', 'monthly', 120)).toBeNull();
    expect(periodRange('9999-01', '9999-02', 'monthly', 120)).toBeNull();
  });
});

describe('monthOfPeriod', () => {
  it('counts a week in the month of its Thursday, so a calendar year holds exactly its ISO weeks', () => {
    const month = (id: string) => monthOfPeriod(parsePeriod(id, 'weekly') ?? parsePeriod('x', 'weekly')!);
    expect(month('2026-W01')).toBe('2026-01'); // Monday 29 December 2025
    expect(month('2026-W53')).toBe('2026-12'); // ends 3 January 2027
    expect(month('2026-W05')).toBe('2026-01'); // 26 January – 1 February, Thursday 29 January
    expect(month('2026-W09')).toBe('2026-02'); // 23 February – 1 March, Thursday 26 February
    const weeks2026 = periodRange('2026-W01', '2026-W53', 'weekly', 120) ?? [];
    expect(weeks2026.every((w) => month(w).startsWith('2026-'))).toBe(true);
    expect(month('2027-W01')).toBe('2027-01');
  });

  it('counts a month and a day in their own month', () => {
    expect(monthOfPeriod(parsePeriod('2026-10', 'monthly')!)).toBe('2026-10');
    expect(monthOfPeriod(parsePeriod('2026-10-31', 'daily')!)).toBe('2026-10');
  });
});
