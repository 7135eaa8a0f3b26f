import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../src/core/municipalities';
import { consolidationReport, dataQuality } from '../../src/pipeline/quality';
import { loadCatalogue } from '../../src/runtime/node-services';
import type { MetadataStore } from '../../src/stores/metadata-store';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';

/**
 * The quality of one dataset for 98 municipalities over a year (one query of 24 periods: the
 * year and the year before), and the consolidation report for the year, on the embedded
 * database (in memory) with a national year loaded: 98 municipalities × 12
 * months × 2 datasets accepted (2,352 deliveries, four or three extracts each) and a rejected
 * attempt for one slot in twenty.
 */
describe('data quality on PGlite with a national year loaded', () => {
  let store: MetadataStore;
  const codes = [...MUNICIPALITIES.keys()];
  const catalogue = loadCatalogue({}, undefined, { offline: true });

  beforeAll(async () => {
    const db = await createPgliteClient();
    store = createSqlMetadataStore(db);
    await store.migrate();
    const insert = `
      INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type,
                              received_at, completed_at, sha256, bytes, records_total, records_valid, records_invalid, receipt)
      SELECT 'dlv_' || d.dataset || '_' || m.code || '_' || p.n || '_' || $3,
             d.dataset, 1, m.code, '2026-' || lpad(p.n::text, 2, '0'), 'sys-' || m.code, 'tok', $3, 'application/xml',
             timestamptz '2026-02-05T00:00:00Z' + (p.n - 1) * interval '1 month', now(), repeat('a', 64), 100000,
             1000 + p.n, 1000 + p.n, 0, repeat('r', 900)
        FROM (VALUES ('daycare'), ('eldercare')) AS d(dataset),
             jsonb_array_elements_text($1::jsonb) AS m(code),
             generate_series(1, 12) AS p(n)
       WHERE $3 = 'accepted' OR (hashtext(d.dataset || m.code || p.n) % $2) = 0`;
    await db.query(insert, [JSON.stringify(codes), 1, 'accepted']);
    await db.query(insert, [JSON.stringify(codes), 20, 'rejected']);
    await db.query(`
      INSERT INTO extracts (id, delivery_id, recipient, dataset, municipality, period, status, records, sha256, bytes,
                            format, content_type, file_name, object_key, profile_id, profile_version, profile_sha256,
                            metadata, created_at)
      SELECT 'ext_' || d.id || '_' || r.n, d.id, 'r' || r.n, d.dataset, d.municipality, d.period, 'available', 1000,
             repeat('b', 64), 100, 'xml', 'application/xml', 'x.xml', 'extracts/' || d.id || r.n, 'p', 1, repeat('c', 64),
             '{}', now()
        FROM deliveries d, generate_series(1, 4) AS r(n)
       WHERE d.status = 'accepted' AND (d.dataset = 'daycare' OR r.n <= 3)`);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  /**
   * The machine may be shared (CI runners, several test runs at once): the bound stretches by
   * how many runnable processes each core has beyond one, and is the bound itself on a quiet machine.
   */
  const slack = () => Math.max(1, (loadavg()[0] ?? 0) / cpus().length);

  const fastest = async (fn: () => Promise<unknown>) => {
    await fn(); // warm up
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { best: times[0] as number, median: times[2] as number };
  };

  it('answers a year of one dataset for 98 municipalities well under 200 ms', async () => {
    const deps = { catalogue, metadata: store };
    const q = await dataQuality(deps, { dataset: 'daycare', from: '2026-01', to: '2026-12' }, {});
    expect(q.items).toHaveLength(98 * 12);
    expect(q.totals.map((t) => t.records)).toEqual(Array.from({ length: 12 }, (_, i) => 98 * (1001 + i)));
    expect(q.totals.every((t) => t.municipalities === 98)).toBe(true);
    const rejected = q.totals.reduce((n, t) => n + t.rejectedAttempts, 0);
    expect(rejected).toBeGreaterThan(0);
    const time = await fastest(() =>
      dataQuality(deps, { dataset: 'daycare', from: '2026-01', to: '2026-12' }, {}),
    );
    console.log(
      `quality, 98 municipalities × 12 months: best ${time.best.toFixed(1)} ms, median ${time.median.toFixed(1)} ms (load ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores)`,
    );
    expect(time.best).toBeLessThan(200 * slack());
  });

  it('answers the consolidation report for the year within a second', async () => {
    const deps = { catalogue, metadata: store };
    const r = await consolidationReport(deps, { from: '2026-01', to: '2026-12' }, {});
    expect(r.total).toEqual({ deliveries: 2352, extracts: 98 * 12 * 7, avoided: 98 * 12 * 5 });
    const time = await fastest(() => consolidationReport(deps, { from: '2026-01', to: '2026-12' }, {}));
    console.log(
      `consolidation, a national year: best ${time.best.toFixed(1)} ms, median ${time.median.toFixed(1)} ms`,
    );
    // Two queries that count each delivery's extracts: no target was set; a second keeps it from paging.
    expect(time.best).toBeLessThan(1000 * slack());
  });
});
