import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

/** What a token may read is decided by its current scope, not by the subject it names. */
describe('a token reads within its current scope', () => {
  let gw: MemoryGateway;
  let wide: string;
  let narrow: string;
  let otherDataset: string;
  const ids: Record<string, string[]> = { '101': [], '147': [] };

  const xml = (seed: number) =>
    [...syntheticDelivery({ dataset: 'daycare', records: 3, format: 'xml', seed })].join('');
  const list = async (token: string, query = '') => {
    const res = await gw.request(`/v1/deliveries${query}`, { token });
    expect(res.status).toBe(200);
    return (await res.json()) as { items: Array<{ id: string; municipality: string }>; next: string | null };
  };
  const signIn = async (token: string) => {
    const res = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };

  beforeAll(async () => {
    gw = await startMemoryGateway();
    wide = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-x',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    // Interleaved, so a page filtered after the query would come up short.
    let seed = 10;
    for (const m of ['147', '147', '101', '147', '147', '101', '147']) {
      const res = await submit(gw, wide, xml(seed++), `dataset=daycare&municipality=${m}&period=2026-10`);
      expect(res.status).toBe(201);
      ids[m]?.push(((await res.json()) as { id: string }).id);
    }
    // The same system re-issued with fewer municipalities; the wide token is still live.
    narrow = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-x',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    otherDataset = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-x',
        municipalities: ['101', '147'],
        datasets: ['eldercare'],
      })
    ).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('lists only the municipalities and datasets the token names now', async () => {
    expect((await list(wide, '?limit=500')).items).toHaveLength(7);
    const narrowed = await list(narrow, '?limit=500');
    expect(narrowed.items.map((d) => d.municipality)).toEqual(['101', '101']);
    expect((await list(otherDataset, '?limit=500')).items).toEqual([]);
    expect((await list(narrow, '?municipality=147')).items).toEqual([]);
  });

  it('pages through only what is in scope: every page full, no empty page with a next', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(narrow, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items).toHaveLength(1);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.next;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([...(ids['101'] ?? [])].sort());
  });

  it('reads neither a delivery nor its report outside the scope (404)', async () => {
    const lost = ids['147']?.[0] as string;
    expect((await gw.request(`/v1/deliveries/${lost}`, { token: wide })).status).toBe(200);
    for (const token of [narrow, otherDataset]) {
      expect((await gw.request(`/v1/deliveries/${lost}`, { token })).status).toBe(404);
      expect((await gw.request(`/v1/deliveries/${lost}/report`, { token })).status).toBe(404);
    }
    const kept = ids['101']?.[0] as string;
    expect((await gw.request(`/v1/deliveries/${kept}`, { token: narrow })).status).toBe(200);
    expect((await gw.request(`/v1/deliveries/${kept}/report`, { token: narrow })).status).toBe(200);
  });

  it('the slot status shows the token its own municipalities × datasets only', async () => {
    const res = await gw.request('/v1/status?dataset=daycare&period=2026-10', { token: narrow });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ municipality: string; delivery: string }> };
    expect(body.items.map((i) => i.municipality)).toEqual(['101']);
    expect(ids['101']).toContain(body.items[0]?.delivery);
    const none = await gw.request('/v1/status?dataset=daycare&period=2026-10', { token: otherDataset });
    expect(((await none.json()) as { items: unknown[] }).items).toEqual([]);
    const own = await gw.request('/v1/status?period=2026-10', { token: otherDataset });
    const items = ((await own.json()) as { items: Array<{ dataset: string; municipality: string }> }).items;
    expect(items.map((i) => `${i.dataset}/${i.municipality}`)).toEqual(['eldercare/101', 'eldercare/147']);
  });

  it('a municipality token reads its municipality: deliveries of any source, reports, status; never content', async () => {
    const other = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-y',
        municipalities: ['147'],
        datasets: ['daycare'],
      })
    ).token;
    const fromOther = await submit(gw, other, xml(99), 'dataset=daycare&municipality=147&period=2026-09');
    expect(fromOther.status).toBe(201);
    const municipality = (
      await gw.issueToken({ role: 'municipality', subject: 'fk-bi', municipalities: ['147'] })
    ).token;
    const listed = await list(municipality, '?limit=500');
    expect(listed.items.map((d) => d.municipality)).toEqual(Array(6).fill('147'));
    expect(listed.items.map((d) => d.id)).toContain(((await fromOther.json()) as { id: string }).id);
    const kept = ids['147']?.[0] as string;
    expect((await gw.request(`/v1/deliveries/${kept}/report`, { token: municipality })).status).toBe(200);
    expect((await gw.request(`/v1/deliveries/${ids['101']?.[0]}`, { token: municipality })).status).toBe(404);
    const status = await gw.request('/v1/status?period=2026-10', { token: municipality });
    const items = ((await status.json()) as { items: Array<{ dataset: string; municipality: string }> })
      .items;
    expect(items.map((i) => `${i.dataset}/${i.municipality}`)).toEqual(['daycare/147', 'eldercare/147']);
    expect((await gw.request('/v1/extracts', { token: municipality })).status).toBe(403);
    expect(
      (await submit(gw, municipality, xml(100), 'dataset=daycare&municipality=147&period=2026-10')).status,
    ).toBe(403);
  });

  it('a municipality token names municipalities only: no datasets, no recipient, not every municipality', async () => {
    const issue = (body: Record<string, unknown>) =>
      gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'municipality', subject: 'm', ...body }),
      });
    expect((await issue({ municipalities: ['101'], datasets: ['daycare'] })).status).toBe(400);
    expect((await issue({ municipalities: ['101'], recipient: 'dst' })).status).toBe(400);
    expect((await issue({})).status).toBe(400);
    expect((await issue({ municipalities: ['*'] })).status).toBe(422);
    expect((await issue({ municipalities: ['999'] })).status).toBe(422);
    expect((await issue({ municipalities: ['101', '101'] })).status).toBe(400);
    expect((await issue({ municipalities: ['101'] })).status).toBe(201);
  });

  it('the dashboard shows the same scope', async () => {
    const cookie = await signIn(narrow);
    const html = await (await gw.request('/', { headers: { cookie } })).text();
    expect(html).toContain('København');
    expect(html).not.toContain('Frederiksberg');
    const lost = ids['147']?.[0] as string;
    const detail = await gw.request(`/deliveries/${lost}`, { headers: { cookie } });
    expect(detail.status).toBe(404);
    const expected = await (
      await gw.request('/expected?dataset=daycare&period=2026-10', { headers: { cookie } })
    ).text();
    expect(expected).toContain('101 København');
    expect(expected).not.toContain('147 Frederiksberg');
  });

  it('an auditor still sees everything', async () => {
    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    // The seven above and sys-y's for 147.
    expect((await list(auditor, '?limit=500')).items).toHaveLength(8);
    expect((await list(ADMIN_TOKEN, '?limit=500')).items).toHaveLength(8);
  });
});
