/**
 * The CSV reader: a scanner for UTF-8 CSV (RFC 4180) that works on the bytes: a line without a
 * quote is decoded once and split at its delimiter; a quoted field is read by its quotes. The
 * header decides the delimiter and the line end (LF or CR LF) for the whole file. Anything else
 * — another charset, a lone CR, another line end, a quote where RFC 4180 puts none, bytes that
 * are not UTF-8, a record longer than any may be — it does not judge: it hands the rest to
 * csv-parse (csv-parse-reader.ts) at the record where it meets it. So every answer is
 * csv-parse's answer; a differential test holds the two to that.
 */
import type { RawRecord } from '../core/validator';
import { createCsvParseReader } from './csv-parse-reader';
import { type CsvReaderOptions, csvRows, delimiterOf } from './csv-rows';
import type { RecordReader } from './record-reader';
import { utf8Text } from './xml-bytes';

export type { CsvReaderOptions } from './csv-rows';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const MORE = -1;
const HAND_OVER = -2;

export function createCsvReader(
  opts: CsvReaderOptions,
  watch?: { handedOver(at: number): void },
): RecordReader {
  if (opts.charset !== 'utf-8') return createCsvParseReader(opts);
  const maxRecord = opts.maxFieldChars * (opts.fields.length + 4);
  const rows = csvRows(opts);
  let fallback: RecordReader | null = null;
  let b: Buffer = Buffer.alloc(0);
  let len = 0;
  let consumed = 0;
  /** Where each chunk after the first of the buffer began: csv-parse gets them as they came. */
  let borders: number[] = [];
  let pos = 0;
  let line = 1;
  let delimiter = 0;
  let delimiterText: ',' | ';' = ',';
  let crlf = false;
  let nextQuote = -2;
  let nextCr = -2;
  let batch: RawRecord[] = [];
  let cells: string[] = [];
  // The record held back: its cells (null when none), its line and where it began.
  let heldCells: string[] | null = null;
  let heldLine = 0;
  let heldStart = 0;

  const take = () => {
    const out = batch;
    batch = [];
    return out;
  };

  const handOver = (at: number): RawRecord[] => {
    watch?.handedOver(consumed + at);
    const out = take();
    fallback = rows.hasHeader
      ? createCsvParseReader(opts, {
          header: rows.rawHeader,
          delimiter: delimiterText,
          records: rows.records,
          line,
          crlf,
        })
      : createCsvParseReader(opts);
    let from = at;
    for (const border of [...borders, len]) {
      if (border <= from) continue;
      for (const r of fallback.write(b.subarray(from, border))) out.push(r);
      from = border;
    }
    b = Buffer.alloc(0);
    return out;
  };

  /** Reads the quoted field whose quote is at i into cells: the position after it, MORE or HAND_OVER. */
  const quoted = (i: number): number => {
    let text = '';
    let from = i + 1;
    for (;;) {
      const q = b.indexOf(QUOTE, from);
      if (q < 0 || q + 1 >= len) return MORE;
      if (b[q + 1] === QUOTE) {
        text += utf8Text(b, from, q + 1);
        from = q + 2;
        continue;
      }
      text += utf8Text(b, from, q);
      cells.push(text);
      return q + 1;
    }
  };

  /** Reads the record at s: the position after its line end, MORE or HAND_OVER. Its cells are in `cells`. */
  const record = (s: number, ending: boolean): number => {
    cells = [];
    if (nextQuote === -2 || (nextQuote >= 0 && nextQuote < s)) nextQuote = b.indexOf(QUOTE, s);
    if (nextCr === -2 || (nextCr >= 0 && nextCr < s)) nextCr = b.indexOf(CR, s);
    let e = b.indexOf(LF, s);
    if (e < 0) {
      if (!ending) return MORE;
      e = len;
    }
    if (nextQuote < 0 || nextQuote >= e) {
      // No quote on this line: one decode, one split.
      const end = crlf && e < len ? e - 1 : e;
      if (crlf && e < len && b[end] !== CR) return HAND_OVER;
      if (nextCr >= 0 && nextCr < end) return HAND_OVER;
      if (end === s) return e < len ? e + 1 : len;
      const text = utf8Text(b, s, end);
      if (text.length > maxRecord || text.includes('\uFFFD')) return HAND_OVER;
      cells = text.split(delimiterText);
      return e < len ? e + 1 : len;
    }
    // A quoted field on this line: field by field.
    let i = s;
    for (;;) {
      if (i - s > maxRecord) return HAND_OVER;
      if (i >= len) return ending ? HAND_OVER : MORE;
      if (b[i] === QUOTE) {
        i = quoted(i);
        if (i < 0) return ending && i === MORE ? HAND_OVER : i;
      } else {
        let j = i;
        while (j < len) {
          const c = b[j];
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) return HAND_OVER;
          j++;
        }
        if (j >= len && !ending) return MORE;
        cells.push(utf8Text(b, i, j));
        i = j;
      }
      if (i >= len) {
        if (!ending) return MORE;
        break;
      }
      const c = b[i];
      if (c === delimiter) {
        i++;
        continue;
      }
      if (crlf ? c === CR && b[i + 1] === LF : c === LF) {
        i += crlf ? 2 : 1;
        break;
      }
      if (crlf && c === CR && i + 1 >= len && !ending) return MORE;
      return HAND_OVER;
    }
    for (let k = s; k < i; k++) if (b[k] === CR && !(crlf && b[k + 1] === LF)) return HAND_OVER;
    for (const cell of cells) if (cell.includes('\uFFFD')) return HAND_OVER;
    return i;
  };

  /** The line breaks in [from, to), as csv-parse's reader counts lines (LF). */
  const linesIn = (from: number, to: number) => {
    let count = 0;
    for (let i = b.indexOf(LF, from); i >= 0 && i < to; i = b.indexOf(LF, i + 1)) count++;
    return count;
  };

  const run = (ending: boolean): RawRecord[] => {
    if (!rows.hasHeader) {
      // The header: a plain line (no quote, no CR but a CR LF end), read as csv-parse would.
      const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      const e = b.indexOf(LF, start);
      if (e < 0 && !ending) return len > maxRecord ? handOver(0) : [];
      const end = e < 0 ? len : e;
      crlf = end > start && b[end - 1] === CR;
      const text = utf8Text(b, start, crlf ? end - 1 : end);
      if (end === start || /["\r\uFFFD]/.test(text) || text.length > maxRecord) return handOver(0);
      delimiterText = delimiterOf(text);
      delimiter = delimiterText.charCodeAt(0);
      rows.header(text.split(delimiterText));
      pos = e < 0 ? len : e + 1;
      line = 2;
    }
    // Each record is held back until the next one is read: where the scanner hands over, csv-parse
    // begins with the record before, and meets its line end as it would have.
    for (;;) {
      if (pos >= len) break;
      const next = record(pos, ending);
      if (next === HAND_OVER) {
        if (heldCells) line = heldLine;
        return handOver(heldCells ? heldStart : pos);
      }
      if (next === MORE) break;
      if (cells.length > 0) {
        if (heldCells) batch.push(rows.record(heldCells, heldLine));
        heldCells = cells;
        heldLine = line;
        heldStart = pos;
      }
      line += linesIn(pos, next);
      pos = next;
    }
    if (ending) {
      if (heldCells) batch.push(rows.record(heldCells, heldLine));
      heldCells = null;
      return take();
    }
    const keep = heldCells ? heldStart : pos;
    if (len - keep > 4 * maxRecord) {
      if (heldCells) line = heldLine;
      return handOver(keep);
    }
    // Keep the record not yet whole (and the one held back) for the next chunk.
    b = b.subarray(keep, len);
    len = b.length;
    consumed += keep;
    borders = borders.filter((x) => x > keep).map((x) => x - keep);
    pos -= keep;
    heldStart = 0;
    nextQuote = -2;
    nextCr = -2;
    return take();
  };

  return {
    rootAttributes: undefined,
    write(chunk) {
      if (fallback) return fallback.write(chunk);
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (len > 0) borders.push(len);
      b = len === 0 ? bytes : Buffer.concat([b, bytes]);
      len = b.length;
      nextQuote = -2;
      nextCr = -2;
      return run(false);
    },
    end() {
      if (fallback) return fallback.end();
      const out = run(true);
      const current = fallback as RecordReader | null;
      if (current) for (const r of current.end()) out.push(r);
      else if (!rows.hasHeader) {
        const parsed = createCsvParseReader(opts);
        for (const r of parsed.end()) out.push(r);
      }
      return out;
    },
  };
}
