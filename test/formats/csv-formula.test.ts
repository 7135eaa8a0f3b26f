import { describe, expect, it } from 'vitest';
import { type CsvWriterOptions, createCsvWriter } from '../../src/formats/csv-writer';

const opts: CsvWriterOptions = {
  delimiter: ';',
  header: true,
  quote: 'minimal',
  encoding: 'utf-8',
  lineEnding: 'lf',
};

describe('the CSV writer and spreadsheet formulas', () => {
  it('writes text that begins with =, +, -, @, TAB or CR with a leading single quote', () => {
    const w = createCsvWriter(opts, ['name', 'count']);
    const text = w.rows([
      ['=HYPERLINK("http://x";"y")', 1],
      ['+45 12 34', 2],
      ['-rm', 3],
      ['@SUM(A1)', 4],
      ['\tindented', 5],
      ['\rreturn', 6],
    ]);
    const lines = text.split('\n').slice(0, 4);
    expect(lines[0]).toBe(`"'=HYPERLINK(""http://x"";""y"")";1`);
    expect(lines[1]).toBe(`'+45 12 34;2`);
    expect(lines[2]).toBe(`'-rm;3`);
    expect(lines[3]).toBe(`'@SUM(A1);4`);
    expect(text).toContain(`"'\tindented";5`);
    expect(text).toContain(`"'\rreturn";6`);
  });

  it('writes numbers, negative ones too, and ordinary text as they are', () => {
    const w = createCsvWriter(opts, ['name', 'count']);
    expect(
      w.rows([
        ['Børnehuset Mælkebøtten', -5],
        ['a-b', 0],
        ['', 3.5],
      ]),
    ).toBe('Børnehuset Mælkebøtten;-5\na-b;0\n;3.5\n');
  });

  it('quotes the header cells by the same rule', () => {
    expect(createCsvWriter(opts, ['=a', 'b']).start()).toBe(`'=a;b\n`);
  });
});
