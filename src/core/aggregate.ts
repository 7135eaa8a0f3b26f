/** An aggregate profile's projector: records counted into groups, small cells suppressed. */
import type { Getter } from './column';
import type { Aggregate, Measure } from './profile';
import type { DeliveryContext, OutRow, Projector } from './projection';
import type { Row } from './validator';

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

/** The output columns of an aggregate: the groups, the measures, and the suppression flag. */
export function aggregateColumns(agg: Aggregate): string[] {
  const columns = [...agg.groupBy.map((c) => c.name), ...agg.measures.map((m) => m.name)];
  if (agg.suppress) columns.push(agg.suppress.flag);
  return columns;
}

/** Counts the kept records of one delivery into groups; the rows come out sorted, at the end. */
export function createAggregateProjector(
  agg: Aggregate,
  groupGetters: readonly Getter[],
  keep: (row: Row) => boolean,
  ctx: DeliveryContext,
): Projector {
  const measures: Measure[] = agg.measures;
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
