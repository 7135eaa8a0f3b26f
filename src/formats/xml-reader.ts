/**
 * The XML reader: a scanner for record-shaped XML that works on the bytes (element names
 * compared as bytes, only field text decoded), for the common shape of a delivery: UTF-8, one
 * root in the dataset's default namespace, records of fields with text. Anything else — another
 * encoding, a DOCTYPE, comments, CDATA, attributes on records or fields, nested elements, an
 * unknown entity, a character XML cannot carry, an error of any kind — it does not judge: it
 * hands the rest of the delivery to saxes (xml-saxes.ts), from the start when nothing was read
 * yet, otherwise from the boundary before the record it could not read, with saxes primed to
 * the same root, line and column. So every answer, records and errors alike, is saxes's
 * answer; a differential test holds the two to that over the attack and quirky corpora.
 */
import type { RawRecord } from '../core/validator';
import { trimXmlSpace } from '../core/value-shape';
import { MAX_NAMES_PER_RECORD, type RecordReader } from './record-reader';
import {
  CR,
  DECL,
  expandText,
  GT,
  HEAD,
  isSpace,
  LT,
  MAX_NAME,
  MAX_PENDING,
  MAX_PROLOG,
  NAME,
  NL,
  ODD_TEXT,
  readRootTag,
  SLASH,
  utf8Text,
} from './xml-bytes';
import { createSaxesXmlReader, type XmlReaderOptions } from './xml-saxes';

export type { XmlReaderOptions } from './xml-saxes';

/** Why the scanner stops reading a record: it needs more bytes, or saxes must judge. */
const MORE = -1;
const HAND_OVER = -2;

