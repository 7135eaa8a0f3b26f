import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../../src/core/run-report';
import { negotiate } from '../../src/http/negotiate';
import { REPORT_CSV_COLUMNS, renderReportCsv, renderReportHtml } from '../../src/pipeline/run-documents';

const built = buildRun(
  {
    id: 'run_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    period: '2026-09',
    trigger: 'manual',
    ranAt: '2026-10-15T01:07:00.000Z',
    actor: 'a',
  },
  [
    {
      dataset: '=HYPERLINK("x")',
      municipality: '101',
      period: '2026-09',
      deadline: '2026-10-14',
      status: 'rejected',
      delivery: null,
      receivedAt: null,
      attempts: 2,
      rejectedAttempts: 2,
      records: null,
      previousRecords: 12345,
      change: -0.1234,
      anomaly: true,
      errorsByRule: { 'rule, with "quotes"': 2, '<b>tag</b>': 1, bad: -1 },
      revalidationErrorsByRule: { 'cpr-format': 7 },
    },
  ],
);
const report = built.reports[0];
if (!report) throw new Error('fixture');

describe("a municipality's run report as CSV", () => {
  it('quotes what needs quoting, keeps a formula as text and drops counts that are not counts', () => {
    const rows = parse(renderReportCsv(report), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0] ?? {})).toEqual([...REPORT_CSV_COLUMNS]);
    expect(rows[0]).toMatchObject({
      dataset: `'=HYPERLINK("x")`,
      records: '',
      previousRecords: '12345',
      change: '-0.1234',
      errorsByRule: '<b>tag</b>=1;rule, with "quotes"=2',
      revalidationErrorsByRule: 'cpr-format=7',
    });
  });
});

describe("a municipality's run report as a page", () => {
  it('escapes every name it shows and formats figures the Danish way', () => {
    const html = renderReportHtml(report);
    expect(html).not.toContain('<b>tag</b>');
    expect(html).toContain('&lt;b&gt;tag&lt;/b&gt;');
    expect(html).toContain('12.345');
    expect(html).toContain('−12,3 %');
    expect(html).toContain('15.10.2026 01:07 UTC');
    expect(renderReportHtml(report)).toBe(html);
  });
});

describe('content negotiation', () => {
  const offers = ['application/json', 'text/csv', 'text/html'];
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['text/*', 'text/csv'],
    ['text/*;q=0.5, text/html', 'text/html'],
    ['text/html;q=0.2, */*;q=0.1', 'text/html'],
    ['TEXT/CSV', 'text/csv'],
    ['*/*;q=0.5, application/json;q=0', 'text/csv'],
    ['text/csv;q=2', null],
    ['application/xml', null],
    ['*/csv', null],
  ])('Accept %j → %s', (accept, expected) => {
    expect(negotiate(accept, offers)).toBe(expected);
  });
});
