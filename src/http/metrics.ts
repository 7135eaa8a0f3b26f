/**
 * Metrics in the Prometheus text format. Counts of what the database holds (deliveries,
 * records, extracts, pushes) are read at scrape time, so every node tells the same; timings
 * and job outcomes are this node's own, since it started.
 */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

type Labels = Record<string, string>;
const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

export class Metrics {
  private counters = new Map<string, { help: string; values: Map<string, number> }>();
  private histograms = new Map<
    string,
    { help: string; series: Map<string, { counts: number[]; sum: number; n: number }> }
  >();

  count(name: string, help: string, labels: Labels, by = 1): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help, values: new Map() };
      this.counters.set(name, c);
    }
    const k = key(labels);
    c.values.set(k, (c.values.get(k) ?? 0) + by);
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      h = { help, series: new Map() };
      this.histograms.set(name, h);
    }
    const k = key(labels);
    let s = h.series.get(k);
    if (!s) {
      s = { counts: BUCKETS.map(() => 0), sum: 0, n: 0 };
      h.series.set(k, s);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) (s as { counts: number[] }).counts[i]!++;
    });
    s.sum += seconds;
    s.n++;
  }

  /** This node's counters and histograms, as exposition text. */
  render(): string {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
    }
    for (const [name, h] of this.histograms) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const [k, s] of h.series) {
        const sep = k ? `${k},` : '';
        BUCKETS.forEach((b, i) => {
          out.push(`${name}_bucket{${sep}le="${b}"} ${s.counts[i]}`);
        });
        out.push(`${name}_bucket{${sep}le="+Inf"} ${s.n}`);
        out.push(`${name}_sum${k ? `{${k}}` : ''} ${s.sum}`, `${name}_count${k ? `{${k}}` : ''} ${s.n}`);
      }
    }
    return out.join('\n');
  }
}

/** Gauges from rows of the database: one family, one line a row. */
export function gauge(name: string, help: string, rows: Array<{ labels: Labels; value: number }>): string {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...rows.map((r) => `${name}{${key(r.labels)}} ${r.value}`),
  ].join('\n');
}
