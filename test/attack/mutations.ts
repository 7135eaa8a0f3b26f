import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  daycareRecords,
  eldercareRecords,
  type SyntheticDataset,
  type SyntheticFormat,
  syntheticDelivery,
} from '../../src/cli/synthetic';

/**
 * Mutated deliveries: a valid synthetic delivery (src/cli/synthetic.ts) in a format and charset,
 * one mutation of its text or bytes, then an encoding (maybe mutated after compressing). A case is
 * a small plain object, so fast-check prints and shrinks it; `build` makes its bytes.
 */

export type Charset = 'utf-8' | 'iso-8859-1' | 'windows-1252';
export type Encoding = 'identity' | 'gzip' | 'gzip-gzip' | 'gzip-twice-declared-once';

export type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'nul'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'deep-nesting'; record: number; depth: number }
  | { kind: 'huge-text'; record: number; field: number; size: number }
  | { kind: 'long-name'; record: number; size: number }
  | { kind: 'long-attribute'; record: number; size: number }
  | { kind: 'long-comment'; record: number; size: number }
  | { kind: 'long-line'; record: number; size: number }
  | { kind: 'value'; record: number; field: number; value: string };

export interface Case {
  dataset: SyntheticDataset;
  format: SyntheticFormat;
  charset: Charset;
  records: number;
  seed: number;
  mutation: Mutation;
  encoding: Encoding;
  /** A mutation of the compressed bytes, when encoded. */
  compressed?: { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; mask: number };
}

export const SIZES = [300, 10_001, 100_000, 1_000_000, 4_000_000, 20_000_000] as const;

const frac = fc.integer({ min: 0, max: 9_999 }).map((n) => n / 10_000);
/** A CPR number of the synthetic generator (so the leak check knows it) typed where it does not belong. */
const SOME_CPRS = [...daycareRecords({ records: 3, seed: 1 })].map((r) => r.cpr as string);
/** Values that have tripped gateways: blanks of every kind, controls, formulas, CPR numbers, edges of each type. */
const tricky = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\u00a0Børnehuset',
      'Børnehuset\u00a0',
      '\u2003dagpleje',
      'a\u0000b',
      'a\u0001b',
      'a\rb',
      'a\r\nb',
      '\u2028',
      '\ufeffx',
      '\uffff',
      '=SUM(A1:A9)',
      '+45',
      '-1',
      '@cmd',
      '',
      ' ',
      '\t',
      'ø'.repeat(201),
      '12.345',
      '60.00',
      '60.01',
      '-0',
      '1e1',
      '0x10',
      '2024-02-29',
      '2025-02-29',
      '2026-1-1',
      'TRUE',
      ' dagpleje',
      'dagpleje ',
      'DAGPLEJE',
      '<![CDATA[x]]>',
      '&amp;',
      '"',
      '\\',
      ...SOME_CPRS,
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('value' as const),
      record: fc.nat(),
      field: fc.nat(),
      value: tricky,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: frac }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: frac,
      mask: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: frac,
      byte: fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x3c, 0x22, 0x2c, 0x3b, 0x0a, 0x26, 0x5c),
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('nul' as const), at: frac }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: frac,
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deep-nesting' as const),
      record: fc.nat(),
      depth: fc.constantFrom(50, 500, 10_000, 200_000),
    }),
  },
  ...(['huge-text', 'long-name', 'long-attribute', 'long-comment', 'long-line'] as const).map((kind) => ({
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant(kind),
      record: fc.nat(),
      field: fc.nat(),
      size: fc.constantFrom(...SIZES),
    }) as fc.Arbitrary<Mutation>,
  })),
);

export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    dataset: fc.constantFrom<SyntheticDataset>('daycare', 'eldercare'),
    format: fc.constantFrom<SyntheticFormat>('xml', 'csv', 'ndjson'),
    charset: fc.constantFrom<Charset>('utf-8', 'iso-8859-1', 'windows-1252'),
    records: fc.integer({ min: 1, max: 12 }),
    seed: fc.integer({ min: 1, max: 1000 }),
    mutation,
    encoding: fc.constantFrom<Encoding>(
      'identity',
      'identity',
      'gzip',
      'gzip-gzip',
      'gzip-twice-declared-once',
    ),
    // One encoded case in four has its compressed bytes cut or flipped.
    compressed: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: frac }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('flip' as const),
          at: frac,
          mask: fc.integer({ min: 1, max: 255 }),
        }),
      },
    ),
  })
  // NDJSON is UTF-8 only: the charset applies to XML and CSV.
  .map((c) => ({
    ...c,
    charset: c.format === 'ndjson' ? ('utf-8' as const) : c.charset,
    compressed: c.encoding === 'identity' ? undefined : c.compressed,
  }));

/** The CPR numbers of every synthetic record a case can start from: none may come back in an answer. */
export function plantedCprs(): Set<string> {
  const out = new Set<string>();
  for (let seed = 1; seed <= 1000; seed++)
    for (const gen of [daycareRecords, eldercareRecords])
      for (const r of gen({ records: 12, seed })) if (r.cpr) out.add(r.cpr);
  return out;
}

