import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

interface Item {
  dataset: string;
  municipality: string;
  period: string;
  deadline: string;
  status: string;
  delivery: string | null;
  attempts: number;
  rejectedAttempts: number;
  records: number | null;
  previousRecords: number | null;
  change: number | null;
  anomaly: boolean;
  errorsByRule: Record<string, number>;
}

/** GET /v1/status: one item per obligated slot, from obligations and deliveries alone. */
describe('GET /v1/status: every obligated slot received, late, missing, pending or rejected', () => {
  let gw: Gateway;
  let sourceA: string;
  let sourceB: string;
  let sourceBId: string;
  let auditor: string;
  let stuk: string;
  let bLate = '';
  const xml = (seed: number, records = 20) =>
    [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');
  const at = (iso: string) => {
    gw.services.now = () => new Date(iso);
  };

  beforeAll(async () => {
    gw = await startGateway();
    sourceA = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-a',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    const b = await gw.issueToken({
      role: 'source',
      subject: 'sys-b',
      municipalities: ['101', '461'],
      datasets: ['daycare'],
    });
    sourceB = b.token;
    sourceBId = b.id;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    stuk = (await gw.issueToken({ role: 'recipient', subject: 'stuk', recipient: 'stuk' })).token;
    at('2026-11-05T10:00:00Z');
    const q = (m: string, p: string) => `dataset=daycare&municipality=${m}&period=${p}`;
    expect((await submit(gw, sourceA, xml(1, 10), q('101', '2026-09'))).status).toBe(201);
    expect((await submit(gw, sourceA, xml(2, 20), q('101', '2026-10'))).status).toBe(201);
    const bad = xml(3).replace(/<CareType>[a-z]+</, '<CareType>x<');
    expect((await submit(gw, sourceB, bad, q('461', '2026-10'))).status).toBe(422);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const get = async (token: string, query = 'dataset=daycare&period=2026-10') => {
    const res = await gw.request(`/v1/status?${query}`, { token });
    return {
      status: res.status,
      body: (await res.json()) as { items: Item[]; summary: Record<string, number> },
    };
  };
  const slot = (items: Item[], m: string) => items.find((i) => i.municipality === m);

  it('before the deadline: received, rejected, and the rest of the 98 pending', async () => {
    at('2026-11-13T22:00:00Z');
    const { status, body } = await get(auditor);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(98);
    expect(body.summary).toEqual({ received: 1, late: 0, missing: 0, pending: 96, rejected: 1 });
    const copenhagen = slot(body.items, '101');
    expect(copenhagen).toMatchObject({
      status: 'received',
      deadline: '2026-11-13',
      attempts: 1,
      records: 20,
      previousRecords: 10,
      change: 1,
      anomaly: true,
      errorsByRule: {},
    });
    expect(slot(body.items, '461')).toMatchObject({
      status: 'rejected',
      rejectedAttempts: 1,
      delivery: null,
    });
    expect(slot(body.items, '147')?.status).toBe('pending');
  });

  it('after the deadline (Danish date): missing; a second source for the same slot keeps it received', async () => {
    at('2026-11-20T12:00:00Z');
    const late = await submit(gw, sourceB, xml(4), 'dataset=daycare&municipality=101&period=2026-10');
    expect(late.status).toBe(201);
    bLate = ((await late.json()) as { id: string }).id;
    const { body } = await get(auditor);
    expect(body.summary).toEqual({ received: 1, late: 0, missing: 96, pending: 0, rejected: 1 });
    expect(slot(body.items, '101')).toMatchObject({ status: 'received', attempts: 2, delivery: bLate });
    expect(slot(body.items, '147')?.status).toBe('missing');
    // Received first after the deadline: late (101's September was sent on 5 November).
    expect(slot((await get(auditor, 'dataset=daycare&period=2026-09')).body.items, '101')?.status).toBe(
      'late',
    );
  });

  it('is the same before and after tokens are issued and revoked', async () => {
    const before = await get(auditor, 'period=2026-10');
    await gw.issueToken({ role: 'source', subject: 'sys-c', municipalities: ['751'], datasets: ['daycare'] });
    await gw.issueToken({ role: 'source', subject: 'sys-d', municipalities: ['*'], datasets: ['*'] });
    const revoked = await gw.request(`/v1/admin/tokens/${sourceBId}`, {
      method: 'DELETE',
      token: (await gw.issueToken({ role: 'admin', subject: 'ops' })).token,
    });
    expect(revoked.status).toBe(204);
    const after = await get(auditor, 'period=2026-10');
    expect(after.body).toEqual(before.body);
    expect(after.body.items).toHaveLength(196);
  });

  it('a recipient sees the datasets it receives; a source the municipalities and datasets of its token', async () => {
    const own = await get(stuk, 'period=2026-10');
    expect(own.status).toBe(200);
    expect(new Set(own.body.items.map((i) => i.dataset))).toEqual(new Set(['daycare']));
    expect(own.body.items).toHaveLength(98);
    expect((await get(stuk, 'dataset=eldercare&period=2026-10')).body.items).toEqual([]);
    const source = await get(sourceA, 'period=2026-10');
    expect(source.body.items.map((i) => `${i.dataset}/${i.municipality}`)).toEqual([
      'daycare/101',
      'daycare/147',
    ]);
    const one = await get(auditor, 'dataset=eldercare&period=2026-10&municipality=147');
    expect(one.body.items.map((i) => [i.dataset, i.municipality, i.deadline, i.status])).toEqual([
      ['eldercare', '147', '2026-11-14', 'missing'],
    ]);
  });

  it("without a period: each dataset's most recently due period", async () => {
    const { body } = await get(auditor, 'municipality=101');
    expect(body.items.map((i) => [i.dataset, i.period, i.deadline])).toEqual([
      ['daycare', '2026-10', '2026-11-13'],
      ['eldercare', '2026-10', '2026-11-14'],
      ['daycare-waitlist', '2026-W46', '2026-11-17'],
      ['shelter-occupancy', '2026-11-18', '2026-11-19'],
    ]);
  });

  it('answers an unknown dataset or municipality, or a bad period, with a problem document', async () => {
    const problem = async (query: string) => {
      const res = await gw.request(`/v1/status?${query}`, { token: auditor });
      expect(res.status, query).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      return ((await res.json()) as { type: string }).type;
    };
    expect(await problem('dataset=nope&period=2026-10')).toBe('/problems/unknown_dataset');
    expect(await problem('municipality=999&period=2026-10')).toBe('/problems/invalid_municipality');
    expect(await problem('dataset=daycare&period=2026-W01')).toBe('/problems/invalid_period');
    expect(await problem('period=October')).toBe('/problems/invalid_period');
  });

  it('GET /v1/obligations: the file as served, with the next deadlines; for every role', async () => {
    for (const token of [auditor, stuk, sourceA]) {
      const res = await gw.request('/v1/obligations', { token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        items: Array<{ dataset: string; municipalities: unknown; nextDeadlines: unknown[] }>;
      };
      expect(body.items.map((o) => o.dataset)).toEqual([
        'daycare',
        'eldercare',
        'daycare-waitlist',
        'shelter-occupancy',
      ]);
      expect(body.items[0]).toMatchObject({
        municipalities: 'all',
        deadline: { workingDaysAfterPeriodEnd: 10 },
        anomalyBand: 0.2,
        nextDeadlines: [
          { period: '2026-11', deadline: '2026-12-14' },
          { period: '2026-12', deadline: '2027-01-15' },
          { period: '2027-01', deadline: '2027-02-12' },
        ],
      });
    }
  });

  it('the dashboard shows a recipient the status of what it receives', async () => {
    const signIn = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stuk }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await gw.request('/expected?dataset=daycare&period=2026-10', { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('101 København');
    expect(html).toContain('13. november 2026');
    expect(html).toMatch(/badge missing/);
  });
});
