import { Parser } from 'csv-parse';
import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { messageWithoutContent, nameAsShown, trimXmlSpace } from '../core/value-shape';
import { type Charset, createDecoder } from './encoding';
import type { RecordReader } from './record-reader';

export interface CsvReaderOptions {
  charset: Charset;
  /** Field ids of the dataset: the header names them, in any order. */
  fields: readonly string[];
  required: readonly string[];
  maxFieldChars: number;
  /** Whether values lose XML whitespace at both ends (the dataset's `whitespace`). */
  trim?: boolean;
}

interface CsvApi {
  parse(buf: Buffer, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/**
 * csv-parse's synchronous core, which its types do not declare: errors come back at once, not
 * on a later tick. Checked, so that a csv-parse without it fails loudly.
 */
function syncApi(parser: object): CsvApi {
  const api: unknown = 'api' in parser ? parser.api : undefined;
  if (isCsvApi(api)) return api;
  throw new Error('this csv-parse has no synchronous parser core');
}

function isCsvApi(api: unknown): api is CsvApi {
  return typeof api === 'object' && api !== null && 'parse' in api && typeof api.parse === 'function';
}

/**
 * RFC 4180 CSV with a header row, `,` or `;` between fields, quoted delimiters and newlines,
 * BOM, in a declared charset. Parsing is csv-parse's own push API, driven synchronously.
 */
export function createCsvReader(opts: CsvReaderOptions): RecordReader {
  const decoder = createDecoder(opts.charset);
  const trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const maxRecord = opts.maxFieldChars * (opts.fields.length + 4);
  let api: CsvApi | null = null;
  // The parser's live counters, read as each record completes: no snapshot object per record.
  // `bytes` is then just past the record's line end; its line count is not reliable, so the
  // reader counts line ends itself, once over each chunk.
  let info: { bytes: number } = { bytes: 0 };
  /** Text before the header's line end: the header decides the delimiter for the whole file. */
  let headText = '';
  const startParser = (header: string): CsvApi => {
    const delimiter = delimiterOf(header);
    const parser = new Parser({
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: maxRecord,
    });
    info = parser.info;
    return syncApi(parser);
  };
  let buf: Uint8Array = new Uint8Array();
  let bufStart = 0;
  let scanned = 0;
  let lineEnds = 0;
  /** The line an absolute byte offset inside the current chunk stands on. */
  const lineAt = (offset: number): number => {
    for (let i = scanned - bufStart, to = offset - bufStart; i < to; i++) if (buf[i] === 10) lineEnds++;
    if (offset > scanned) scanned = offset;
    return lineEnds + 1;
  };
  const known = new Set(opts.fields);
  let header: string[] | null = null;
  let columns: Array<string | null> = [];
  let unknown: string[] = [];
  let n = 0;
  let nextLine = 1;
  let batch: RawRecord[] = [];

  const onRecord = (record: string[]) => {
    if (!header) {
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
      nextLine = lineAt(info.bytes);
      unknown = header.filter((h) => !known.has(h));
      return;
    }
    n++;
    const fields: Record<string, string> = {};
    for (let i = 0; i < columns.length && i < record.length; i++) {
      const c = columns[i];
      if (c) fields[c] = trim(record[i] as string);
    }
    // A record begins where the one before it ended.
    const raw: RawRecord = { n, line: nextLine, fields };
    nextLine = lineAt(info.bytes);
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
    let csv = api;
    if (!csv) {
      headText += text;
      const nl = headText.indexOf('\n');
      if (nl < 0 && !end) {
        if (headText.length > maxRecord)
          throw new GatewayError(
            'not_well_formed',
            `line 1: the header is longer than ${maxRecord} characters`,
            {
              line: 1,
            },
          );
        return;
      }
      csv = startParser(nl < 0 ? headText : headText.slice(0, nl));
      api = csv;
      text = headText;
      headText = '';
    }
    bufStart += buf.length;
    buf = Buffer.from(text, 'utf8');
    const err = csv.parse(buf as Buffer, end, onRecord, () => {});
    lineAt(bufStart + buf.length);
    if (err) {
      const e = err as Error & { lines?: number; code?: string };
      throw new GatewayError(
        'not_well_formed',
        `line ${e.lines ?? '?'}: ${messageWithoutContent(e.message)}`,
        {
          line: e.lines,
        },
      );
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

/**
 * The delimiter a header row uses: `,` or `;`, whichever it has outside quotes (`,` when it
 * has neither). One delimiter holds for the whole file, so the other may stand in a value.
 */
function delimiterOf(header: string): ',' | ';' {
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
