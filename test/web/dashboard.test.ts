import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

describe('the dashboard', () => {
  let gw: Gateway;
  let sourceA: string;
  let sourceB: string;
  let auditor: string;
  const xml = [...syntheticDelivery({ dataset: 'daycare', records: 40, format: 'xml', seed: 5 })].join('');
  const cprs = [...xml.matchAll(/<Cpr>(\d{10})<\/Cpr>/g)].map((m) => m[1] as string);

  const signIn = async (token: string) => {
    const res = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    return { res, cookie: cookie.split(';')[0] ?? '' };
  };
  const page = async (path: string, cookie: string) =>
    (await gw.request(path, { headers: { cookie } })).text();

  beforeAll(async () => {
    gw = await startGateway();
    sourceA = (
      await gw.issueToken({ role: 'source', subject: 'sys-a', municipalities: ['*'], datasets: ['daycare'] })
    ).token;
    sourceB = (
      await gw.issueToken({ role: 'source', subject: 'sys-b', municipalities: ['*'], datasets: ['daycare'] })
    ).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    expect((await submit(gw, sourceA, xml, 'dataset=daycare&municipality=101&period=2026-10')).status).toBe(
      201,
    );
    const bad = xml.replace(/<WeeklyHours>[^<]*</, '<WeeklyHours>75<');
    expect((await submit(gw, sourceB, bad, 'dataset=daycare&municipality=461&period=2026-10')).status).toBe(
      422,
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('does not show a CPR-shaped filter value back in its field, and still filters by what is plain', async () => {
    const { cookie } = await signIn(auditor);
    const html = await page('/?municipality=0101215123&period=010121-5123', cookie);
    expect(html).not.toContain('0101215123');
    expect(html).not.toContain('010121-5123');
    expect(await page('/?municipality=101', cookie)).toContain('value="101"');
  });

  it('asks for a token, and refuses an unknown one', async () => {
    expect(await page('/', '')).toContain('name="token"');
    const { res, cookie } = await signIn('gw_not-a-real-token-at-all');
    expect(res.status).toBe(401);
    expect(cookie).toBe('');
  });

  it("shows an auditor every delivery with municipality, period, status and each recipient's extract", async () => {
    const { res, cookie } = await signIn(auditor);
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const html = await page('/', cookie);
    expect(html).toContain('København');
    expect(html).toContain('Odense');
    expect(html).toContain('badge accepted');
    expect(html).toContain('badge rejected');
    expect(html).toMatch(/dst <span class="badge available">/);
    const filtered = await page('/?status=rejected', cookie);
    expect(filtered).not.toContain('København');
  });

  it('shows a source only its own deliveries, and what was wrong without personal data', async () => {
    const { cookie } = await signIn(sourceB);
    const html = await page('/', cookie);
    expect(html).toContain('Odense');
    expect(html).not.toContain('København');
    const id = /href="\/deliveries\/(dlv_[0-9A-Z]+)"/.exec(html)?.[1];
    expect(id).toBeTruthy();
    const detail = await page(`/deliveries/${id}`, cookie);
    expect(detail).toContain('weeklyHours');
    expect(detail).toContain('max');
    for (const cpr of cprs) expect(detail).not.toContain(cpr);
    const { cookie: other } = await signIn(sourceA);
    expect(await page(`/deliveries/${id}`, other)).toContain('Der findes ingen sådan leverance');
  });

  it('shows how every obligated slot stands, whether or not a token names its municipality', async () => {
    const { cookie } = await signIn(auditor);
    const html = await page('/expected?dataset=daycare&period=2026-10', cookie);
    expect(html).toContain('751 Aarhus');
    expect(html).toMatch(/<span class="badge (missing|pending)">/);
    expect(await page('/expected?dataset=daycare&period=2026-13', cookie)).toContain(
      'Perioden skal skrives som en måned ÅÅÅÅ-MM',
    );
  });
});
