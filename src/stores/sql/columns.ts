/**
 * Reading one column of a row as the type the gateway expects, or failing with a clear error.
 * PGlite and pg differ in what they hand back (a number or a string for bigint, a Date or text
 * for a timestamp, an object or text for jsonb): every value read passes through one of these,
 * so a row that does not fit the schema is found here and not later as a wrong value.
 */

export type SqlRow = Record<string, unknown>;

/** A row that does not fit what the store expects of its table. */
export class RowShapeError extends Error {
  constructor(table: string, column: string, expected: string, value: unknown) {
    super(`${table}.${column}: expected ${expected}, the database gave ${describe(value)}`);
    this.name = 'RowShapeError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'no such column';
  if (value instanceof Date) return 'a Date';
  return `a ${typeof value}`;
}

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/** Reads the columns of one row of one table. */
export function columns(table: string, row: SqlRow) {
  const fail = (column: string, expected: string): never => {
    throw new RowShapeError(table, column, expected, row[column]);
  };

  const text = (column: string): string => {
    const v = row[column];
    return typeof v === 'string' ? v : fail(column, 'text');
  };

  const integer = (column: string): number => {
    const v = row[column];
    // pg hands bigint and numeric columns back as text; PGlite as numbers (or bigints).
    const n =
      typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : Number.NaN;
    return Number.isSafeInteger(n) ? n : fail(column, 'an integer');
  };

  const timestamp = (column: string): string => {
    const v = row[column];
    const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    return Number.isNaN(ms) ? fail(column, 'a timestamp') : new Date(ms).toISOString();
  };

  const json = (column: string): unknown => {
    const v = row[column];
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return fail(column, 'JSON');
    }
  };

  const object = (column: string): Record<string, unknown> => {
    const v = json(column);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(column, 'a JSON object');
  };

  const textList = (column: string): string[] => {
    const v = json(column);
    return Array.isArray(v) && v.every((x) => typeof x === 'string')
      ? v
      : fail(column, 'a JSON list of text');
  };

  /** One of a closed list of words (a status, a role). */
  const oneOf = <T extends string>(column: string, words: readonly T[]): T => {
    const v = row[column];
    const word = words.find((w) => w === v);
    return word ?? fail(column, `one of ${words.join(', ')}`);
  };

  const optional =
    <T>(read: (column: string) => T) =>
    (column: string): T | null =>
      absent(row[column]) ? null : read(column);

  return {
    text,
    integer,
    timestamp,
    json,
    object,
    textList,
    oneOf,
    optText: optional(text),
    optInteger: optional(integer),
    optTimestamp: optional(timestamp),
    optObject: optional(object),
  };
}
