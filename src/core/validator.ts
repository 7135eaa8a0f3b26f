import type { Dataset, FieldDef } from './dataset';
import { xmlElementName } from './dataset';
import { isMunicipalityCode } from './municipalities';
import { nameAsShown, shapeOf } from './value-shape';
import { invalidXmlCharacter } from './xml-text';

/** A typed, validated record: field id → value. Dates stay ISO strings; numbers are numbers. */
export type Value = string | number | boolean;
export type Row = Record<string, Value | undefined>;

/** A record as a reader produced it: raw text per field, before validation. */
export interface RawRecord {
  /** 1-based position in the delivery. */
  n: number;
  /** Line of the record's start, where the format knows it. */
  line?: number;
  fields: Record<string, string>;
  /** Names the reader met that are not fields of the dataset (element, column or key names). */
  unknown?: string[];
  /** Fields given more than once. */
  repeated?: string[];
  /** Problems the reader found in single fields (a nested value, a wrong number of columns). */
  problems?: Array<{ field?: string; rule: string; message: string }>;
}

export interface ValidationIssue {
  record: number;
  line?: number;
  field?: string;
  rule: string;
  message: string;
}

/** The longest text a field without its own maxLength may hold. */
export const DEFAULT_TEXT_LIMIT = 10_000;

/** A bad value as a message names it: by its shape, never its content. */
function shown(raw: string): string {
  return `(${shapeOf(raw)})`;
}

const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;
const INTEGER = /^[+-]?\d+$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Two ASCII digits at i as a number, or -1. Checked per record, so no regex and no Date. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

export function isValidIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const c = digits2(s, 0);
  const yy = digits2(s, 2);
  const mo = digits2(s, 5);
  const d = digits2(s, 8);
  if (c < 0 || yy < 0 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(c * 100 + yy, mo);
}

/**
 * The birth date a CPR number's first six digits and seventh digit give, or null when
 * the date part is not a real date. Modulus 11 is not checked: since 2007 numbers need not pass it.
 */
export function cprBirthDate(cpr: string): string | null {
  const century = cprCentury(cpr);
  if (century === null) return null;
  return `${century + digits2(cpr, 4)}-${cpr.slice(2, 4)}-${cpr.slice(0, 2)}`;
}