/** `handedOver` is told when saxes takes over, and at which byte of the input (for tests and metrics). */
export function createXmlReader(
  opts: XmlReaderOptions,
  watch?: { handedOver(at: number): void },
): RecordReader {
  if ((opts.maxDepth ?? 32) < 3) return createSaxesXmlReader(opts);
  const maxField = opts.maxFieldChars ?? 100_000;
  const maxTextBytes = Math.max(4 * maxField, 64 * 1024);
  const trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const recordName = Buffer.from(opts.record, 'utf8');
  const rootName = Buffer.from(opts.root, 'utf8');
  const fieldNames = [...opts.elementToField.keys()];
  const names = fieldNames.map((k) => Buffer.from(k, 'utf8'));
  const ids = fieldNames.map((k) => opts.elementToField.get(k) as string);

  let mode: 'head' | 'prolog' | 'records' | 'after' | 'saxes' = 'head';
  let saxes: RecordReader | null = null;
  let b: Buffer = Buffer.alloc(0);
  let len = 0;
  /** Where the scanner reads next; the boundary saxes would resume from. */
  let pos = 0;
  let mark = 0;
  let rootTag = '';
  let rootAttributes: Record<string, string> | undefined;
  let n = 0;
  let batch: RawRecord[] = [];
  // Lines as saxes counts them (CR LF and a lone CR are one line break each), counted up to linePos.
  let crSeen = false;
  let line = 1;
  let linePos = 0;
  let lastBreak = -1;
  let nextNl = -2;
  let colBase = 0;
  let next = 0;
  /** Where each chunk after the first of the buffer began. */
  let borders: number[] = [];

  const advanceLines = (to: number) => {
    if (to <= linePos) return;
    if (!crSeen) {
      if (nextNl === -2 || (nextNl >= 0 && nextNl < linePos)) nextNl = b.indexOf(NL, linePos);
      while (nextNl >= 0 && nextNl < to) {
        line++;
        lastBreak = nextNl;
        nextNl = b.indexOf(NL, nextNl + 1);
      }
    } else {
      for (let i = linePos; i < to; i++) {
        const c = b[i];
        if (c === NL || c === CR) {
          line++;
          if (c === CR && b[i + 1] === NL) i++;
          lastBreak = i;
        }
      }
    }
    linePos = to;
  };
  /** Code points since the last line break, as saxes counts columns. */
  const columnAt = (at: number) => {
    let col = lastBreak < 0 ? colBase : 0;
    for (let i = lastBreak + 1; i < at; i++) if (((b[i] as number) & 0xc0) !== 0x80) col++;
    return col;
  };

  let consumed = 0;
  const handOver = (at: number): RawRecord[] => {
    watch?.handedOver(consumed + at);
    const out = batch;
    batch = [];
    if (mode === 'head' || mode === 'prolog') {
      saxes = createSaxesXmlReader(opts);
    } else {
      advanceLines(at);
      saxes = createSaxesXmlReader(opts, {
        primer: rootTag,
        line,
        column: columnAt(at),
        records: n,
        offset: consumed + at,
      });
    }
    mode = 'saxes';
    // The bytes not yet judged, in the chunks they came in: saxes bounds each token between
    // its writes, so it meets them as it would have alone.
    let from = at;
    for (const border of [...borders, len]) {
      if (border <= from) continue;
      for (const r of saxes.write(b.subarray(from, border))) out.push(r);
      from = border;
    }
    b = Buffer.alloc(0);
    return out;
  };

  const skipSpace = (i: number) => {
    while (i < len && isSpace(b[i])) i++;
    return i;
  };
  /** Whether the bytes at i are `name`. */
  const nameAt = (i: number, name: Buffer) => {
    if (i + name.length > len) return false;
    for (let k = 0; k < name.length; k++) if (b[i + k] !== name[k]) return false;
    return true;
  };
  /** The end of an end tag `</name S? >` at i (after its `>`), MORE or HAND_OVER. */
  const endTag = (i: number, nameStart: number, nameLen: number) => {
    if (i + 2 + nameLen >= len) return MORE;
    if (b[i + 1] !== SLASH) return HAND_OVER;
    for (let k = 0; k < nameLen; k++) if (b[i + 2 + k] !== b[nameStart + k]) return HAND_OVER;
    const e = skipSpace(i + 2 + nameLen);
    if (e >= len) return MORE;
    return b[e] === GT ? e + 1 : HAND_OVER;
  };
  const fieldId = (start: number, nameLen: number): string | undefined | null => {
    for (let i = next; i < names.length; i++) {
      const name = names[i] as Buffer;
      if (name.length === nameLen && nameAt(start, name)) {
        next = i + 1;
        return ids[i];
      }
    }
    // Then the names before it, not yet tried.
    const tried = next;
    next = 0;
    for (let i = 0; i < tried; i++) {
      const name = names[i] as Buffer;
      if (name.length === nameLen && nameAt(start, name)) {
        next = i + 1;
        return ids[i];
      }
    }
    // Not a field: an ASCII name is reported as unknown; anything else is saxes's to judge.
    if (NAME[b[start] as number] !== 1) return null;
    for (let k = 1; k < nameLen; k++) if (!NAME[b[start + k] as number]) return null;
    return undefined;
  };

  /** Reads one record whose `<` is at p: the position after it, MORE or HAND_OVER. */
  const record = (p: number): number => {
    if (!nameAt(p + 1, recordName)) return p + 1 + recordName.length >= len ? MORE : HAND_OVER;
    let q = skipSpace(p + 1 + recordName.length);
    if (q + 1 >= len) return MORE;
    let tagEnd = q;
    const rec: RawRecord = { n: 0, line: 0, fields: {} };
    if (b[q] === SLASH) {
      if (b[q + 1] !== GT) return HAND_OVER;
      tagEnd = q + 1;
      q += 2;
    } else if (b[q] === GT) {
      q++;
      for (;;) {
        const space = q;
        q = skipSpace(q);
        // Saxes bounds whitespace between elements as it bounds text: a long run is its to judge.
        if (q - space > maxTextBytes) return HAND_OVER;
        if (q + 1 >= len) return MORE;
        if (b[q] !== LT) return HAND_OVER;
        const c = b[q + 1] as number;
        if (c === SLASH) {
          q = endTag(q, p + 1, recordName.length);
          if (q < 0) return q;
          break;
        }
        if (NAME[c] !== 1 && c < 0x80) return HAND_OVER;
        const nameStart = q + 1;
        let ne = nameStart + 1;
        while (ne < len && ((NAME[b[ne] as number] as number) > 0 || (b[ne] as number) >= 0x80)) ne++;
        const nameLen = ne - nameStart;
        if (nameLen > MAX_NAME) return HAND_OVER;
        let t = skipSpace(ne);
        if (t + 1 >= len) return MORE;
        let text = '';
        let empty = false;
        if (b[t] === SLASH) {
          if (b[t + 1] !== GT) return HAND_OVER;
          empty = true;
          t += 2;
        } else if (b[t] === GT) t++;
        else return HAND_OVER;
        const id = fieldId(nameStart, nameLen);
        if (id === null) return HAND_OVER;
        if (!empty) {
          const lt = b.indexOf(LT, t);
          if (lt < 0) return len - t > maxTextBytes ? HAND_OVER : MORE;
          if (lt - t > maxTextBytes) return HAND_OVER;
          const after = endTag(lt, nameStart, nameLen);
          if (after < 0) return after;
          if (lt > t) {
            const raw = utf8Text(b, t, lt);
            const expanded = ODD_TEXT.test(raw) ? expandText(raw) : raw;
            if (expanded === null) return HAND_OVER;
            text = expanded;
          }
          t = after;
        }
        if (id === undefined) {
          rec.unknown ??= [];
          if (rec.unknown.length < MAX_NAMES_PER_RECORD)
            rec.unknown.push(b.toString('latin1', nameStart, ne));
        } else {
          if (rec.fields[id] !== undefined) {
            rec.repeated ??= [];
            if (rec.repeated.length < MAX_NAMES_PER_RECORD) rec.repeated.push(id);
          }
          rec.fields[id] = trim(text.length > maxField ? text.slice(0, maxField + 1) : text);
        }
        q = t;
      }
    } else return HAND_OVER;
    advanceLines(tagEnd);
    rec.n = ++n;
    rec.line = line;
    batch.push(rec);
    return q;
  };

  /** Reads what the bytes hold; at the end of the input when `ending`. */
  const run = (ending: boolean): RawRecord[] => {
    if (mode === 'head') {
      if (len < HEAD && !ending) return [];
      const bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      // Saxes never sees the byte order mark: the decoder takes it away.
      lastBreak = bom - 1;
      pos = bom;
      const head = b.toString('latin1', bom, Math.min(len, bom + HEAD));
      if (head.startsWith('<?xml')) {
        const m = DECL.exec(head);
        if (!m) return handOver(0);
        pos = bom + m[0].length;
      }
      mode = 'prolog';
    }
    if (mode === 'prolog') {
      pos = skipSpace(pos);
      if (pos > MAX_PROLOG) return handOver(0);
      if (pos + 1 >= len) return ending || len > MAX_PROLOG ? handOver(0) : [];
      if (b[pos] !== LT || NAME[b[pos + 1] as number] !== 1) return handOver(0);
      const gt = b.indexOf(GT, pos);
      if (gt < 0) return ending || len > MAX_PROLOG ? handOver(0) : [];
      const tag = b.toString('utf8', pos, gt + 1);
      const attributes = readRootTag(tag, opts);
      if (!attributes) return handOver(0);
      rootTag = tag;
      rootAttributes = attributes;
      mode = 'records';
      pos = gt + 1;
      mark = pos;
    }
    while (mode === 'records') {
      mark = pos;
      const p = skipSpace(pos);
      if (p - pos > maxTextBytes) return handOver(mark);
      if (p + 1 >= len) break;
      if (b[p] !== LT) return handOver(mark);
      if (b[p + 1] === SLASH) {
        if (p + 2 + rootName.length >= len) break;
        if (!nameAt(p + 2, rootName)) return handOver(mark);
        const e = skipSpace(p + 2 + rootName.length);
        if (e >= len) break;
        if (b[e] !== GT) return handOver(mark);
        mode = 'after';
        mark = p;
        pos = e + 1;
        break;
      }
      const q = record(p);
      if (q === HAND_OVER) return handOver(mark);
      if (q === MORE) break;
      pos = q;
    }
    if (mode === 'after') {
      pos = skipSpace(pos);
      if (pos < len || pos - mark > maxTextBytes) return handOver(mark);
      if (ending) {
        const out = batch;
        batch = [];
        return out;
      }
    }
    if (ending) return handOver(mark);
    if (len - mark > MAX_PENDING) return handOver(mark);
    return rest();
  };

  /** Keeps the bytes from the boundary on for the next chunk; returns the records read. */
  const rest = (): RawRecord[] => {
    if (mode === 'records' || mode === 'after') {
      advanceLines(mark);
      colBase = columnAt(mark);
      lastBreak = -1;
      b = b.subarray(mark, len);
      len = b.length;
      consumed += mark;
      borders = borders.filter((x) => x > mark).map((x) => x - mark);
      pos -= mark;
      linePos = 0;
      nextNl = -2;
      mark = 0;
    }
    const out = batch;
    batch = [];
    return out;
  };

  return {
    get rootAttributes() {
      return saxes ? saxes.rootAttributes : rootAttributes;
    },
    write(chunk) {
      if (saxes) return saxes.write(chunk);
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!crSeen && bytes.indexOf(CR) >= 0) crSeen = true;
      // Saxes reads nothing until it holds HEAD bytes: chunks before that are one write to it.
      if (len > 0 && consumed + len >= HEAD) borders.push(len);
      b = len === 0 ? bytes : Buffer.concat([b, bytes]);
      len = b.length;
      nextNl = -2;
      return run(false);
    },
    end() {
      if (saxes) return saxes.end();
      const out = run(true);
      const current = saxes as RecordReader | null;
      if (current) for (const r of current.end()) out.push(r);
      return out;
    },
  };
}
