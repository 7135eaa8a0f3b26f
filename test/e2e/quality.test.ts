import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

interface QualityItem {
  municipality: string;
  period: string;
  delivery: string | null;
  source: string | null;
  records: number | null;
  previousPeriod: string;
  previousRecords: number | null;
  change: number | null;
  yearBeforePeriod: string;
  yearBeforeRecords: number | null;
  changeYearBefore: number | null;
  anomaly: boolean;
  errorsByRule: Record<string, number>;
  rejectedAttempts: number;
  droppedShare: number | null;
  revalidation: null;
}
interface Quality {
  dataset: string;
  band: number;
  items: QualityItem[];
  totals: Array<Omit<QualityItem, 'municipality' | 'delivery' | 'source'> & { municipalities: number }>;
}
interface Consolidation {
  items: Array<{ municipality: string; deliveries: number; extracts: number; avoided: number }>;
  total: { deliveries: number; extracts: number; avoided: number };
}

/**
 * Data quality over time and the consolidation report, from deliveries submitted through the
 * API: daycare here accepts the valid records while at most 10 % are invalid, so a delivery can
 * drop records (and one with more invalid is rejected).
 */
describe('GET /v1/quality and GET /v1/reports/consolidation', () => {
  let gw: MemoryGateway;
  let dir: string;
  let sysA: string;
  let sysB: string;
  let sysC: string;
  let auditor: string;
  let dst: string;
  let sds: string;
  const ids: Record<string, string> = {};
  let clock = Date.parse('2026-12-01T08:00:00Z');

  /** A daycare delivery of `valid` valid records and `invalid` invalid ones. */
  const daycare = (valid: number, invalid = 0, seed = valid) => {
    let replaced = 0;
    return [...syntheticDelivery({ dataset: 'daycare', records: valid + invalid, format: 'xml', seed })]
      .join('')
      .replace(/<WeeklyHours>[^<]*<\/WeeklyHours>/g, (m) =>
        replaced++ < invalid ? '<WeeklyHours>99</WeeklyHours>' : m,
      );
  };
  const send = async (token: string, municipality: string, period: string, body: string, status = 201) => {
    clock += 60_000;
    const at = clock;
    gw.services.now = () => new Date(at);
    const res = await submit(
      gw,
      token,
      body,
      `dataset=daycare&municipality=${municipality}&period=${period}`,
    );
    const json = (await res.json()) as { id?: string; deliveryId?: string };
    expect(res.status, JSON.stringify(json)).toBe(status);
    return (json.id ?? json.deliveryId) as string;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-quality-'));
    const root = new URL('../..', import.meta.url).pathname;
    await cp(join(root, 'schemas'), join(dir, 'schemas'), { recursive: true });
    const schema = JSON.parse(await readFile(join(dir, 'schemas', 'daycare.json'), 'utf8'));
    schema.policy = { onInvalid: 'accept-valid', maxInvalidShare: 0.1 };
    await writeFile(join(dir, 'schemas', 'daycare.json'), JSON.stringify(schema));
    gw = await startMemoryGateway({ GATEWAY_SCHEMAS_DIR: join(dir, 'schemas') });
    const source = async (subject: string, municipalities: string[]) =>
      (await gw.issueToken({ role: 'source', subject, municipalities, datasets: ['daycare'] })).token;
    sysA = await source('sys-a', ['101', '147']);
    sysB = await source('sys-b', ['101']);
    sysC = await source('sys-c', ['461']);
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    sds = (await gw.issueToken({ role: 'recipient', subject: 'sds', recipient: 'sds' })).token;

    ids.y2025 = await send(sysA, '101', '2025-10', daycare(50));
    ids.aug = await send(sysA, '101', '2026-08', daycare(100));
    ids.sepRejected = await send(sysA, '101', '2026-09', daycare(15, 5), 422); // 25 % invalid
    ids.sep = await send(sysA, '101', '2026-09', daycare(100, 0, 7));
    ids.octA = await send(sysA, '101', '2026-10', daycare(125));
    // A correction from another source authorised for 101: the slot's current delivery now.
    ids.octB = await send(sysB, '101', '2026-10', daycare(120));
    ids.nov = await send(sysA, '101', '2026-11', daycare(90));
    // 5 of 100 invalid: accepted with the 95 valid records, 5 % dropped.
    ids.oct147 = await send(sysA, '147', '2026-10', daycare(95, 5));
    ids.oct461 = await send(sysC, '461', '2026-10', daycare(30));
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async <T>(token: string, path: string, status = 200): Promise<T> => {
    const res = await gw.request(path, { token });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(status);
    return body as T;
  };
  const quality = (token: string, query: string, status = 200) =>
    get<Quality>(token, `/v1/quality?dataset=daycare&${query}`, status);

  it("shows a municipality's records per period against the previous period and the year before", async () => {
    const q = await quality(auditor, 'municipality=101&from=2026-08&to=2026-11');
    expect(q.band).toBe(0.2);
    expect(q.items.map((i) => [i.period, i.records, i.previousRecords, i.change, i.anomaly])).toEqual([
      // The first period asked for: nothing was delivered for July, so nothing to compare.
      ['2026-08', 100, null, null, false],
      ['2026-09', 100, 100, 0, false],
      // The correction (120) is current, not the first delivery (125): exactly +20 %, inside the band.
      ['2026-10', 120, 100, 0.2, false],
      ['2026-11', 90, 120, -0.25, true],
    ]);
    const oct = q.items[2] as QualityItem;
    expect(oct).toMatchObject({
      municipality: '101',
      delivery: ids.octB,
      source: 'sys-b',
      previousPeriod: '2026-09',
      yearBeforePeriod: '2025-10',
      yearBeforeRecords: 50,
      changeYearBefore: 1.4,
      droppedShare: 0,
      rejectedAttempts: 0,
      revalidation: null,
    });
    expect(q.items[1]).toMatchObject({ delivery: ids.sep, rejectedAttempts: 1 });
    expect(q.totals.map((t) => [t.period, t.records, t.municipalities])).toEqual([
      ['2026-08', 100, 1],
      ['2026-09', 100, 1],
      ['2026-10', 120, 1],
      ['2026-11', 90, 1],
    ]);
  });

  it('shows the share of records a partial acceptance dropped', async () => {
    const q = await quality(auditor, 'municipality=147&from=2026-10&to=2026-10');
    expect(q.items).toEqual([
      expect.objectContaining({ delivery: ids.oct147, records: 95, droppedShare: 0.05, anomaly: false }),
    ]);
  });

  it('without a municipality: every municipality × period, and the totals per period', async () => {
    const q = await quality(auditor, 'from=2026-09&to=2026-10');
    expect(q.items).toHaveLength(98 * 2);
    const delivered = q.items
      .filter((i) => i.records !== null)
      .map((i) => [i.municipality, i.period, i.records]);
    expect(delivered).toEqual([
      ['101', '2026-09', 100],
      ['101', '2026-10', 120],
      ['147', '2026-10', 95],
      ['461', '2026-10', 30],
    ]);
    expect(q.totals[1]).toMatchObject({
      period: '2026-10',
      municipalities: 3,
      records: 120 + 95 + 30,
      previousRecords: 100,
      rejectedAttempts: 0,
      droppedShare: Math.round((5 / (120 + 100 + 30)) * 10_000) / 10_000,
    });
    expect(q.totals[0]).toMatchObject({ period: '2026-09', rejectedAttempts: 1, municipalities: 1 });
  });

  it('shows a source its own municipalities only, whoever delivered there, and refuses another', async () => {
    const c = await quality(sysC, 'from=2026-10&to=2026-10');
    expect(c.items.map((i) => [i.municipality, i.records])).toEqual([['461', 30]]);
    // sys-b sees the slot 101/2026-10 whoever sent the current delivery; sys-a's own too.
    const b = await quality(sysB, 'from=2026-10&to=2026-10');
    expect(b.items.map((i) => [i.municipality, i.source])).toEqual([['101', 'sys-b']]);
    const a = await quality(sysA, 'from=2026-10&to=2026-10');
    expect(a.items.map((i) => i.municipality)).toEqual(['101', '147']);
    expect(a.totals[0]?.records).toBe(120 + 95);
    await quality(sysC, 'municipality=101&from=2026-10&to=2026-10', 403);
    await get(sysC, '/v1/quality?dataset=eldercare&from=2026-10&to=2026-10', 403);
  });

  it('shows a recipient the datasets it receives, and refuses the others', async () => {
    const q = await quality(dst, 'municipality=461&from=2026-10&to=2026-10');
    expect(q.items[0]?.records).toBe(30);
    // Sundhedsdatastyrelsen receives eldercare, not daycare.
    await quality(sds, 'municipality=461&from=2026-10&to=2026-10', 403);
    await get(sds, '/v1/quality?dataset=eldercare&municipality=461&from=2026-10&to=2026-10');
  });

  it('refuses a range backwards, over 120 periods, of another cadence, an unknown dataset or municipality with 422', async () => {
    const problem = async (query: string, code: string) => {
      const p = await get<{ type: string }>(auditor, `/v1/quality?${query}`, 422);
      expect(p.type).toBe(`/problems/${code}`);
    };
    await problem('dataset=daycare&from=2026-10&to=2026-09', 'unprocessable');
    await problem('dataset=daycare&from=2016-10&to=2026-10', 'unprocessable');
    await problem('dataset=daycare&from=2026-W40&to=2026-10', 'invalid_period');
    await problem('dataset=daycare&from=0000-01&to=0000-02', 'invalid_period');
    await problem('dataset=nosuch&from=2026-09&to=2026-10', 'unknown_dataset');
    await problem('dataset=daycare&municipality=999&from=2026-09&to=2026-10', 'invalid_municipality');
    const ok = await quality(auditor, 'municipality=101&from=2016-11&to=2026-10');
    expect(ok.items).toHaveLength(120);
    const missing = await gw.request('/v1/quality?dataset=daycare&from=2026-09', { token: auditor });
    expect(missing.status).toBe(400);
  });

  it('counts the consolidation figure: accepted deliveries once each, their extracts, and the difference', async () => {
    const report = await get<Consolidation>(auditor, '/v1/reports/consolidation?from=2026-08&to=2026-11');
    // Counted independently: every accepted delivery with a period in range, read back one by one.
    const expected = new Map<string, { deliveries: number; extracts: number }>();
    for (const key of ['aug', 'sep', 'octA', 'octB', 'nov', 'oct147', 'oct461']) {
      const d = await get<{ municipality: string; status: string; extracts: unknown[] }>(
        auditor,
        `/v1/deliveries/${ids[key]}`,
      );
      expect(d.status).toBe('accepted');
      const c = expected.get(d.municipality) ?? { deliveries: 0, extracts: 0 };
      c.deliveries++;
      c.extracts += d.extracts.length;
      expected.set(d.municipality, c);
    }
    expect(report.items).toHaveLength(98);
    const got = report.items.filter((i) => i.deliveries > 0);
    expect(got).toEqual(
      [...expected].map(([municipality, c]) => ({ municipality, ...c, avoided: c.extracts - c.deliveries })),
    );
    // Daycare goes to four recipients: 101 sent five accepted deliveries in range (a correction counts).
    expect(got[0]).toEqual({ municipality: '101', deliveries: 5, extracts: 20, avoided: 15 });
    const sum = (k: 'deliveries' | 'extracts') => got.reduce((n, i) => n + i[k], 0);
    expect(report.total).toEqual({
      deliveries: sum('deliveries'),
      extracts: sum('extracts'),
      avoided: sum('extracts') - sum('deliveries'),
    });
    // October 2025 lies outside the range; only its year counts when asked for.
    const y2025 = await get<Consolidation>(auditor, '/v1/reports/consolidation?from=2025-01&to=2025-12');
    expect(y2025.total).toEqual({ deliveries: 1, extracts: 4, avoided: 3 });
  });

  it('keeps the consolidation report to auditors and admins, and refuses a bad range', async () => {
    await get(ADMIN_TOKEN, '/v1/reports/consolidation?from=2026-10&to=2026-10');
    for (const token of [sysA, dst])
      await get(token, '/v1/reports/consolidation?from=2026-10&to=2026-10', 403);
    await get(auditor, '/v1/reports/consolidation?from=2026-11&to=2026-10', 422);
    await get(auditor, '/v1/reports/consolidation?from=2026-10-01&to=2026-10-31', 422);
  });
});