/** The century of a CPR number's birth date, or null when it is not ten digits beginning with a real date. */
function cprCentury(cpr: string): number | null {
  if (cpr.length !== 10) return null;
  for (let i = 0; i < 10; i++) {
    const c = cpr.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const dd = digits2(cpr, 0);
  const mm = digits2(cpr, 2);
  const yy = digits2(cpr, 4);
  const d7 = cpr.charCodeAt(6) - 48;
  let century: number;
  if (d7 <= 3) century = 1900;
  else if (d7 === 4 || d7 === 9) century = yy <= 36 ? 2000 : 1900;
  else century = yy <= 57 ? 2000 : 1800;
  if (mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(century + yy, mm)) return null;
  return century;
}

type FieldCheck = (
  raw: string,
  n: number,
  line: number | undefined,
  issues: ValidationIssue[],
) => Value | undefined;

function compileField(def: FieldDef): FieldCheck {
  const fail = (
    n: number,
    line: number | undefined,
    issues: ValidationIssue[],
    rule: string,
    message: string,
  ) => {
    issues.push({ record: n, line, field: def.id, rule, message });
    return undefined;
  };
  // Text without a stated limit still has one, so that no value is ever cut silently.
  const lengthLimit = def.maxLength ?? (def.type === 'text' ? DEFAULT_TEXT_LIMIT : undefined);
  const withLength =
    (inner: FieldCheck): FieldCheck =>
    (raw, n, line, issues) => {
      if (lengthLimit !== undefined && raw.length > lengthLimit)
        return fail(
          n,
          line,
          issues,
          'maxLength',
          `${def.id} has ${raw.length} characters; at most ${lengthLimit} are allowed`,
        );
      return inner(raw, n, line, issues);
    };
  const range = (v: number, n: number, line: number | undefined, issues: ValidationIssue[]) => {
    if (def.min !== undefined && v < def.min)
      return fail(n, line, issues, 'min', `${def.id} is below the least allowed, ${def.min}`);
    if (def.max !== undefined && v > def.max)
      return fail(n, line, issues, 'max', `${def.id} is above the most allowed, ${def.max}`);
    return v;
  };
  switch (def.type) {
    case 'text':
      return withLength((raw, n, line, issues) => {
        // What XML 1.0 cannot carry no recipient's output carries: refused, never dropped.
        const bad = invalidXmlCharacter(raw);
        return bad === null
          ? raw
          : fail(
              n,
              line,
              issues,
              'character',
              `${def.id} holds ${bad}, which no recipient's output can carry`,
            );
      });
    case 'code': {
      const codes = new Set(def.codes);
      const list = def.codes?.join(', ');
      return withLength((raw, n, line, issues) =>
        codes.has(raw)
          ? raw
          : fail(n, line, issues, 'code', `${def.id} ${shown(raw)} is not one of: ${list}`),
      );
    }
    case 'date':
      return (raw, n, line, issues) =>
        isValidIsoDate(raw)
          ? raw
          : fail(n, line, issues, 'date', `${def.id} ${shown(raw)} is not a date (YYYY-MM-DD)`);
    case 'decimal':
      return (raw, n, line, issues) => {
        if (!DECIMAL.test(raw))
          return fail(n, line, issues, 'decimal', `${def.id} ${shown(raw)} is not a decimal number`);
        const dot = raw.indexOf('.');
        if (def.scale !== undefined && dot >= 0 && raw.length - dot - 1 > def.scale)
          return fail(n, line, issues, 'scale', `${def.id} has more than ${def.scale} decimals`);
        return range(Number(raw), n, line, issues);
      };
    case 'integer':
      return (raw, n, line, issues) => {
        if (!INTEGER.test(raw) || !Number.isSafeInteger(Number(raw)))
          return fail(n, line, issues, 'integer', `${def.id} ${shown(raw)} is not a whole number`);
        return range(Number(raw), n, line, issues);
      };
    case 'boolean':
      return (raw, n, line, issues) => {
        if (raw === 'true' || raw === '1') return true;
        if (raw === 'false' || raw === '0') return false;
        return fail(n, line, issues, 'boolean', `${def.id} ${shown(raw)} is not true, false, 1 or 0`);
      };
    case 'cpr':
      return (raw, n, line, issues) => {
        if (!/^\d{10}$/.test(raw)) return fail(n, line, issues, 'cpr', `${def.id} is not 10 digits`);
        if (cprCentury(raw) === null)
          return fail(n, line, issues, 'cpr', `${def.id} does not begin with a valid date (DDMMYY)`);
        return raw;
      };
    case 'pnumber':
      return (raw, n, line, issues) =>
        /^\d{10}$/.test(raw)
          ? raw
          : fail(n, line, issues, 'pnumber', `${def.id} ${shown(raw)} is not a P-number (10 digits)`);
    case 'municipality':
      return (raw, n, line, issues) =>
        isMunicipalityCode(raw)
          ? raw
          : fail(
              n,
              line,
              issues,
              'municipality',
              `${def.id} ${shown(raw)} is not one of the 98 municipality codes`,
            );
  }
}

export interface CompiledDataset {
  dataset: Dataset;
  /** Element local name → field id, for XML readers. */
  elementToField: ReadonlyMap<string, string>;
  fieldIds: readonly string[];
  /** Validates one raw record; pushes issues and returns the typed row, or null when invalid. */
  validate(raw: RawRecord, issues: ValidationIssue[]): Row | null;
}

/** Compiles a dataset schema once into a validator; nothing reads the schema per record. */
export function compileDataset(dataset: Dataset): CompiledDataset {
  const checks = dataset.fields.map((def) => ({ def, check: compileField(def) }));
  const known = new Set(dataset.fields.map((f) => f.id));
  const rules = dataset.rules.map((rule) => {
    // notBefore is the only kind so far; the discriminated union makes a new kind a compile error here.
    const { field, reference, id, message } = rule;
    return (row: Row, n: number, line: number | undefined, issues: ValidationIssue[]) => {
      const a = row[field];
      const b = row[reference];
      if (a === undefined || b === undefined) return true;
      if (String(a) < String(b)) {
        issues.push({ record: n, line, field, rule: id, message });
        return false;
      }
      return true;
    };
  });

  return {
    dataset,
    elementToField: new Map(dataset.fields.map((f) => [xmlElementName(f.id), f.id])),
    fieldIds: dataset.fields.map((f) => f.id),
    validate(raw, issues) {
      const before = issues.length;
      const { n, line, fields } = raw;
      const row: Row = {};
      if (raw.unknown)
        for (const name of raw.unknown) {
          issues.push({
            record: n,
            line,
            field: nameAsShown(name),
            rule: 'unknown-field',
            message: `${nameAsShown(name)} is not a field of ${dataset.id}`,
          });
        }
      if (raw.problems)
        for (const p of raw.problems)
          issues.push({ record: n, line, field: p.field, rule: p.rule, message: p.message });
      if (raw.repeated)
        for (const name of raw.repeated) {
          if (known.has(name))
            issues.push({
              record: n,
              line,
              field: name,
              rule: 'repeated-field',
              message: `${name} is given more than once`,
            });
        }
      for (let i = 0; i < checks.length; i++) {
        const { def, check } = checks[i] as (typeof checks)[number];
        const v = fields[def.id];
        if (v === undefined || v === '') {
          if (def.required)
            issues.push({
              record: n,
              line,
              field: def.id,
              rule: 'required',
              message: `${def.id} is required`,
            });
          continue;
        }
        const value = check(v, n, line, issues);
        if (value !== undefined) row[def.id] = value;
      }
      if (issues.length > before) return null;
      for (const rule of rules) rule(row, n, line, issues);
      return issues.length > before ? null : row;
    },
  };
}
