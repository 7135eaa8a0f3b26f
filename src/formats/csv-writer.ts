import type { OutValue } from '../core/projection';
import type { Charset } from './encoding';
import type { RowWriter } from './row-writer';

export interface CsvWriterOptions {
  delimiter: string;
  header: boolean;
  quote: 'minimal' | 'all';
  encoding: Charset;
  lineEnding: 'crlf' | 'lf';
}

/** Text a spreadsheet would take for a formula (OWASP's CSV injection rule). */
const FORMULA_LEADING = /^[=+\-@\t\r]/;

/**
 * RFC 4180 CSV with a chosen delimiter, quoting, line ending and charset. A text cell that
 * begins with =, +, -, @, TAB or CR is written with a leading single quote, so no spreadsheet
 * runs it as a formula; numbers (-5) are written as they are, for the machines that read them.
 */
export function createCsvWriter(opts: CsvWriterOptions, columns: readonly string[]): RowWriter {
  const eol = opts.lineEnding === 'crlf' ? '\r\n' : '\n';
  const d = opts.delimiter;
  const special = new RegExp(`["\\r\\n${d === '|' ? '\\|' : d}]`);
  const cell = (v: OutValue): string => {
    if (v === null || v === undefined) return opts.quote === 'all' ? '""' : '';
    const text = typeof v === 'string' ? v : String(v);
    const s = typeof v === 'string' && FORMULA_LEADING.test(v) ? `'${v}` : text;
    if (opts.quote === 'all' || special.test(s) || text !== text.trim()) return `"${s.replace(/"/g, '""')}"`;
    return s;
  };
  return {
    charset: opts.encoding,
    contentType: `text/csv; charset=${opts.encoding}`,
    extension: 'csv',
    start: () => (opts.header ? columns.map((c) => cell(c)).join(d) + eol : ''),
    rows(rows) {
      let s = '';
      for (const row of rows) s += row.map(cell).join(d) + eol;
      return s;
    },
    end: () => '',
  };
}