const ELEMENTS = {
  daycare: ['Cpr', 'InstitutionId', 'InstitutionName', 'CareType', 'StartDate', 'WeeklyHours'],
  eldercare: ['Cpr', 'ServiceType', 'ProviderKind', 'GrantedMinutesPerWeek', 'DeliveredMinutes', 'GrantDate'],
};
const RECORD = { daycare: 'Enrolment', eldercare: 'HomeCareGrant' };
const FIELDS = {
  daycare: [
    'cpr',
    'institutionId',
    'institutionName',
    'careType',
    'startDate',
    'endDate',
    'weeklyHours',
    'privateProvider',
  ],
  eldercare: [
    'cpr',
    'serviceType',
    'providerKind',
    'grantedMinutesPerWeek',
    'deliveredMinutes',
    'grantDate',
    'endDate',
  ],
};

export interface Built {
  body: Buffer;
  contentType: string;
  contentEncoding?: string;
}

/** The n-th match (mod the count) of a regex: where a structural mutation goes. */
function nth(text: string, re: RegExp, n: number): RegExpExecArray | null {
  const all = [...text.matchAll(re)];
  return all.length ? (all[n % all.length] as RegExpExecArray) : null;
}
const spliceAt = (text: string, at: number, insert: string, remove = 0) =>
  text.slice(0, at) + insert + text.slice(at + remove);

