/** A profile's columns and filters, compiled once into functions over a record. */
import { GatewayError } from './errors';
import type { ColumnSource, ColumnSpec, Condition, MetaField } from './profile';
import type { DeliveryContext, MapperDeps, OutValue } from './projection';
import type { Row, Value } from './validator';

/** Reads one output value from a record and the delivery's facts. */
export type Getter = (row: Row, ctx: DeliveryContext) => OutValue;

function sourceGetter(src: ColumnSource): Getter {
  if (src.from !== undefined) {
    const f = src.from;
    return (row) => row[f] ?? null;
  }
  if (src.meta !== undefined) {
    const m: MetaField = src.meta;
    return (_row, ctx) => ctx[m];
  }
  const c = src.const ?? null;
  return () => c;
}

function dateFormatter(pattern: string): (iso: string) => string {
  const tokens = pattern.split(/(YYYY|YY|MM|DD)/).filter((t) => t !== '');
  return (iso) => {
    let out = '';
    for (const t of tokens) {
      if (t === 'YYYY') out += iso.slice(0, 4);
      else if (t === 'YY') out += iso.slice(2, 4);
      else if (t === 'MM') out += iso.slice(5, 7);
      else if (t === 'DD') out += iso.slice(8, 10);
      else out += t;
    }
    return out;
  };
}

export function compileColumn(
  spec: ColumnSpec,
  deps: MapperDeps,
  profileId: string,
  keyIds: Set<string>,
): Getter {
  let get: Getter;
  if (spec.concat) {
    const parts = spec.concat.map((p) => (typeof p === 'string' ? () => p : sourceGetter(p)));
    const sep = spec.separator ?? '';
    get = (row, ctx) => {
      const values: string[] = [];
      for (const part of parts) {
        const v = part(row, ctx);
        if (v !== null && v !== '') values.push(String(v));
      }
      return values.length ? values.join(sep) : null;
    };
  } else {
    get = sourceGetter(spec);
  }
  const steps: Array<(v: Value) => Value> = [];
  if (spec.map) {
    const map = new Map(Object.entries(spec.map));
    const name = spec.name;
    steps.push((v) => {
      const mapped = map.get(String(v));
      if (mapped === undefined)
        throw new GatewayError('internal', `profile ${profileId}: no mapping for a value of column ${name}`, {
          profile: profileId,
        });
      return mapped;
    });
  }
  if (spec.date) {
    const fmt = dateFormatter(spec.date);
    steps.push((v) => fmt(String(v)));
  }
  if (spec.number) {
    const { decimals, decimalSeparator = '.' } = spec.number;
    steps.push((v) => {
      const s = decimals === undefined ? String(v) : Number(v).toFixed(decimals);
      return decimalSeparator === '.' ? s : s.replace('.', decimalSeparator);
    });
  }
  if (spec.pseudonymise) {
    const p = deps.pseudonymiser(spec.pseudonymise.key);
    keyIds.add(p.keyId);
    steps.push((v) => p.pseudonymise(String(v)));
  }
  if (spec.truncate) {
    const n = spec.truncate;
    // By characters, not UTF-16 units: a character outside the BMP is never cut in two.
    steps.push((v) => Array.from(String(v)).slice(0, n).join(''));
  }
  if (spec.pad) {
    const { length, char = ' ', side = 'left' } = spec.pad;
    steps.push((v) => {
      const text = String(v);
      const fill = char.repeat(Math.max(0, length - Array.from(text).length));
      return side === 'left' ? fill + text : text + fill;
    });
  }
  const fallback = spec.default ?? null;
  if (steps.length === 0) return fallback === null ? get : (row, ctx) => get(row, ctx) ?? fallback;
  return (row, ctx) => {
    let v = get(row, ctx);
    if (v === null) return fallback;
    for (const step of steps) v = step(v);
    return v;
  };
}

export function compileCondition(c: Condition): (row: Row) => boolean {
  const f = c.field;
  const expected = c.value;
  switch (c.op) {
    case 'present':
      return (row) => row[f] !== undefined;
    case 'absent':
      return (row) => row[f] === undefined;
    case 'eq':
      return (row) => row[f] === expected;
    case 'ne':
      return (row) => row[f] !== expected;
    case 'in': {
      const set = new Set(Array.isArray(expected) ? expected : [expected]);
      return (row) => row[f] !== undefined && set.has(row[f] as Value);
    }
    case 'notIn': {
      const set = new Set(Array.isArray(expected) ? expected : [expected]);
      return (row) => row[f] === undefined || !set.has(row[f] as Value);
    }
    case 'gt':
      return (row) => row[f] !== undefined && (row[f] as Value) > (expected as Value);
    case 'gte':
      return (row) => row[f] !== undefined && (row[f] as Value) >= (expected as Value);
    case 'lt':
      return (row) => row[f] !== undefined && (row[f] as Value) < (expected as Value);
    case 'lte':
      return (row) => row[f] !== undefined && (row[f] as Value) <= (expected as Value);
  }
}
