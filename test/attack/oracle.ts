import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { SaxesParser } from 'saxes';

/**
 * An independent judge of a delivery: the rules of docs/api.md and the dataset schema, written
 * again here from the schema files, so that "the gateway accepted it" can be checked against
 * "it was valid". Where this judge is unsure it says so, and an acceptance then stands: it may
 * only ever catch the gateway being too lenient, never flag a correct answer.
 */

interface FieldDef {
  id: string;
  type: string;
  required?: boolean;
  maxLength?: number;
  codes?: string[];
  min?: number;
  max?: number;
  scale?: number;
}
interface Schema {
  id: string;
  policy: { onInvalid: string; maxInvalidShare?: number };
  xml: { namespace: string; root: string; record: string };
  fields: FieldDef[];
  rules: Array<{ type: string; field: string; reference: string }>;
}

const ROOT = new URL('../..', import.meta.url).pathname;
const schemas = new Map<string, Schema>();
export function schema(dataset: string): Schema {
  let s = schemas.get(dataset);
  if (!s) {
    s = JSON.parse(readFileSync(`${ROOT}schemas/${dataset}.json`, 'utf8')) as Schema;
    schemas.set(dataset, s);
  }
  return s;
}

export type Verdict =
  | { kind: 'valid'; records: number; valid: number; rows: Array<Record<string, string> | string> }
  | { kind: 'invalid'; why: string }
  | { kind: 'unsure'; why: string };

class Invalid extends Error {}
const invalid = (why: string): never => {
  throw new Invalid(why);
};

export interface Submission {
  dataset: string;
  municipality: string;
  period: string;
  contentType: string;
  contentEncoding?: string;
  body: Uint8Array;
}

export function judge(s: Submission): Verdict {
  try {
    return judgeOrThrow(s);
  } catch (e) {
    if (e instanceof Invalid) return { kind: 'invalid', why: e.message };
    return { kind: 'unsure', why: (e as Error).message };
  }
}

function judgeOrThrow(s: Submission): Verdict {
  let bytes = Buffer.from(s.body);
  const codings = (s.contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  // Content-Encoding lists codings in the order they were applied: undo them last first.
  for (const c of codings.reverse()) {
    if (c !== 'gzip' && c !== 'x-gzip') invalid(`content coding ${c}`);
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      invalid(`gzip: ${(e as Error).message}`);
    }
  }
  const mime = (s.contentType.split(';')[0] ?? '').trim().toLowerCase();
  const charsetParam = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(s.contentType)?.[1];
  const sc = schema(s.dataset);
  const rows: Array<Record<string, string> | string> = [];
  if (mime === 'application/xml' || mime === 'text/xml') readXml(bytes, sc, s, rows);
  else if (mime === 'text/csv') readCsv(decode(bytes, charsetParam ?? 'utf-8'), sc, rows);
  else if (mime === 'application/x-ndjson') readNdjson(decode(bytes, 'utf-8'), sc, rows);
  else invalid(`content type ${mime}`);
  let valid = 0;
  const problems: string[] = [];
  rows.forEach((r, i) => {
    const p = typeof r === 'string' ? r : recordProblem(r, sc);
    if (p) problems.push(`record ${i + 1}: ${p}`);
    else valid++;
  });
  if (problems.length) {
    const share = problems.length / rows.length;
    if (sc.policy.onInvalid !== 'accept-valid' || share > (sc.policy.maxInvalidShare ?? 0))
      invalid(problems.slice(0, 3).join('; '));
  }
  return { kind: 'valid', records: rows.length, valid, rows };
}

function charsetOf(label: string): 'utf-8' | 'latin1' | 'win1252' {
  const l = label.toLowerCase();
  if (l === 'utf-8' || l === 'utf8') return 'utf-8';
  if (['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'iso_8859-1'].includes(l)) return 'latin1';
  if (['windows-1252', 'cp1252', 'win1252'].includes(l)) return 'win1252';
  return invalid(`charset ${label}`);
}

function decode(bytes: Buffer, label: string): string {
  const cs = charsetOf(label);
  if (cs === 'utf-8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return invalid('bytes that are not UTF-8');
    }
  }
  return iconv.decode(bytes, cs);
}

function readXml(bytes: Buffer, sc: Schema, s: Submission, rows: Array<Record<string, string> | string>) {
  const head = bytes.subarray(0, 200).toString('latin1');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const declared = /^(?:\uFEFF|\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1];
  const text = decode(bytes, bom ? 'utf-8' : (declared ?? 'utf-8'));
  if (bom && declared && charsetOf(declared) !== 'utf-8')
    invalid('a UTF-8 BOM and another declared encoding');
  const ns = sc.xml.namespace;
  const elementToField = new Map(sc.fields.map((f) => [f.id.charAt(0).toUpperCase() + f.id.slice(1), f.id]));
  const parser = new SaxesParser({ xmlns: true, position: true });
  let depth = 0;
  let current: Record<string, string> | null = null;
  let problem: string | null = null;
  let field: string | null = null;
  let fieldText = '';
  let rootSeen = false;
  parser.on('doctype', () => invalid('a DTD'));
  parser.on('opentag', (tag) => {
    depth++;
    if (depth === 1) {
      if (rootSeen) invalid('a second root');
      rootSeen = true;
      if (tag.uri !== ns || tag.local !== sc.xml.root) invalid(`root {${tag.uri}}${tag.local}`);
      const attr = (n: string) => (tag.attributes[n] as { value: string } | undefined)?.value;
      for (const [n, want] of [
        ['dataset', s.dataset],
        ['municipality', s.municipality],
        ['period', s.period],
      ] as const) {
        const v = attr(n);
        if (v !== undefined && v !== want) invalid(`root ${n} disagrees`);
      }
    } else if (depth === 2) {
      if (tag.uri !== ns || tag.local !== sc.xml.record) invalid(`{${tag.uri}}${tag.local} is not a record`);
      current = {};
      problem = null;
    } else if (depth === 3) {
      const id = tag.uri === ns ? elementToField.get(tag.local) : undefined;
      if (id === undefined) problem ??= `unknown element ${tag.local.slice(0, 20)}`;
      else if (current?.[id] !== undefined) problem ??= `${id} repeated`;
      field = id ?? null;
      fieldText = '';
    } else problem ??= 'an element inside a field';
  });
  const onText = (t: string) => {
    if (depth === 3 && field) fieldText += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (depth === 3 && field && current) current[field] = xmlTrim(fieldText);
    if (depth === 2 && current) {
      rows.push(problem ?? current);
      current = null;
    }
    if (depth === 3) field = null;
    depth--;
  });
  try {
    parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  } catch (e) {
    if (e instanceof Invalid) throw e;
    invalid(`not well-formed: ${(e as Error).message.slice(0, 120)}`);
  }
  if (!rootSeen) invalid('no root element');
}

