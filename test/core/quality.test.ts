import { describe, expect, it } from 'vitest';
import { consolidate } from '../../src/core/consolidation';
import { DEFAULT_ANOMALY_BAND } from '../../src/core/obligations';
import {
  currentOf,
  isAnomaly,
  periodsNeeded,
  qualitySeries,
  relativeChange,
  type SlotFact,
} from '../../src/core/quality';

let seq = 0;
const fact = (over: Partial<SlotFact> & Pick<SlotFact, 'municipality' | 'period'>): SlotFact => ({
  delivery: `dlv_${String(seq++).padStart(4, '0')}`,
  source: 'sys-a',
  status: 'accepted',
  receivedAt: `2026-11-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
  records: { total: 100, valid: 100, invalid: 0 },
  errorsByRule: {},
  ...over,
});
const valid = (n: number, invalid = 0) => ({ total: n + invalid, valid: n, invalid });
const band = DEFAULT_ANOMALY_BAND;

describe('change and anomaly', () => {
  it('is 20 % by default', () => {
    expect(band).toBe(0.2);
  });

  it('is no anomaly at exactly ±20 %, and one just beyond', () => {
    expect(isAnomaly(120, 100, band)).toBe(false);
    expect(isAnomaly(80, 100, band)).toBe(false);
    expect(isAnomaly(121, 100, band)).toBe(true);
    expect(isAnomaly(79, 100, band)).toBe(true);
    // Where 0.2 × n is no exact double: 36 of 30 is exactly 20 % more.
    expect(isAnomaly(36, 30, band)).toBe(false);
    expect(isAnomaly(24, 30, band)).toBe(false);
    expect(isAnomaly(37, 30, band)).toBe(true);
    expect(relativeChange(120, 100)).toBe(0.2);
    expect(relativeChange(80, 100)).toBe(-0.2);
    expect(relativeChange(36, 30)).toBe(0.2);
  });

  it('has no change and no anomaly without a previous figure', () => {
    expect(relativeChange(100, null)).toBeNull();
    expect(isAnomaly(100, null, band)).toBe(false);
    expect(relativeChange(null, 100)).toBeNull();
    expect(isAnomaly(null, 100, band)).toBe(false);
  });

  it('from zero records: no ratio, but any records are outside the band; zero to zero is no change', () => {
    expect(relativeChange(50, 0)).toBeNull();
    expect(isAnomaly(50, 0, band)).toBe(true);
    expect(isAnomaly(0, 0, band)).toBe(false);
    expect(relativeChange(0, 100)).toBe(-1);
    expect(isAnomaly(0, 100, band)).toBe(true);
  });

  it('takes the band it is given', () => {
    expect(isAnomaly(109, 100, 0.1)).toBe(false);
    expect(isAnomaly(111, 100, 0.1)).toBe(true);
  });
});

describe('the current delivery of a slot', () => {
  it('is the latest accepted one by receipt time, whoever sent it; a later rejection does not replace it', () => {
    const a = fact({
      municipality: '101',
      period: '2026-09',
      source: 'a',
      receivedAt: '2026-10-02T00:00:00.000Z',
    });
    const b = fact({
      municipality: '101',
      period: '2026-09',
      source: 'b',
      receivedAt: '2026-10-03T00:00:00.000Z',
    });
    const r = fact({
      municipality: '101',
      period: '2026-09',
      status: 'rejected',
      receivedAt: '2026-10-04T00:00:00.000Z',
    });
    expect(currentOf([b, a, r])?.delivery).toBe(b.delivery);
    expect(currentOf([r])).toBeNull();
  });
});

describe('qualitySeries', () => {
  it('compares each period with the one before and the one a year before; the first has no previous', () => {
    const facts = [
      fact({ municipality: '101', period: '2025-10', records: valid(90) }),
      fact({ municipality: '101', period: '2026-09', records: valid(100) }),
      fact({ municipality: '101', period: '2026-10', records: valid(125) }),
      fact({ municipality: '101', period: '2026-11', records: valid(100) }),
    ];
    const { items } = qualitySeries({
      facts,
      municipalities: ['101'],
      periods: ['2026-08', '2026-09', '2026-10', '2026-11'],
      cadence: 'monthly',
      band,
    });
    expect(items.map((i) => [i.period, i.records, i.previousRecords, i.change, i.anomaly])).toEqual([
      ['2026-08', null, null, null, false],
      ['2026-09', 100, null, null, false],
      ['2026-10', 125, 100, 0.25, true],
      ['2026-11', 100, 125, -0.2, false],
    ]);
    const oct = items[2];
    expect(oct).toMatchObject({
      previousPeriod: '2026-09',
      yearBeforePeriod: '2025-10',
      yearBeforeRecords: 90,
      changeYearBefore: 0.3889,
      revalidation: null,
    });
  });

  it('counts rejected attempts, the dropped share and the errors by rule of the latest attempt', () => {
    const facts = [
      fact({
        municipality: '101',
        period: '2026-10',
        status: 'rejected',
        records: valid(0, 10),
        receivedAt: '2026-11-01T00:00:00.000Z',
        errorsByRule: { cpr: 10 },
      }),
      fact({
        municipality: '101',
        period: '2026-10',
        records: valid(95, 5),
        receivedAt: '2026-11-02T00:00:00.000Z',
        errorsByRule: { range: 5 },
      }),
      fact({
        municipality: '147',
        period: '2026-10',
        status: 'rejected',
        records: null,
        receivedAt: '2026-11-03T00:00:00.000Z',
        errorsByRule: { required: 2 },
      }),
    ];
    const { items, totals } = qualitySeries({
      facts,
      municipalities: ['101', '147'],
      periods: ['2026-10'],
      cadence: 'monthly',
      band,
    });
    expect(items[0]).toMatchObject({
      records: 95,
      rejectedAttempts: 1,
      droppedShare: 0.05,
      errorsByRule: { range: 5 },
      delivery: facts[1]?.delivery,
    });
    expect(items[1]).toMatchObject({
      records: null,
      delivery: null,
      rejectedAttempts: 1,
      droppedShare: null,
      errorsByRule: { required: 2 },
    });
    expect(totals).toEqual([
      expect.objectContaining({
        period: '2026-10',
        municipalities: 1,
        records: 95,
        rejectedAttempts: 2,
        droppedShare: 0.05,
        errorsByRule: { range: 5, required: 2 },
      }),
    ]);
  });

  it('totals sum the municipalities per period and compare the sums', () => {
    const facts = [
      fact({ municipality: '101', period: '2026-09', records: valid(100) }),
      fact({ municipality: '147', period: '2026-09', records: valid(100) }),
      fact({ municipality: '101', period: '2026-10', records: valid(100) }),
      fact({ municipality: '147', period: '2026-10', records: valid(140) }),
    ];
    const { totals, items } = qualitySeries({
      facts,
      municipalities: ['101', '147'],
      periods: ['2026-10'],
      cadence: 'monthly',
      band,
    });
    expect(items.map((i) => i.anomaly)).toEqual([false, true]);
    expect(totals[0]).toMatchObject({ records: 240, previousRecords: 200, change: 0.2, anomaly: false });
  });

  it('asks for the range, the period before each and the one a year before', () => {
    expect(periodsNeeded(['2026-01', '2026-02'], 'monthly')).toEqual([
      '2025-01',
      '2025-02',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
  });
});

describe('consolidate', () => {
  it('counts accepted deliveries once each and their extracts; avoided is extracts − deliveries', () => {
    const got = consolidate(
      [
        { municipality: '101', status: 'accepted', extracts: 4 },
        { municipality: '101', status: 'accepted', extracts: 4 },
        { municipality: '101', status: 'rejected', extracts: 0 },
        { municipality: '147', status: 'accepted', extracts: 3 },
        { municipality: '999', status: 'accepted', extracts: 3 },
      ],
      ['101', '147', '151'],
    );
    expect(got.items).toEqual([
      { municipality: '101', deliveries: 2, extracts: 8, avoided: 6 },
      { municipality: '147', deliveries: 1, extracts: 3, avoided: 2 },
      { municipality: '151', deliveries: 0, extracts: 0, avoided: 0 },
    ]);
    expect(got.total).toEqual({ deliveries: 3, extracts: 11, avoided: 8 });
  });
});
