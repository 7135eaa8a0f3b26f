/**
 * The dashboard's national picture, municipality page and run reports, as served HTML: what a
 * person reads on them, what each principal may see (the status scope of GET /v1/status), and
 * a clear 400 page for a period that is not a month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { settableClock } from '../../src/core/clock';
import { slotStatuses } from '../../src/pipeline/status';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

describe('the national picture, the municipality page and the run reports', () => {
  let gw: MemoryGateway;
  const clock = settableClock(new Date('2026-11-03T14:05:00.000Z'));
  const tokens = { auditor: '', m101: '', source461: '', recipient: '' };
  let runId = '';
  const xml = (dataset: 'daycare' | 'eldercare', records: number) =>
    [...syntheticDelivery({ dataset, records, format: 'xml', seed: 3 })].join('');

  const signIn = async (token: string) => {
    const res = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };
  const get = async (path: string, token: string) =>
    gw.request(path, { headers: { cookie: await signIn(token) }, redirect: 'manual' });
  const html = async (path: string, token: string) => {
    const res = await get(path, token);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    gw = await startMemoryGateway({}, { now: clock.now });
    tokens.auditor = (await gw.issueToken({ role: 'auditor', subject: 'revision' })).token;
    tokens.m101 = (
      await gw.issueToken({ role: 'municipality', subject: 'kk', municipalities: ['101'] })
    ).token;
    tokens.recipient = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    const source = (
      await gw.issueToken({ role: 'source', subject: 'sys', municipalities: ['*'], datasets: ['*'] })
    ).token;
    tokens.source461 = (
      await gw.issueToken({ role: 'source', subject: 'sys-461', municipalities: ['461'], datasets: ['*'] })
    ).token;
    // 101: daycare September 40 records (sent after its deadline: late), October 80 (an anomaly: +100 %); eldercare October.
    expect(
      (await submit(gw, source, xml('daycare', 40), 'dataset=daycare&municipality=101&period=2026-09'))
        .status,
    ).toBe(201);
    expect(
      (await submit(gw, source, xml('daycare', 80), 'dataset=daycare&municipality=101&period=2026-10'))
        .status,
    ).toBe(201);
    expect(
      (await submit(gw, source, xml('eldercare', 30), 'dataset=eldercare&municipality=101&period=2026-10'))
        .status,
    ).toBe(201);
    // 461: a rejected daycare delivery for October.
    const bad = xml('daycare', 20).replace(/<WeeklyHours>[^<]*</, '<WeeklyHours>75<');
    expect((await submit(gw, source, bad, 'dataset=daycare&municipality=461&period=2026-10')).status).toBe(
      422,
    );
    // After both October deadlines (daycare 13 November, eldercare 14 November).
    clock.set(new Date('2026-11-20T10:00:00.000Z'));
    // The run takes its slots from the same status function as GET /v1/status.
    gw.services.slotStatuses = async (period) => (await slotStatuses(gw.services, { period }, {})).items;
    const run = await gw.request('/v1/runs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period: '2026-10' }),
    });
    expect(run.status).toBe(202);
    runId = ((await run.json()) as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  });

  it('shows every municipality × monthly dataset for the latest month due, in Danish, colour never the only signal', async () => {
    const { status, text } = await html('/national', tokens.auditor);
    expect(status).toBe(200);
    expect(text).toContain('<html lang="da"');
    expect(text).toContain('<h1>Landsbillede 2026-10</h1>');
    // 98 municipality rows, one column per obligated monthly dataset.
    expect(text.match(/<th scope="row">/g)).toHaveLength(98);
    expect(text).toContain('<th scope="col">daycare</th><th scope="col">eldercare</th>');
    expect(text).not.toContain('daycare-waitlist</th>');
    // A cell: the status class, the word, a label naming the slot, the anomaly in words, a link.
    expect(text).toContain(
      '<td class="cell received"><a href="/municipalities/101?period=2026-10" title="101 København, daycare, 2026-10: modtaget, afvigelse" aria-label="101 København, daycare, 2026-10: modtaget, afvigelse">modtaget<span class="anomaly"> ⚠</span>',
    );
    expect(text).toContain('aria-label="461 Odense, daycare, 2026-10: afvist"');
    expect(text).toContain('aria-label="147 Frederiksberg, eldercare, 2026-10: mangler"');
    // The summary: 2 × 98 slots: 2 received, 1 rejected, the rest missing.
    expect(text).toMatch(/<span class="badge received">modtaget<\/span> 2</);
    expect(text).toMatch(/<span class="badge rejected">afvist<\/span> 1</);
    expect(text).toMatch(/<span class="badge missing">mangler<\/span> 193</);
    // The consolidation figure of the month, as GET /v1/reports/consolidation counts it.
    const api = (await (
      await gw.request('/v1/reports/consolidation?from=2026-10&to=2026-10', { token: tokens.auditor })
    ).json()) as { total: { deliveries: number; extracts: number; avoided: number } };
    expect(text).toContain(
      `Konsolidering 2026-10–2026-10: ${api.total.deliveries} leverancer modtaget, ${api.total.extracts} udtræk dannet, ${api.total.avoided} parallelle leverancer undgået.`,
    );
  });

  it('speaks English a click away, and shows an earlier month through the picker', async () => {
    const { text } = await html('/national?period=2026-09&lang=en', tokens.auditor);
    expect(text).toContain('<html lang="en"');
    expect(text).toContain('<h1>National picture 2026-09</h1>');
    expect(text).toContain('aria-label="101 København, daycare, 2026-09: late"');
    expect(text).toContain('<input name="period" size="8" placeholder="2026-10" value="2026-09"');
  });

  it('answers a period that is not a month with the same clear 400 page on every page, never a 500', async () => {
    for (const bad of ['2026-13', 'yesterday', '2026-W40', '0101215123', 'x'.repeat(500)]) {
      for (const path of ['/national', '/municipalities/101', '/expected']) {
        const page = await html(`${path}?dataset=daycare&period=${encodeURIComponent(bad)}`, tokens.auditor);
        expect(page.status, `${path} ${bad}`).toBe(400);
        expect(page.text).toContain('Perioden skal skrives som en måned ÅÅÅÅ-MM, fx 2026-10.');
        expect(page.text).not.toContain('0101215123');
      }
    }
  });

  it('shows the first months there are (1901) as any other, never a problem document', async () => {
    for (const path of [
      '/municipalities/101?period=1901-01',
      '/municipalities/101?period=1901-05',
      '/national?period=1901-01',
    ]) {
      const page = await html(path, tokens.auditor);
      expect(page.status, path).toBe(200);
      expect(page.text).toContain('<html');
    }
  });

  it('shows the Expected page for a week or a day, finding the dataset of that cadence when none is named', async () => {
    const week = await html('/expected?period=2026-W40', tokens.auditor);
    expect(week.status).toBe(200);
    expect(week.text).toContain('<option value="daycare-waitlist" selected="">');
    expect(week.text).toContain('2026-W40');
    const day = await html('/expected?dataset=shelter-occupancy&period=2026-10-05', tokens.auditor);
    expect(day.status).toBe(200);
    expect(day.text).toContain('101 København');
    const badDay = await html('/expected?dataset=shelter-occupancy&period=2026-10-32', tokens.auditor);
    expect(badDay.status).toBe(400);
    expect(badDay.text).toContain('som en dag ÅÅÅÅ-MM-DD, fx 2026-10-05');
    const unknown = await html('/expected?dataset=nope', tokens.auditor);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Der er intet datasæt med det navn');
  });

  it("shows a municipality its own row only, lands it on its page, and answers 404 for another's", async () => {
    const landing = await get('/', tokens.m101);
    expect(landing.status).toBe(303);
    expect(landing.headers.get('location')).toBe('/municipalities/101');
    const nat = await html('/national', tokens.m101);
    expect(nat.text.match(/<th scope="row">/g)).toHaveLength(1);
    expect(nat.text).toContain('<th scope="row">101 København</th>');
    expect(nat.text).toContain('<a href="/municipalities/101">Min kommune</a>');
    expect(nat.text).toContain('href="/municipalities/101"');
    for (const code of ['461', '999', 'abc'])
      expect((await html(`/municipalities/${code}`, tokens.m101)).status, code).toBe(404);
    expect((await html('/municipalities/101', tokens.m101)).status).toBe(200);
    // A source sees the municipalities its token names.
    expect((await html('/municipalities/101', tokens.source461)).status).toBe(404);
    expect((await html('/municipalities/461', tokens.source461)).status).toBe(200);
    const own = await html('/national', tokens.source461);
    expect(own.text.match(/<th scope="row">/g)).toHaveLength(1);
    // The consolidation report is not a source's to read: no figure.
    expect(own.text).not.toContain('Konsolidering');
    expect((await html('/municipalities/461', tokens.source461)).text).not.toContain('Konsolidering');
  });

  it('shows a municipality page: datasets × the last 12 months, trend lines drawn on the server', async () => {
    const { status, text } = await html('/municipalities/101', tokens.auditor);
    expect(status).toBe(200);
    expect(text).toContain('<h1>101 København</h1>');
    const months = [...text.matchAll(/<th scope="col">(\d{4}-\d{2})<\/th>/g)].map((m) => m[1]);
    expect(months).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    // Before the first obligated month there is no slot; after it, missing until delivered.
    expect(text).toContain('<td class="cell none">–</td>');
    expect(text).toContain('aria-label="101 København, daycare, 2026-08: mangler"');
    expect(text).toMatch(
      /daycare, 2026-10: modtaget, afvigelse"[^>]*>modtaget<span class="anomaly"> ⚠<\/span><span class="extra">80 poster<\/span>/,
    );
    // One chart per dataset: an image with a title, axis labels and the records line through 40 → 80.
    expect(text.match(/<svg class="trend"/g)).toHaveLength(2);
    expect(text).toContain('<title id="trend-daycare-t">Udvikling for daycare</title>');
    expect(text).toContain('role="img"');
    expect(text).toMatch(/<text class="tick"[^>]*>80<\/text>/);
    const line = text.match(/<polyline class="line records" points="([^"]+)"/)?.[1] ?? '';
    const ys = line.split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys).toHaveLength(2);
    expect(ys[1] as number).toBeLessThan(ys[0] as number);
    expect(text).toContain('<circle class="anomaly"');
    // Its run report and its consolidation figure.
    expect(text).toContain(`href="/runs/${runId}/municipalities/101"`);
    expect(text).toMatch(/Konsolidering 2025-11–2026-10: 3 leverancer modtaget/);
  });

  it('lists the runs, and serves a municipality report with the same renderer as the API', async () => {
    const list = await html('/runs', tokens.auditor);
    expect(list.text).toContain('<h1>Månedskørsler</h1>');
    expect(list.text).toContain(`<a href="/runs/${runId}">2026-10</a>`);
    const run = await html(`/runs/${runId}`, tokens.auditor);
    expect(run.text.match(new RegExp(`href="/runs/${runId}/municipalities/\\d{3}"`, 'g'))).toHaveLength(98);
    const page = await html(`/runs/${runId}/municipalities/101`, tokens.auditor);
    const api = await gw.request(`/v1/runs/${runId}/municipalities/101?lang=da`, {
      token: tokens.auditor,
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(page.text).toBe(await api.text());
    // A source of 461 sees its own row and report, not 101's.
    const own = await html(`/runs/${runId}`, tokens.source461);
    expect(own.text.match(/href="\/runs\/run_\w+\/municipalities\/\d{3}"/g)).toEqual([
      `href="/runs/${runId}/municipalities/461"`,
    ]);
    expect((await html(`/runs/${runId}/municipalities/101`, tokens.source461)).status).toBe(404);
    // A recipient reads the run and its rows, but no municipality's report (as the API's 403).
    const forRecipient = await html(`/runs/${runId}`, tokens.recipient);
    expect(forRecipient.status).toBe(200);
    expect(forRecipient.text).not.toMatch(/href="\/runs\/run_\w+\/municipalities\//);
    expect((await html(`/runs/${runId}/municipalities/101`, tokens.recipient)).status).toBe(404);
    expect((await html('/runs/run_nope/municipalities/101', tokens.auditor)).status).toBe(404);
    expect((await html('/runs/run_nope', tokens.auditor)).status).toBe(404);
  });

  it('shows a recipient the datasets it receives', async () => {
    const { status, text } = await html('/national?period=2026-10', tokens.recipient);
    expect(status).toBe(200);
    expect(text.match(/<th scope="row">/g)).toHaveLength(98);
  });
});
