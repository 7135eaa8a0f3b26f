import { type AvPlan, planArchivalTable } from './archival-version';
import type { Dataset } from './dataset';
import { GatewayError } from './errors';
import type { ColumnSource, ColumnSpec, Condition, Measure, MetaField, Profile } from './profile';
import type { Row, Value } from './validator';

/** One output row: a value (or null, written as empty / omitted) per output column. */
export type OutValue = Value | null;
export type OutRow = OutValue[];

export interface DeliveryContext {
  deliveryId: string;
  dataset: string;
  municipality: string;
  municipalityName: string;
  period: string;
  source: string;
  receivedAt: string;
}

/** A keyed pseudonymiser for one recipient: same input and key, same pseudonym. */
export interface Pseudonymiser {
  keyId: string;
  pseudonymise(value: string): string;
}

export interface MapperDeps {
  /** Resolves a profile's key reference to the key in force. */
  pseudonymiser(keyRef: string): Pseudonymiser;
}

/** Turns validated rows into output rows; an aggregate emits its rows only at the end. */
export interface Projector {
  push(rows: readonly Row[]): OutRow[];
  finish(): OutRow[];
  /** Records seen, records kept after filters, rows suppressed. */
  readonly stats: { seen: number; kept: number; suppressed: number };
}

export interface CompiledProfile {
  profile: Profile;
  sha256: string;
  columns: readonly string[];
  /** Key ids of the pseudonymisation keys this profile uses, for the extract's metadata. */
  pseudonymKeyIds: readonly string[];
  /** True when the extract carries a personal field in clear. */
  carriesPersonalData: boolean;
  /** For an archival version: its table, columns and types. */
  archival?: AvPlan;
  /** The dataset the profile maps. */
  dataset: Dataset;
  createProjector(ctx: DeliveryContext): Projector;
}

type Getter = (row: Row, ctx: DeliveryContext) => OutValue;

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

