import type { OutRow } from '../core/projection';
import type { RowWriter } from './row-writer';

/** What JSON.stringify would escape in a string: quotes, backslash, controls, any surrogate (it checks pairs). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as a JSON string: as JSON.stringify writes it, without calling it when nothing needs escaping. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function toObject(columns: readonly string[], row: OutRow): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const v = row[i];
    if (v !== null && v !== undefined) o[columns[i] as string] = v;
  }
  return o;
}

/** Newline-delimited JSON: one object per row; null columns are left out. */
export function createNdjsonWriter(columns: readonly string[]): RowWriter {
  // The `"name":` parts are the same on every line: made once, not per row.
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  return {
    charset: 'utf-8',
    contentType: 'application/x-ndjson',
    extension: 'ndjson',
    start: () => '',
    rows(rows) {
      let s = '';
      for (const row of rows) {
        let line = '{';
        for (let i = 0; i < keys.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) continue;
          if (line.length > 1) line += ',';
          line += keys[i] + (typeof v === 'string' ? jsonString(v) : String(v));
        }
        s += `${line}}\n`;
      }
      return s;
    },
    end: () => '',
  };
}

/** One JSON array of row objects, written as the rows come. */
export function createJsonWriter(columns: readonly string[]): RowWriter {
  let first = true;
  return {
    charset: 'utf-8',
    contentType: 'application/json',
    extension: 'json',
    start: () => '[',
    rows(rows) {
      let s = '';
      for (const row of rows) {
        s += (first ? '\n' : ',\n') + JSON.stringify(toObject(columns, row));
        first = false;
      }
      return s;
    },
    end: () => (first ? ']\n' : '\n]\n'),
  };
}
