import { describe, expect, it } from 'vitest';
import { periodsInMonths } from '../../src/pipeline/quality';

describe('the periods the consolidation report counts in a range of months', () => {
  it('takes the months themselves, every day of them, and the weeks whose Thursday falls in them', () => {
    expect(periodsInMonths(['2026-01', '2026-02'], 'monthly')).toEqual(['2026-01', '2026-02']);
    const days = periodsInMonths(['2024-02'], 'daily');
    expect(days).toHaveLength(29);
    expect([days[0], days[28]]).toEqual(['2024-02-01', '2024-02-29']);
    // January 2026: week 1 begins on 29 December 2025, week 5 ends on 1 February; week 6's Thursday is 5 February.
    expect(periodsInMonths(['2026-01'], 'weekly')).toEqual([
      '2026-W01',
      '2026-W02',
      '2026-W03',
      '2026-W04',
      '2026-W05',
    ]);
    const year = periodsInMonths(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
      'weekly',
    );
    expect(year).toHaveLength(53);
    expect(year.at(-1)).toBe('2026-W53');
  });
});
