import { describe, expect, it } from 'vitest';
import { RowShapeError } from '../../src/stores/sql/columns';
import { readRun, readRunReport, readRunSummary } from '../../src/stores/sql/rows';

const runRow = {
  id: 'run_1',
  period: '2026-09',
  trigger: 'scheduled',
  ran_at: new Date('2026-10-15T01:07:00.000Z'),
  actor: 'gateway (monthly run)',
  municipalities: 98,
  slots: '196',
  received: 180,
  late: 6,
  missing: 5,
  pending: 0,
  rejected: 5,
  anomalies: 3,
};

describe('SQL row readers of the monthly runs', () => {
  it('read a run row as pg and PGlite hand it back', () => {
    expect(readRun(runRow)).toEqual({
      id: 'run_1',
      period: '2026-09',
      trigger: 'scheduled',
      ranAt: '2026-10-15T01:07:00.000Z',
      actor: 'gateway (monthly run)',
      municipalities: 98,
      counts: { slots: 196, received: 180, late: 6, missing: 5, pending: 0, rejected: 5, anomalies: 3 },
    });
    expect(() => readRun({ ...runRow, trigger: 'cron' })).toThrow(RowShapeError);
    expect(() => readRun({ ...runRow, missing: null })).toThrow(RowShapeError);
  });

  it('read a stored report or summary as the text it was written, and refuse one that is not', () => {
    const report =
      '{"run":"run_1","period":"2026-09","ranAt":"x","counts":{},"municipality":"101","datasets":[]}';
    expect(JSON.stringify(readRunReport({ report }))).toBe(report);
    expect(() => readRunReport({ report: '{"run":"run_1"}' })).toThrow(RowShapeError);
    expect(() => readRunReport({ report: 'not json' })).toThrow(RowShapeError);
    expect(() => readRunSummary({ summary: '[]' })).toThrow(RowShapeError);
    const summary =
      '{"run":"run_1","period":"2026-09","ranAt":"x","counts":{},"datasets":[],"municipalities":[]}';
    expect(JSON.stringify(readRunSummary({ summary }))).toBe(summary);
  });
});
