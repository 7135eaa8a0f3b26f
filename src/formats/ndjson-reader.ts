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
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!known.has(k)) {
        raw.unknown ??= [];
        if (raw.unknown.length < MAX_PER_RECORD) raw.unknown.push(k);
        continue;
      }
      if (v === null) continue;
      if (typeof v === 'string') raw.fields[k] = trim(v);
      else if (typeof v === 'number' || typeof v === 'boolean') raw.fields[k] = String(v);
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
