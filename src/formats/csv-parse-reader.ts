import { Parser } from 'csv-parse';
import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { messageWithoutContent, trimXmlSpace } from '../core/value-shape';
import { type CsvReaderOptions, csvRows, delimiterOf } from './csv-rows';
import { createDecoder, invalidBytes } from './encoding';
import type { RecordReader } from './record-reader';

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

/** Where the CSV scanner handed over: the header it read and its delimiter, the records read, the line the next one begins on. */
export interface CsvParseResume {
  header: string[];
  delimiter: ',' | ';';
  records: number;
  line: number;
  crlf: boolean;
}

/**
 * RFC 4180 CSV with a header row, `,` or `;` between fields, quoted delimiters and newlines,
 * BOM, in a declared charset. Parsing is csv-parse's own push API, driven synchronously: for
 * any charset, and where the byte scanner (csv-reader.ts) hands over.
 */
export function createCsvParseReader(opts: CsvReaderOptions, resume?: CsvParseResume): RecordReader {
  const decoder = createDecoder(opts.charset);
  const _trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const maxRecord = opts.maxFieldChars * (opts.fields.length + 4);
  let api: CsvApi | null = null;
  // The parser's live counters, read as each record completes: no snapshot object per record.
  // `bytes` is then just past the record's line end; its line count is not reliable, so the
  // reader counts line ends itself, once over each chunk.
  let info: { bytes: number } = { bytes: 0 };
  /** Text before the header's line end: the header decides the delimiter for the whole file. */
  let headText = '';
  const startParser = (header: string): CsvApi => {
    const delimiter = resume?.delimiter ?? delimiterOf(header);
    const parser = new Parser({
      delimiter,
      bom: true,
      relax_column_count: true,
      // Where the scanner hands over, the header's line end holds for the rest of the file.
      ...(resume ? { record_delimiter: resume.crlf ? '\r\n' : '\n' } : {}),
      skip_empty_lines: true,
      max_record_size: maxRecord,
    });
    info = parser.info;
    return syncApi(parser);
  };
  let buf: Uint8Array = new Uint8Array();
  let bufStart = 0;
  let scanned = 0;
  let lineEnds = resume ? resume.line - 1 : 0;
  // csv-parse counts lines from where it began: line 1 is the scanner's `resume.line`.
  const lineShift = resume ? resume.line - 1 : 0;
  /** The line an absolute byte offset inside the current chunk stands on. */
  const lineAt = (offset: number): number => {
    for (let i = scanned - bufStart, to = offset - bufStart; i < to; i++) if (buf[i] === 10) lineEnds++;
    if (offset > scanned) scanned = offset;
    return lineEnds + 1;
  };
  const rows = csvRows(opts, resume);
  let nextLine = resume?.line ?? 1;
  let batch: RawRecord[] = [];

  const onRecord = (record: string[]) => {
    if (!rows.hasHeader) {
      rows.header(record);
      nextLine = lineAt(info.bytes);
      return;
    }
    // A record begins where the one before it ended.
    const raw = rows.record(record, nextLine);
    nextLine = lineAt(info.bytes);
    batch.push(raw);
  };

  const feed = (text: string, end: boolean) => {
    let csv = api;
    if (!csv && resume) {
      csv = startParser('');
      api = csv;
    } else if (!csv) {
      headText += text;
      const nl = headText.indexOf('\n');
      // Judged on the header's own length, so that the answer is the same however it arrives.
      if ((nl < 0 ? headText.length : nl) > maxRecord)
        throw new GatewayError(
          'not_well_formed',
          `line 1: the header is longer than ${maxRecord} characters`,
          {
            line: 1,
          },
        );
      if (nl < 0 && !end) return;
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
        `line ${e.lines === undefined ? '?' : e.lines + lineShift}: ${messageWithoutContent(e.message).replace(/\bline (\d+)/g, (_, d: string) => `line ${Number(d) + lineShift}`)}`,
        {
          line: e.lines === undefined ? undefined : e.lines + lineShift,
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
      const { text, invalid } = decoder.decodeUpToInvalid(chunk);
      feed(text, false);
      if (invalid) throw invalidBytes(opts.charset, { line: lineEnds + 1 });
      return take();
    },
    end() {
      let tail: string;
      try {
        tail = decoder.end();
      } catch {
        // A character the last bytes began and did not finish, on the line after the last line end.
        throw invalidBytes(opts.charset, { line: lineEnds + 1 });
      }
      feed(tail, true);
      if (!rows.hasHeader)
        throw new GatewayError(
          'not_well_formed',
          'the delivery is empty: a CSV delivery begins with a header row',
        );
      return take();
    },
  };
}
