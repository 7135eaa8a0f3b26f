/** What both CSV readers make of a header and a record, and the delimiter a header row uses. */
import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { nameAsShown, trimXmlSpace } from '../core/value-shape';
import type { Charset } from './encoding';

export interface CsvReaderOptions {
  charset: Charset;
  /** Field ids of the dataset: the header names them, in any order. */
  fields: readonly string[];
  required: readonly string[];
  maxFieldChars: number;
  /** Whether values lose XML whitespace at both ends (the dataset's `whitespace`). */
  trim?: boolean;
}

/** The header, once read, and records as the reader hands them on. */
export function csvRows(opts: CsvReaderOptions, resume?: { header: string[]; records: number }) {
  const trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const known = new Set(opts.fields);
  let columns: Array<string | null> = [];
  let unknown: string[] = [];
  let header: string[] | null = null;
  let n = resume?.records ?? 0;
  const rows = {
    get hasHeader() {
      return header !== null;
    },
    /** The header's cells as read (before trimming). */
    get rawHeader(): string[] {
      return rawHeader;
    },
    header(record: string[]) {
      rawHeader = record;
      header = record.map((h) => trimXmlSpace(h));
      const seen = new Set<string>();
      for (const h of header) {
        if (seen.has(h))
          throw new GatewayError('unprocessable', `the header names column ${nameAsShown(h)} twice`);
        seen.add(h);
      }
      const missing = opts.required.filter((f) => !seen.has(f));
      if (missing.length)
        throw new GatewayError(
          'unprocessable',
          `the header has no column ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} required`,
          {
            missingColumns: missing,
          },
        );
      columns = header.map((h) => (known.has(h) ? h : null));
      unknown = header.filter((h) => !known.has(h));
    },
    record(record: string[], line: number): RawRecord {
      n++;
      const fields: Record<string, string> = {};
      for (let i = 0; i < columns.length && i < record.length; i++) {
        const c = columns[i];
        if (c) fields[c] = trim(record[i] as string);
      }
      const raw: RawRecord = { n, line, fields };
      if (unknown.length) raw.unknown = unknown;
      if (record.length !== columns.length)
        raw.problems = [
          {
            rule: 'columns',
            message: `the record has ${record.length} values; the header has ${columns.length} columns`,
          },
        ];
      return raw;
    },
    get records() {
      return n;
    },
  };
  let rawHeader: string[] = [];
  if (resume) rows.header(resume.header);
  return rows;
}

/**
 * The delimiter a header row uses: `,` or `;`, whichever it has outside quotes (`,` when it
 * has neither). One delimiter holds for the whole file, so the other may stand in a value.
 */
export function delimiterOf(header: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  if (commas > 0 && semicolons > 0)
    throw new GatewayError(
      'not_well_formed',
      'line 1: the header separates columns with both , and ; — one file uses one delimiter',
      { line: 1 },
    );
  return semicolons > 0 ? ';' : ',';
}
