import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { trimXmlSpace } from '../core/value-shape';
import { createDecoder } from './encoding';
import type { RecordReader } from './record-reader';

export interface NdjsonReaderOptions {
  fields: readonly string[];
  /** The longest line accepted; a longer one is refused before it is held whole. */
  maxLineChars: number;
  /** Whether string values lose XML whitespace at both ends (the dataset's `whitespace`). */
  trim?: boolean;
}

/** The most unknown names or problems one record lists; more are not kept. */
const MAX_PER_RECORD = 16;

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
    // own text says which keys repeat and how each number was written.
    const { numbers, repeated } = scanObjectLine(t);
    if (repeated.length) raw.repeated = repeated.slice(0, MAX_PER_RECORD);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!known.has(k)) {
        raw.unknown ??= [];
        if (raw.unknown.length < MAX_PER_RECORD) raw.unknown.push(k);
        continue;
      }
      if (v === null) continue;
      if (typeof v === 'string') raw.fields[k] = trim(v);
      else if (typeof v === 'number') raw.fields[k] = numbers.get(k) ?? String(v);
      else if (typeof v === 'boolean') raw.fields[k] = String(v);
      else {
        raw.problems ??= [];
        if (raw.problems.length < MAX_PER_RECORD)
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
    write: (chunk) => feed(decoder.decode(chunk)),
    end() {
      const out = feed(decoder.end());
      if (rest !== '') {
        parseLine(rest, out);
        rest = '';
      }
      if (!seenAny) throw new GatewayError('not_well_formed', 'the delivery is empty');
      return out;
    },
  };
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Over the text of a JSON object already parsed: the text of each top-level number as written
 * (`37.499999999999999999`, `1e1`), and the keys given more than once.
 */
export function scanObjectLine(t: string): { numbers: Map<string, string>; repeated: string[] } {
  const numbers = new Map<string, string>();
  const seen = new Set<string>();
  const repeated: string[] = [];
  const n = t.length;
  let i = t.indexOf('{') + 1;
  const skipSpace = () => {
    while (i < n && WHITESPACE.has(t[i] as string)) i++;
  };
  const readString = (): string => {
    const start = i++;
    let escaped = false;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 92) {
        escaped = true;
        i += 2;
      } else if (c === 34) {
        i++;
        break;
      } else i++;
    }
    const token = t.slice(start, i);
    return escaped ? (JSON.parse(token) as string) : token.slice(1, -1);
  };
  /** Skips one value; its text when it is a number. */
  const readValue = (): string | null => {
    const c = t[i];
    if (c === '"') {
      readString();
      return null;
    }
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const d = t[i];
        if (d === '"') {
          readString();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') {
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
    const start = i;
    while (i < n && !WHITESPACE.has(t[i] as string) && t[i] !== ',' && t[i] !== '}') i++;
    const token = t.slice(start, i);
    return token === 'true' || token === 'false' || token === 'null' ? null : token;
  };
  for (;;) {
    skipSpace();
    if (i >= n || t[i] === '}') break;
    if (t[i] === ',') {
      i++;
      continue;
    }
    const key = readString();
    skipSpace();
    i++; // the colon
    skipSpace();
    const number = readValue();
    if (seen.has(key)) repeated.push(key);
    else seen.add(key);
    if (number !== null) numbers.set(key, number);
  }
  return { numbers, repeated };
}
