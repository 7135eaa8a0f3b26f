import { describe, expect, it } from 'vitest';
import {
  danishDate,
  danishPublicHolidays,
  easterSunday,
  isDanishWorkingDay,
  nonWorkingReason,
  workingDaysAfter,
} from '../../src/core/holidays';

describe('Danish public holidays, computed', () => {
  it('Easter Sunday by the Gregorian computus', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2038)).toBe('2038-04-25');
    // The extremes: the earliest and latest possible dates.
    expect(easterSunday(1818)).toBe('1818-03-22');
    expect(easterSunday(1943)).toBe('1943-04-25');
  });

  it('the holidays of 2026, from Easter', () => {
    expect([...danishPublicHolidays(2026)]).toEqual([
      ['2026-01-01', 'Nytårsdag'],
      ['2026-04-02', 'Skærtorsdag'],
      ['2026-04-03', 'Langfredag'],
      ['2026-04-05', 'Påskedag'],
      ['2026-04-06', '2. Påskedag'],
      ['2026-05-14', 'Kristi Himmelfartsdag'],
      ['2026-05-24', 'Pinsedag'],
      ['2026-05-25', '2. Pinsedag'],
      ['2026-12-25', 'Juledag'],
      ['2026-12-26', '2. Juledag'],
    ]);
  });

  it('Store Bededag until 2023, not from 2024', () => {
    expect(danishPublicHolidays(2023).get('2023-05-05')).toBe('Store Bededag');
    expect([...danishPublicHolidays(2024).values()]).not.toContain('Store Bededag');
    expect(isDanishWorkingDay('2024-04-26')).toBe(true);
    expect(isDanishWorkingDay('2023-05-05')).toBe(false);
  });

  it('weekends, holidays, and Grundlovsdag, 24 and 31 December are not working days', () => {
    expect(nonWorkingReason('2026-10-31')).toBe('Saturday');
    expect(nonWorkingReason('2026-11-01')).toBe('Sunday');
    expect(nonWorkingReason('2025-06-05')).toBe('Grundlovsdag');
    expect(nonWorkingReason('2025-12-24')).toBe('Juleaftensdag');
    expect(nonWorkingReason('2025-12-31')).toBe('Nytårsaftensdag');
    expect(nonWorkingReason('2026-04-06')).toBe('2. Påskedag');
    expect(nonWorkingReason('2026-11-02')).toBeNull();
  });

  it('counts working days across weekends, Easter and Christmas', () => {
    // October 2026 ends on a Saturday: the 10th working day after is Friday 13 November.
    expect(workingDaysAfter('2026-10-31', 10)).toBe('2026-11-13');
    // March 2024: 2. Påskedag (1 April) does not count.
    expect(workingDaysAfter('2024-03-31', 1)).toBe('2024-04-02');
    expect(workingDaysAfter('2024-03-31', 10)).toBe('2024-04-15');
    // Skærtorsdag to 2. Påskedag 2026.
    expect(workingDaysAfter('2026-04-01', 1)).toBe('2026-04-07');
    // 24, 25, 26 December, the weekend, 31 December and 1 January.
    expect(workingDaysAfter('2025-12-22', 2)).toBe('2025-12-29');
    expect(workingDaysAfter('2025-12-29', 2)).toBe('2026-01-02');
    expect(workingDaysAfter('2026-12-31', 10)).toBe('2027-01-15');
  });

  it('the Danish date of an instant, summer and winter time', () => {
    expect(danishDate('2026-10-31T22:59:59Z')).toBe('2026-10-31');
    expect(danishDate('2026-10-31T23:00:00Z')).toBe('2026-11-01');
    expect(danishDate('2026-07-31T21:59:59Z')).toBe('2026-07-31');
    expect(danishDate(new Date('2026-07-31T22:00:00Z'))).toBe('2026-08-01');
  });
});
