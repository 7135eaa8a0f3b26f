import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { trimXmlSpace } from '../core/value-shape';
import { createDecoder, invalidBytes } from './encoding';
import { MAX_NAMES_PER_RECORD, type RecordReader } from './record-reader';

export interface NdjsonReaderOptions {
  fields: readonly string[];
  /** The longest line accepted; a longer one is refused before it is held whole. */
  maxLineChars: number;
  /** Whether string values lose XML whitespace at both ends (the dataset's `whitespace`). */
  trim?: boolean;
}

/** One JSON object per line, keys are field ids; blank lines are ignored. Always UTF-8. */
export function createNdjsonReader(opts: NdjsonReaderOptions): RecordReader {
  const decoder = createDecoder('utf-8');
  const trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const known = new Set(opts.fields);
  let rest = '';
  let line = 0;
  let n = 0;
  let seenAny = false;

  const parseLine = (text: string, out: RawRecord[]) => {
    line++;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '') return;
    seenAny = true;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      // JSON.parse's message quotes the line: it is not repeated.
      throw new GatewayError('not_well_formed', `line ${line}: not a JSON value`, { line });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new GatewayError('not_well_formed', `line ${line}: each line holds one JSON object`, { line });
    n++;
    const raw: RawRecord = { n, line, fields: {} };
    // JSON.parse keeps the last of a repeated key and turns numbers into doubles: the line's
    // own text says which keys repeat and how each number was written. Every key stands before
    // a colon of its own, so a line with no more colons than the object has keys repeats none;
    // it is scanned only when it may, or when it holds a number.
    const entries = Object.entries(value as Record<string, unknown>);
    let scanned: ReturnType<typeof scanObjectLine> | null = null;
    const scan = () => {
      scanned ??= scanObjectLine(t);
      return scanned;
    };
    if (colonsIn(t) > entries.length) {
      const { repeated } = scan();
      if (repeated.length) raw.repeated = repeated.slice(0, MAX_NAMES_PER_RECORD);
    }
    for (const [k, v] of entries) {
      if (!known.has(k)) {
        raw.unknown ??= [];
        if (raw.unknown.length < MAX_NAMES_PER_RECORD) raw.unknown.push(k);
        continue;
      }
      if (v === null) continue;
      if (typeof v === 'string') raw.fields[k] = trim(v);
      else if (typeof v === 'number') raw.fields[k] = scan().numbers?.get(k) ?? String(v);
      else if (typeof v === 'boolean') raw.fields[k] = String(v);
      else {
        raw.problems ??= [];
        if (raw.problems.length < MAX_NAMES_PER_RECORD)
          raw.problems.push({ field: k, rule: 'type', message: `${k} is an object or array, not a value` });
      }
    }
    out.push(raw);
  };

  const feed = (text: string): RawRecord[] => {
    const out: RawRecord[] = [];
    const buf = rest + text;
    let from = 0;
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      parseLine(buf.slice(from, nl), out);
      from = nl + 1;
      nl = buf.indexOf('\n', from);
    }
    rest = buf.slice(from);
    if (rest.length > opts.maxLineChars)
      throw new GatewayError(
        'not_well_formed',
        `line ${line + 1} is longer than ${opts.maxLineChars} characters`,
        { line: line + 1 },
      );
    return out;
  };

  return {
    rootAttributes: undefined,
    write(chunk) {
      const { text, invalid } = decoder.decodeUpToInvalid(chunk);
      const out = feed(text);
      if (invalid) throw invalidBytes('utf-8', { line: line + 1 });
      return out;
    },
    end() {
      let tail: string;
      try {
        tail = decoder.end();
      } catch {
        throw invalidBytes('utf-8', { line: line + 1 });
      }
      const out = feed(tail);
      if (rest !== '') {
        parseLine(rest, out);
        rest = '';
      }
      if (!seenAny) throw new GatewayError('not_well_formed', 'the delivery is empty');
      return out;
    },
  };
}

/** The colons in a line, wherever they stand. */
function colonsIn(t: string): number {
  let count = 0;
  for (let i = t.indexOf(':'); i >= 0; i = t.indexOf(':', i + 1)) count++;
  return count;
}

/** Space, TAB, LF, CR: JSON's whitespace. */
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Over the text of a JSON object already parsed: the text of each top-level number as written
 * (`37.499999999999999999`, `1e1`), and the keys given more than once. One pass over char
 * codes; strings are skipped with indexOf.
 */
export function scanObjectLine(t: string): { numbers: Map<string, string> | null; repeated: string[] } {
  let numbers: Map<string, string> | null = null;
  // Records have a handful of keys: a list is cheaper than a set.
  const seen: string[] = [];
  const repeated: string[] = [];
  const n = t.length;
  let i = t.indexOf('{') + 1;
  /** From the opening quote at i to just past the closing one; the string's value. */
  const readString = (): string => {
    const start = i;
    let end = t.indexOf('"', i + 1);
    for (;;) {
      let backslashes = 0;
      for (let k = end - 1; t.charCodeAt(k) === 92; k--) backslashes++;
      if (backslashes % 2 === 0) break;
      end = t.indexOf('"', end + 1);
    }
    i = end + 1;
    const token = t.slice(start, i);
    return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
  };
  /** Skips one value; its text when it is a number. */
  const readValue = (): string | null => {
    const c = t.charCodeAt(i);
    if (c === 34) {
      readString();
      return null;
    }
    if (c === 123 || c === 91) {
      let depth = 0;
      while (i < n) {
        const d = t.charCodeAt(i);
        if (d === 34) {
          readString();
          continue;
        }
        if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
        i++;
      }
      return null;
    }
    // true, false, null: skipped; a number: its text.
    const start = i;
    while (i < n) {
      const d = t.charCodeAt(i);
      if (d === 44 || d === 125 || isSpace(d)) break;
      i++;
    }
    return c === 116 || c === 102 || c === 110 ? null : t.slice(start, i);
  };
  for (;;) {
    while (i < n && isSpace(t.charCodeAt(i))) i++;
    const c = t.charCodeAt(i);
    if (i >= n || c === 125) break;
    if (c === 44) {
      i++;
      continue;
    }
    const key = readString();
    while (i < n && isSpace(t.charCodeAt(i))) i++;
    i++; // the colon
    while (i < n && isSpace(t.charCodeAt(i))) i++;
    const number = readValue();
    if (seen.includes(key)) repeated.push(key);
    else seen.push(key);
    if (number !== null) {
      numbers ??= new Map();
      numbers.set(key, number);
    }
  }
  return { numbers, repeated };
}
