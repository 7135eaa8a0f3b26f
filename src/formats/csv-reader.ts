import { Parser } from 'csv-parse';
import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { type Charset, createDecoder } from './encoding';
import type { RecordReader } from './record-reader';

export interface CsvReaderOptions {
  charset: Charset;
  /** Field ids of the dataset: the header names them, in any order. */
  fields: readonly string[];
  required: readonly string[];
  maxFieldChars: number;
}

interface CsvApi {
  parse(
    buf: Buffer,
    end: boolean,
    push: (record: { record: string[]; info: { lines: number } }) => void,
    close: () => void,
  ): Error | undefined;
}

/**
 * RFC 4180 CSV with a header row, `,` or `;` between fields, quoted delimiters and newlines,
 * BOM, in a declared charset. Parsing is csv-parse's own push API, driven synchronously.
 */
export function createCsvReader(opts: CsvReaderOptions): RecordReader {
  const decoder = createDecoder(opts.charset);
  const parser = new Parser({
    delimiter: [',', ';'],
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: opts.maxFieldChars * (opts.fields.length + 4),
  });
  // The package's synchronous parser core: errors come back at once, not on a later tick.
  const api = (parser as unknown as { api: CsvApi }).api;
  const known = new Set(opts.fields);
  let header: string[] | null = null;
  let columns: Array<string | null> = [];
  let unknown: string[] = [];
  let n = 0;
  let lastLine = 1;
  let batch: RawRecord[] = [];

  const onRecord = ({ record, info }: { record: string[]; info: { lines: number } }) => {
    if (!header) {
      header = record.map((h) => h.trim());
      const seen = new Set<string>();
      for (const h of header) {
        if (seen.has(h))
          throw new GatewayError('unprocessable', `the header names column ${JSON.stringify(h)} twice`);
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
      return;
    }
    n++;
    const fields: Record<string, string> = {};
    for (let i = 0; i < columns.length && i < record.length; i++) {
      const c = columns[i];
      if (c) fields[c] = (record[i] as string).trim();
    }
    // The record began on the line after the one the previous record ended on.
    const raw: RawRecord = { n, line: lastLine + 1, fields };
    lastLine = info.lines;
    if (unknown.length) raw.unknown = unknown;
    if (record.length !== columns.length)
      raw.problems = [
        {
          rule: 'columns',
          message: `the record has ${record.length} values; the header has ${columns.length} columns`,
        },
      ];
    batch.push(raw);
  };

  const feed = (text: string, end: boolean) => {
    const err = api.parse(Buffer.from(text, 'utf8'), end, onRecord, () => {});
    if (err) {
      const e = err as Error & { lines?: number; code?: string };
      throw new GatewayError('not_well_formed', `line ${e.lines ?? '?'}: ${e.message}`, { line: e.lines });
    }
  };
  const take = () => {
    const out = batch;
    batch = [];
    return out;
  };

  return {
    rootAttributes: undefined,
    write(chunk) {
      feed(decoder.decode(chunk), false);
      return take();
    },
    end() {
      feed(decoder.end(), true);
      if (!header)
        throw new GatewayError(
          'not_well_formed',
          'the delivery is empty: a CSV delivery begins with a header row',
        );
      return take();
    },
  };
}