function structural(c: Case, text: string): string {
  const m = c.mutation;
  const dataLine = (record: number) => {
    const all = [...text.matchAll(/^.*\S.*$/gm)];
    const skip = c.format === 'csv' ? 1 : 0;
    return all.length > skip ? (all[skip + (record % (all.length - skip))] as RegExpExecArray) : null;
  };
  switch (m.kind) {
    case 'deep-nesting': {
      if (c.format === 'xml') {
        const at = nth(text, new RegExp(`<${ELEMENTS[c.dataset][0]}>`, 'g'), m.record);
        const i = (at?.index ?? 0) + (at?.[0].length ?? 0);
        return spliceAt(text, i, `${'<a>'.repeat(m.depth)}${'</a>'.repeat(m.depth)}`);
      }
      if (c.format === 'ndjson') {
        const at = nth(text, /"cpr":/g, m.record);
        const i = (at?.index ?? 0) + (at?.[0].length ?? 0);
        return spliceAt(text, i, `${'['.repeat(m.depth)}${']'.repeat(m.depth)},"x":`);
      }
      // CSV has no nesting: quotes nested as deep instead.
      const l = dataLine(m.record);
      return spliceAt(text, l?.index ?? 0, '"'.repeat(m.depth));
    }
    case 'huge-text': {
      const big = 'x'.repeat(m.size);
      if (c.format === 'xml') {
        const el = ELEMENTS[c.dataset][m.field % ELEMENTS[c.dataset].length];
        const at = nth(text, new RegExp(`</${el}>`, 'g'), m.record);
        return spliceAt(text, at?.index ?? 0, big);
      }
      if (c.format === 'ndjson') {
        const at = nth(text, /":"/g, m.record * 7 + m.field);
        return spliceAt(text, (at?.index ?? 0) + 3, big);
      }
      const l = dataLine(m.record);
      return spliceAt(text, l?.index ?? 0, big);
    }
    case 'long-name': {
      const name = `N${'n'.repeat(m.size)}`;
      if (c.format === 'xml') {
        const at = nth(text, new RegExp(`<${RECORD[c.dataset]}>`, 'g'), m.record);
        return spliceAt(text, (at?.index ?? 0) + (at?.[0].length ?? 0), `<${name}>1</${name}>`);
      }
      if (c.format === 'ndjson') {
        const l = dataLine(m.record);
        return spliceAt(text, (l?.index ?? 0) + 1, `"${name}":"1",`);
      }
      // CSV: a long column name in the header.
      const eol = text.indexOf('\r\n');
      return spliceAt(text, eol, `,${name}`);
    }
    case 'long-attribute': {
      const value = 'v'.repeat(m.size);
      if (c.format === 'xml') {
        const at = nth(text, new RegExp(`<${RECORD[c.dataset]}>`, 'g'), m.record);
        return spliceAt(text, (at?.index ?? 0) + (at?.[0].length ?? 0) - 1, ` note="${value}"`);
      }
      if (c.format === 'ndjson') {
        const l = dataLine(m.record);
        return spliceAt(text, (l?.index ?? 0) + 1, `"note":"${value}",`);
      }
      const l = dataLine(m.record);
      return spliceAt(text, l?.index ?? 0, `"${value}",`);
    }
    case 'long-comment': {
      if (c.format === 'xml') {
        const at = nth(text, new RegExp(`</${RECORD[c.dataset]}>`, 'g'), m.record);
        return spliceAt(text, (at?.index ?? 0) + (at?.[0].length ?? 0), `<!--${'c'.repeat(m.size)}-->`);
      }
      // NDJSON and CSV have no comments: a long line of blanks between records.
      const l = dataLine(m.record);
      return spliceAt(text, l?.index ?? 0, `${' '.repeat(m.size)}\n`);
    }
    case 'long-line': {
      const l = dataLine(m.record);
      if (c.format === 'xml') return spliceAt(text, l?.index ?? 0, `${' '.repeat(m.size)}\n`);
      return spliceAt(text, l?.index ?? 0, `${'y'.repeat(m.size)}\n`);
    }
    case 'value': {
      const fields = FIELDS[c.dataset];
      const f = fields[m.field % fields.length] as string;
      if (c.format === 'xml') {
        const el = f.charAt(0).toUpperCase() + f.slice(1);
        const at = nth(text, new RegExp(`<${el}>[^<]*</${el}>`, 'g'), m.record);
        if (!at) return text;
        const escaped = m.value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        return spliceAt(text, at.index, `<${el}>${escaped}</${el}>`, at[0].length);
      }
      if (c.format === 'ndjson') {
        const at = nth(text, new RegExp(`"${f}":("(?:[^"\\\\]|\\\\.)*"|[^,}]*)`, 'g'), m.record);
        if (!at) return text;
        return spliceAt(text, at.index, `"${f}":${JSON.stringify(m.value)}`, at[0].length);
      }
      // CSV: the column of that field in the k-th data line, quoted as RFC 4180 says.
      const l = dataLine(m.record);
      if (!l) return text;
      const col = fields.indexOf(f);
      const cells = parseCsvLine(l[0]);
      if (!cells || col >= cells.length) return text;
      cells[col] = /[",;\r\n]/.test(m.value) ? `"${m.value.replace(/"/g, '""')}"` : m.value;
      return spliceAt(text, l.index, cells.join(','), l[0].length);
    }
    default:
      return text;
  }
}

/** The raw cells of one synthetic CSV line (quoted cells kept as written), or null. */
function parseCsvLine(line: string): string[] | null {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  let m: RegExpExecArray | null = re.exec(line);
  while (m) {
    out.push(m[1] as string);
    if (m[2] === '') break;
    m = re.exec(line);
  }
  return out;
}

function byteLevel(m: Mutation, b: Buffer): Buffer {
  const pos = (at: number, len: number) => Math.min(len, Math.floor(at * (len + 1)));
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, Math.min(b.length - 1, pos(m.at, b.length)));
    case 'flip': {
      const out = Buffer.from(b);
      const i = Math.min(b.length - 1, pos(m.at, b.length));
      out[i] = (out[i] as number) ^ m.mask;
      return out;
    }
    case 'insert':
    case 'nul': {
      const i = pos(m.at, b.length);
      return Buffer.concat([b.subarray(0, i), Buffer.from([m.kind === 'nul' ? 0 : m.byte]), b.subarray(i)]);
    }
    case 'delete': {
      const i = pos(m.at, b.length);
      return Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
    }
    default:
      return b;
  }
}

export function build(c: Case): Built {
  let text = [
    ...syntheticDelivery({ dataset: c.dataset, records: c.records, format: c.format, seed: c.seed }),
  ].join('');
  const xmlCharset =
    c.charset === 'utf-8' ? 'UTF-8' : c.charset === 'iso-8859-1' ? 'ISO-8859-1' : 'windows-1252';
  if (c.format === 'xml') text = text.replace('encoding="UTF-8"', `encoding="${xmlCharset}"`);
  text = structural(c, text);
  let body: Buffer = c.charset === 'utf-8' ? Buffer.from(text) : iconv.encode(text, c.charset);
  body = byteLevel(c.mutation, body);
  const contentType =
    c.format === 'xml'
      ? 'application/xml'
      : c.format === 'csv'
        ? `text/csv; charset=${c.charset}`
        : 'application/x-ndjson';
  if (c.encoding === 'identity') return { body, contentType };
  body = gzipSync(body);
  if (c.encoding !== 'gzip') body = gzipSync(body);
  if (c.compressed) body = byteLevel(c.compressed as Mutation, body);
  return {
    body,
    contentType,
    contentEncoding: c.encoding === 'gzip-gzip' ? 'gzip, gzip' : 'gzip',
  };
}

/** Mutations known to make any delivery invalid, whatever the judge says: refusing them is the only answer. */
export function mustRefuse(c: Case, plainLength: number): string | null {
  if (c.encoding === 'gzip-twice-declared-once') return 'compressed twice, declared once';
  if (c.compressed?.kind === 'truncate') return 'a truncated gzip stream';
  if (c.mutation.kind === 'nul') return 'a NUL byte';
  if (
    c.mutation.kind === 'truncate' &&
    c.format === 'xml' &&
    c.mutation.at * (plainLength + 1) < plainLength - 2
  )
    return 'XML cut off inside the root element';
  if (c.mutation.kind === 'huge-text') return 'a value longer than its field allows';
  if (c.mutation.kind === 'long-name') return 'an unknown field';
  if (c.mutation.kind === 'deep-nesting' && c.format !== 'csv') return 'a nested value where a field belongs';
  return null;
}