function readCsv(text: string, sc: Schema, rows: Array<Record<string, string> | string>) {
  let records: string[][];
  try {
    records = parseCsv(text, {
      delimiter: [',', ';'],
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (e) {
    return invalid(`not well-formed CSV: ${(e as Error).message.slice(0, 120)}`);
  }
  const header = records[0]?.map((h) => h.trim());
  if (!header) return invalid('no header row');
  if (new Set(header).size !== header.length) invalid('a column named twice');
  const known = new Set(sc.fields.map((f) => f.id));
  for (const f of sc.fields) if (f.required && !header.includes(f.id)) invalid(`no column ${f.id}`);
  const unknown = header.filter((h) => !known.has(h));
  for (const r of records.slice(1)) {
    if (unknown.length) rows.push(`unknown column ${unknown[0]?.slice(0, 20)}`);
    else if (r.length !== header.length) rows.push('wrong number of values');
    else rows.push(Object.fromEntries(header.map((h, i) => [h, xmlTrim(r[i] as string)])));
  }
}

function readNdjson(text: string, sc: Schema, rows: Array<Record<string, string> | string>) {
  const known = new Set(sc.fields.map((f) => f.id));
  let any = false;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    any = true;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      invalid('a line that is not JSON');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid('a line that is not an object');
    const rec: Record<string, string> = {};
    let problem: string | null = null;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!known.has(k)) problem ??= 'an unknown key';
      else if (x === null) continue;
      else if (typeof x === 'string') rec[k] = xmlTrim(x);
      else if (typeof x === 'number' || typeof x === 'boolean') rec[k] = String(x);
      else problem ??= `${k} is an object or array`;
    }
    rows.push(problem ?? rec);
  }
  if (!any) invalid('an empty delivery');
}

/** The schemas say "whitespace": "trim": XML whitespace (space, TAB, CR, LF) only, never NBSP and kin. */
const xmlTrim = (s: string) => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

const daysIn = (y: number, m: number) =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

function isDate(s: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

function isCpr(s: string) {
  if (!/^\d{10}$/.test(s)) return false;
  const dd = Number(s.slice(0, 2));
  const mm = Number(s.slice(2, 4));
  const yy = Number(s.slice(4, 6));
  const d7 = Number(s[6]);
  const century = d7 <= 3 ? 1900 : d7 === 4 || d7 === 9 ? (yy <= 36 ? 2000 : 1900) : yy <= 57 ? 2000 : 1800;
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= daysIn(century + yy, mm);
}

/** A character no recipient's output can carry (XML 1.0 forbids the C0 controls but TAB, LF, CR). */
const UNCARRIABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function recordProblem(r: Record<string, string>, sc: Schema): string | null {
  for (const f of sc.fields) {
    const v = r[f.id];
    if (v === undefined || v === '') {
      if (f.required) return `${f.id} missing`;
      continue;
    }
    if (UNCARRIABLE.test(v)) return `${f.id} holds a control character`;
    const limit = f.maxLength ?? (f.type === 'text' ? 10_000 : undefined);
    if (limit !== undefined && v.length > limit) return `${f.id} too long`;
    switch (f.type) {
      case 'code':
        if (!f.codes?.includes(v)) return `${f.id} not a code`;
        break;
      case 'date':
        if (!isDate(v)) return `${f.id} not a date`;
        break;
      case 'cpr':
        if (!isCpr(v)) return `${f.id} not a CPR number`;
        break;
      case 'pnumber':
        if (!/^\d{10}$/.test(v)) return `${f.id} not a P-number`;
        break;
      case 'boolean':
        if (!['true', 'false', '1', '0'].includes(v)) return `${f.id} not a boolean`;
        break;
      case 'decimal':
      case 'integer': {
        const m = (f.type === 'decimal' ? /^[+-]?\d+(?:\.(\d+))?$/ : /^[+-]?\d+$/).exec(v);
        if (!m) return `${f.id} not a number`;
        if (f.scale !== undefined && (m[1]?.length ?? 0) > f.scale) return `${f.id} too many decimals`;
        const n = Number(v);
        if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max))
          return `${f.id} out of range`;
        break;
      }
    }
  }
  for (const rule of sc.rules) {
    const a = r[rule.field];
    const b = r[rule.reference];
    if (rule.type === 'notBefore' && a && b && a < b) return `${rule.field} before ${rule.reference}`;
  }
  return null;
}
