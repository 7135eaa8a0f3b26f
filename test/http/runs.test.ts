import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotStatusItem } from '../../src/core/run-report';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway } from '../support/harness';

/**
 * The monthly run over HTTP, fed by an in-test status source: a period with a slot of each
 * status in three municipalities.
 */
const base = {
  deadline: '2026-10-14',
  attempts: 1,
  rejectedAttempts: 0,
  previousRecords: 1000,
  change: 0.02,
  anomaly: false,
  errorsByRule: {},
};
const slots = (period: string): SlotStatusItem[] => [
  {
    ...base,
    dataset: 'daycare',
    municipality: '101',
    period,
    status: 'received',
    delivery: 'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAA',
    receivedAt: '2026-10-03T09:15:00.000Z',
    records: 1020,
    yearBeforeRecords: 980,
    yearBeforeChange: 0.0408,
    droppedShare: 0,
  },
  {
    ...base,
    dataset: 'eldercare',
    municipality: '101',
    period,
    status: 'late',
    delivery: 'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAB',
    receivedAt: '2026-10-20T12:00:00.000Z',
    records: 1500,
    change: 0.5,
    anomaly: true,
  },
  {
    ...base,
    dataset: 'daycare',
    municipality: '147',
    period,
    status: 'rejected',
    delivery: null,
    receivedAt: null,
    records: null,
    change: null,
    attempts: 3,
    rejectedAttempts: 3,
    errorsByRule: { 'cpr-format': 4, 'date-range': 2 },
  },
  {
    ...base,
    dataset: 'eldercare',
    municipality: '147',
    period,
    status: 'missing',
    delivery: null,
    receivedAt: null,
    records: null,
    change: null,
    attempts: 0,
  },
  {
    ...base,
    dataset: 'daycare',
    municipality: '151',
    period,
    status: 'received',
    delivery: 'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAC',
    receivedAt: '2026-10-01T08:00:00.000Z',
    records: 400,
  },
  // Another period's slot is no part of the run.
  {
    ...base,
    dataset: 'daycare',
    municipality: '153',
    period: '2026-08',
    status: 'missing',
    delivery: null,
    receivedAt: null,
    records: null,
  },
];

interface Run {
  id: string;
  period: string;
  ranAt: string;
  trigger: string;
  municipalities: number;
  missing: number;
  late: number;
  rejected: number;
  anomalies: number;
  received: number;
  slots: number;
}