function compileColumn(spec: ColumnSpec, deps: MapperDeps, profileId: string, keyIds: Set<string>): Getter {
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

function compileCondition(c: Condition): (row: Row) => boolean {
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

interface Accumulator {
  key: OutRow;
  count: number;
  sums: number[];
  mins: number[];
  maxs: number[];
  counts: number[];
}

function round(v: number, decimals: number | undefined): number {
  if (decimals === undefined) return v;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** Compiles a profile once into a projector factory; nothing reads the profile's JSON per record. */
export function compileProfile(
  profile: Profile,
  dataset: Dataset,
  sha256: string,
  deps: MapperDeps,
): CompiledProfile {
  const keyIds = new Set<string>();
  const filters = profile.filter.map(compileCondition);
  const keep = filters.length === 0 ? () => true : (row: Row) => filters.every((f) => f(row));
  const personal = new Set(dataset.fields.filter((f) => f.personal).map((f) => f.id));

  if (profile.columns) {
    const specs = profile.columns;
    const getters = specs.map((c) => compileColumn(c, deps, profile.id, keyIds));
    const carriesPersonalData = specs.some(
      (c) =>
        !c.pseudonymise &&
        [c.from, ...(c.concat ?? []).map((s) => (typeof s === 'string' ? undefined : s.from))].some(
          (f) => f !== undefined && personal.has(f),
        ),
    );
    let archival: AvPlan | undefined;
    if (profile.output.format === 'archival-version') {
      const planned = planArchivalTable(profile, dataset);
      if (!planned.plan)
        throw new GatewayError(
          'internal',
          `profile ${profile.id}: ${planned.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        );
      archival = planned.plan;
    }
    return {
      profile,
      sha256,
      dataset,
      ...(archival ? { archival } : {}),
      columns: specs.map((c) => c.name),
      pseudonymKeyIds: [...keyIds],
      carriesPersonalData,
      createProjector(ctx) {
        const stats = { seen: 0, kept: 0, suppressed: 0 };
        return {
          stats,
          push(rows) {
            const out: OutRow[] = [];
            for (const row of rows) {
              stats.seen++;
              if (!keep(row)) continue;
              stats.kept++;
              const o: OutRow = new Array(getters.length);
              for (let i = 0; i < getters.length; i++) o[i] = (getters[i] as Getter)(row, ctx);
              out.push(o);
            }
            return out;
          },
          finish: () => [],
        };
      },
    };
  }

  const agg = profile.aggregate!;
  const groupGetters = agg.groupBy.map((c) => compileColumn(c, deps, profile.id, keyIds));
  const measures: Measure[] = agg.measures;
  const columns = [...agg.groupBy.map((c) => c.name), ...measures.map((m) => m.name)];
  if (agg.suppress) columns.push(agg.suppress.flag);
  return {
    profile,
    sha256,
    dataset,
    columns,
    pseudonymKeyIds: [...keyIds],
    carriesPersonalData: false,
    createProjector(ctx) {
      const stats = { seen: 0, kept: 0, suppressed: 0 };
      const groups = new Map<string, Accumulator>();
      return {
        stats,
        push(rows) {
          for (const row of rows) {
            stats.seen++;
            if (!keep(row)) continue;
            stats.kept++;
            const key = groupGetters.map((g) => g(row, ctx));
            // A separator no value holds; cheaper per record than JSON.
            const k = key.join('\u0001');
            let acc = groups.get(k);
            if (!acc) {
              acc = {
                key,
                count: 0,
                sums: measures.map(() => 0),
                mins: measures.map(() => Number.POSITIVE_INFINITY),
                maxs: measures.map(() => Number.NEGATIVE_INFINITY),
                counts: measures.map(() => 0),
              };
              groups.set(k, acc);
            }
            acc.count++;
            for (let i = 0; i < measures.length; i++) {
              const field = (measures[i] as Measure).field;
              if (!field) continue;
              const v = row[field];
              if (typeof v !== 'number') continue;
              acc.sums[i]! += v;
              acc.counts[i]!++;
              if (v < acc.mins[i]!) acc.mins[i] = v;
              if (v > acc.maxs[i]!) acc.maxs[i] = v;
            }
          }
          return [];
        },
        finish() {
          const out: OutRow[] = [];
          const sorted = [...groups.values()].sort((a, b) => compareRows(a.key, b.key));
          const hidden = agg.suppress
            ? suppressCells(
                sorted.map((a) => a.key),
                sorted.map((a) => a.count),
                agg.suppress.below,
              )
            : null;
          for (let c = 0; c < sorted.length; c++) {
            const acc = sorted[c] as Accumulator;
            const suppressed = hidden?.[c] === true;
            if (suppressed) stats.suppressed++;
            const values: OutRow = measures.map((m, i) => {
              if (suppressed) return null;
              const n = acc.counts[i]!;
              let v: number | null;
              switch (m.fn) {
                case 'count':
                  v = acc.count;
                  break;
                case 'sum':
                  v = round(acc.sums[i]!, m.decimals);
                  break;
                case 'mean':
                  v = n === 0 ? null : round(acc.sums[i]! / n, m.decimals);
                  break;
                case 'min':
                  v = n === 0 ? null : acc.mins[i]!;
                  break;
                case 'max':
                  v = n === 0 ? null : acc.maxs[i]!;
                  break;
              }
              if (v === null || m.decimalSeparator !== ',') return v;
              const s = m.decimals === undefined ? String(v) : v.toFixed(m.decimals);
              return s.replace('.', ',');
            });
            const row: OutRow = [...acc.key, ...values];
            if (agg.suppress) row.push(suppressed ? 1 : 0);
            out.push(row);
          }
          return out;
        },
      };
    },
  };
}

/**
 * Which cells of an aggregate to suppress: every cell counting fewer than `below` records
 * (primary suppression), and then as many more as it takes that no suppressed cell can be
 * worked out by subtraction from a total (secondary suppression). The totals considered are
 * the table's grand total and, along every grouping column with more than one value, the
 * total of each line of cells that differ only in that column. Wherever such a total has
 * exactly one suppressed cell, its smallest other cell is suppressed too, until nothing
 * changes. A line of one cell is its own total, which this table does not publish.
 */
export function suppressCells(keys: readonly OutRow[], counts: readonly number[], below: number): boolean[] {
  const hidden = counts.map((n) => n < below);
  const width = keys[0]?.length ?? 0;
  const lines: number[][] = [counts.map((_, i) => i)];
  for (let d = 0; d < width; d++) {
    const byRest = new Map<string, number[]>();
    keys.forEach((key, i) => {
      const rest = key
        .filter((_, j) => j !== d)
        .map((v) => String(v ?? ''))
        .join('\u0001');
      const line = byRest.get(rest);
      if (line) line.push(i);
      else byRest.set(rest, [i]);
    });
    if (byRest.size < keys.length) lines.push(...byRest.values());
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const line of lines) {
      if (line.length < 2) continue;
      let hiddenInLine = 0;
      let smallest = -1;
      for (const i of line) {
        if (hidden[i]) hiddenInLine++;
        else if (smallest < 0 || (counts[i] as number) < (counts[smallest] as number)) smallest = i;
      }
      if (hiddenInLine === 1 && smallest >= 0) {
        hidden[smallest] = true;
        changed = true;
      }
    }
  }
  return hidden;
}

function compareRows(a: OutRow, b: OutRow): number {
  for (let i = 0; i < a.length; i++) {
    const x = String(a[i] ?? '');
    const y = String(b[i] ?? '');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