describe('monthly runs over HTTP', () => {
  let gw: MemoryGateway;
  let source101: string;
  let recipient: string;
  let auditor: string;
  let feed = slots;
  let first: Run;

  const post = (period: string, token = ADMIN_TOKEN) =>
    gw.request('/v1/runs', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period }),
    });
  const report = (id: string, code: string, accept?: string, token = ADMIN_TOKEN, query = '') =>
    gw.request(`/v1/runs/${id}/municipalities/${code}${query}`, {
      token,
      ...(accept ? { headers: { accept } } : {}),
    });

  beforeAll(async () => {
    gw = await startMemoryGateway();
    gw.services.slotStatuses = async (period) => feed(period);
    source101 = (
      await gw.issueToken({
        role: 'source',
        subject: 'vendor-101',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    recipient = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    const res = await post('2026-09');
    expect(res.status).toBe(202);
    first = (await res.json()) as Run;
    expect(res.headers.get('location')).toBe(`/v1/runs/${first.id}`);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("counts the period's missing, late, rejected and anomalous slots", async () => {
    expect(first).toMatchObject({
      period: '2026-09',
      trigger: 'manual',
      municipalities: 3,
      slots: 5,
      received: 2,
      missing: 1,
      late: 1,
      rejected: 1,
      anomalies: 1,
    });
    const res = await gw.request(`/v1/runs/${first.id}`, { token: recipient });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(first);
    const audit = await gw.request(`/v1/audit?action=run.completed`, { token: auditor });
    const events = ((await audit.json()) as { items: Array<{ subject: string; details: object }> }).items;
    expect(events.find((e) => e.subject === first.id)?.details).toMatchObject({
      period: '2026-09',
      missing: 1,
    });
  });

  it("answers a municipality's report as JSON, the same bytes every time", async () => {
    const res = await report(first.id, '147');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expect(await (await report(first.id, '147')).text()).toBe(text);
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      run: first.id,
      period: '2026-09',
      municipality: '147',
      municipalityName: 'Frederiksberg',
      counts: { slots: 2, rejected: 1, missing: 1, received: 0 },
    });
    expect(body.datasets.map((d: { dataset: string; status: string }) => [d.dataset, d.status])).toEqual([
      ['daycare', 'rejected'],
      ['eldercare', 'missing'],
    ]);
    expect(body.datasets[0].errorsByRule).toEqual({ 'cpr-format': 4, 'date-range': 2 });
  });

  it('answers CSV that parses to one row per obligated dataset', async () => {
    const res = await report(first.id, '101', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('vary')?.toLowerCase()).toContain('accept');
    const text = await res.text();
    expect(await (await report(first.id, '101', 'text/csv')).text()).toBe(text);
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.dataset, r.status, r.records, r.anomaly, r.change])).toEqual([
      ['daycare', 'received', '1020', 'false', '0.02'],
      ['eldercare', 'late', '1500', 'true', '0.5'],
    ]);
    expect(rows[0]).toMatchObject({
      municipality: '101',
      period: '2026-09',
      run: first.id,
      deadline: '2026-10-14',
    });
    const rejected = parse(await (await report(first.id, '147', 'text/csv')).text(), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(rejected[0]?.errorsByRule).toBe('cpr-format=4;date-range=2');
  });

  it('answers a printable page in Danish (English with lang=en), with the figures and no script', async () => {
    const res = await report(first.id, '147', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(await (await report(first.id, '147', 'text/html')).text()).toBe(html);
    expect(html).toContain('<html lang="da">');
    expect(html).toContain('Månedskørsel 2026-09 — Frederiksberg (147)');
    expect(html).toContain('Afvist');
    expect(html).toContain('Mangler');
    expect(html).toContain('<code>cpr-format</code>: 4');
    expect(html).toContain('14.10.2026');
    expect(html).toMatch(/@media print/);
    expect(html).toMatch(/@page\{size:A4/);
    expect(html).not.toMatch(/<script|<link|src=|href="http/i);
    const en = await (await report(first.id, '101', 'text/html', ADMIN_TOKEN, '?lang=en')).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Monthly run 2026-09 — København (101)');
    expect(en).toContain('1,020');
    expect(en).toContain('+50.0%');
    const da = await (await report(first.id, '101', 'text/html')).text();
    expect(da).toContain('1.020');
    expect(da).toContain('+50,0 %');
    expect(da).toContain('For sent');
  });

  it('negotiates by quality, and answers 406 for a type it does not offer', async () => {
    const csv = await report(first.id, '101', 'text/html;q=0.5, text/csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const json = await report(first.id, '101', 'application/*');
    expect(json.headers.get('content-type')).toContain('application/json');
    for (const accept of ['application/xml', 'text/csv;q=0, application/pdf', 'nonsense']) {
      const res = await report(first.id, '101', accept);
      expect(res.status, accept).toBe(406);
      expect(res.headers.get('vary')?.toLowerCase()).toBe('accept');
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toBe('/problems/not_acceptable');
    }
  });

  it('makes a new run when asked again and keeps the old one as it was', async () => {
    feed = (period) => slots(period).map((s) => (s.status === 'missing' ? { ...s, status: 'late' } : s));
    try {
      const res = await post('2026-09');
      expect(res.status).toBe(202);
      const second = (await res.json()) as Run;
      expect(second.id).not.toBe(first.id);
      expect(second).toMatchObject({ missing: 0, late: 2 });
      const list = (await (await gw.request('/v1/runs?period=2026-09', { token: auditor })).json()) as {
        items: Run[];
      };
      expect(list.items.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(await (await gw.request(`/v1/runs/${first.id}`, { token: auditor })).json()).toEqual(first);
      const old = (await (await report(first.id, '147')).json()) as { counts: { missing: number } };
      expect(old.counts.missing).toBe(1);
    } finally {
      feed = slots;
    }
  });

  it('has a national summary: totals, per dataset and per municipality', async () => {
    const res = await gw.request(`/v1/runs/${first.id}/summary`, { token: recipient });
    expect(res.status).toBe(200);
    const s = (await res.json()) as {
      counts: Record<string, number>;
      datasets: Array<{ dataset: string; records: number; slots: number }>;
      municipalities: Array<{ municipality: string; missing: number }>;
    };
    expect(s.counts).toMatchObject({ slots: 5, missing: 1, late: 1, rejected: 1, anomalies: 1 });
    expect(s.datasets).toMatchObject([
      { dataset: 'daycare', slots: 3, records: 1420 },
      { dataset: 'eldercare', slots: 2, records: 1500 },
    ]);
    expect(s.municipalities.map((m) => m.municipality)).toEqual(['101', '147', '151']);
  });

  it("shows a source its own municipalities' and datasets' figures only; others are 404", async () => {
    // source101 sends daycare for 101: its report has 101's daycare row, counted over daycare alone.
    for (const accept of [undefined, 'text/csv', 'text/html']) {
      const res = await report(first.id, '101', accept, source101);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('daycare');
      expect(text, accept).not.toContain('eldercare');
      expect(text).not.toContain('dlv_01ARZ3NDEKTSV4RRFFQ69G5FAB');
    }
    const own = (await (await report(first.id, '101', undefined, source101)).json()) as {
      counts: { slots: number; late: number; anomalies: number };
    };
    expect(own.counts).toMatchObject({ slots: 1, late: 0, anomalies: 0 });
    for (const code of ['147', '151', '999']) {
      const res = await report(first.id, code, undefined, source101);
      expect(res.status, code).toBe(404);
    }
    const s = (await (await gw.request(`/v1/runs/${first.id}/summary`, { token: source101 })).json()) as {
      counts: { slots: number };
      datasets: Array<{ dataset: string }>;
      municipalities: Array<{ municipality: string; slots: number; late: number }>;
    };
    expect(s.municipalities).toMatchObject([{ municipality: '101', slots: 1, late: 0 }]);
    // Its dataset rows count its own slots, not the nation's.
    expect(s.datasets).toEqual([
      {
        dataset: 'daycare',
        records: 1020,
        slots: 1,
        received: 1,
        late: 0,
        missing: 0,
        pending: 0,
        rejected: 0,
        anomalies: 0,
      },
    ]);
    // A municipality token: its municipality's rows, every dataset of it, counted over it alone.
    const m147 = (await gw.issueToken({ role: 'municipality', subject: 'k147', municipalities: ['147'] }))
      .token;
    const sm = (await (await gw.request(`/v1/runs/${first.id}/summary`, { token: m147 })).json()) as typeof s;
    expect(sm.municipalities).toMatchObject([{ municipality: '147', slots: 2, missing: 1, rejected: 1 }]);
    expect(sm.datasets).toMatchObject([
      { dataset: 'daycare', slots: 1, rejected: 1, records: 0 },
      { dataset: 'eldercare', slots: 1, missing: 1, records: 0 },
    ]);
    // The run's national counts name no municipality: everyone's, as in GET /v1/runs.
    expect(s.counts.slots).toBe(5);
    // A recipient of daycare alone sees every municipality's daycare figures, not eldercare's.
    const stuk = (await gw.issueToken({ role: 'recipient', subject: 'stuk', recipient: 'stuk' })).token;
    const ss = (await (await gw.request(`/v1/runs/${first.id}/summary`, { token: stuk })).json()) as typeof s;
    expect(ss.datasets).toMatchObject([{ dataset: 'daycare', slots: 3, records: 1420 }]);
    expect(ss.municipalities).toMatchObject([
      { municipality: '101', slots: 1, late: 0 },
      { municipality: '147', slots: 1, late: 0 },
      { municipality: '151', slots: 1, late: 0 },
    ]);
    expect((await report(first.id, '147', undefined, auditor)).status).toBe(200);
    // A recipient reads the summary, not a municipality's report.
    expect((await report(first.id, '101', undefined, recipient)).status).toBe(403);
    expect((await report('run_01ARZ3NDEKTSV4RRFFQ69G5FAV', '101')).status).toBe(404);
    expect((await gw.request('/v1/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: auditor })).status).toBe(
      404,
    );
  });

  it('runs only for admins, only a month that has begun', async () => {
    expect((await post('2026-09', source101)).status).toBe(403);
    expect((await post('2026-09', auditor)).status).toBe(403);
    const future = await post('2099-01');
    expect(future.status).toBe(422);
    expect(((await future.json()) as { type: string }).type).toBe('/problems/period_not_open');
    for (const bad of ['2026-13', '2026-W40', '', '2026-09-01', '0000-01', '1900-12', '9999-01', '12026-01'])
      expect((await post(bad)).status, bad).toBe(400);
    // Every period lies in 1901–9998, in the runs as everywhere: 1999-12 is a month that has passed.
    const old = await gw.request('/v1/runs?period=1999-12', { token: auditor });
    expect(old.status).toBe(200);
    expect(((await old.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await gw.request('/v1/runs?period=1900-12', { token: auditor })).status).toBe(400);
    expect((await post('9998-12')).status).toBe(422);
    const extra = await gw.request('/v1/runs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period: '2026-09', trigger: 'scheduled' }),
    });
    expect(extra.status).toBe(400);
  });
});
