import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import {
  ADMIN_TOKEN,
  dashboardCookie,
  type MemoryGateway,
  startMemoryGateway,
  submit,
} from '../support/harness';

/** The auditor's pages: the audit log searched, the chain's checkpoint status, a delivery's lineage. */
describe("the auditor's dashboard", () => {
  let gw: MemoryGateway;
  let auditor: string;
  let source: string;
  let delivery: string;
  let dstExtract: string;

  const page = async (path: string, token: string) => {
    const res = await gw.request(path, { headers: { cookie: await dashboardCookie(gw, token) } });
    return { status: res.status, text: await res.text() };
  };
  const rowsOf = (html: string, action: string) =>
    (html.match(new RegExp(`<code>${action.replace('.', '\\.')}</code>`, 'g')) ?? []).length;

  beforeAll(async () => {
    gw = await startMemoryGateway();
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'revision' })).token;
    source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const dst = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 10, format: 'xml', seed: 8 })].join('');
    const res = await submit(gw, source, xml);
    const body = (await res.json()) as { id: string; extracts: Array<{ id: string; recipient: string }> };
    delivery = body.id;
    dstExtract = body.extracts.find((e) => e.recipient === 'dst')?.id as string;
    for (let i = 0; i < 2; i++)
      await (await gw.request(`/v1/extracts/${dstExtract}/content`, { token: dst })).arrayBuffer();
    await gw.request(`/v1/extracts/${dstExtract}/receipts`, {
      method: 'POST',
      token: dst,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'refused', reason: 'record 3 has the wrong institution' }),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('searches the audit log by action and delivery, and says how far the chain is signed', async () => {
    const none = await page('/audit', auditor);
    expect(none.status).toBe(200);
    expect(none.text).toContain('Der er endnu intet signeret kontrolpunkt.');
    expect((await gw.request('/v1/audit/checkpoints', { method: 'POST', token: ADMIN_TOKEN })).status).toBe(
      201,
    );
    const reads = await page(`/audit?action=extract.read&delivery=${delivery}`, auditor);
    expect(reads.status).toBe(200);
    expect(rowsOf(reads.text, 'extract.read')).toBe(2);
    expect(rowsOf(reads.text, 'delivery.accepted')).toBe(0);
    expect(reads.text).toContain('Seneste signerede kontrolpunkt');
    // By municipality: the deliveries of 101 (their details name it), none of 147.
    expect(rowsOf((await page('/audit?municipality=101', auditor)).text, 'delivery.accepted')).toBe(1);
    expect(rowsOf((await page('/audit?municipality=147', auditor)).text, 'delivery.accepted')).toBe(0);
    const api = (await (
      await gw.request('/v1/audit?municipality=101&action=delivery.accepted', { token: auditor })
    ).json()) as {
      items: unknown[];
    };
    expect(api.items).toHaveLength(1);
    for (const q of [
      'from=yesterday',
      'from=0000-01-01',
      'to=0000-01-01T00:00',
      'cursor=zzz',
      // A date that does not exist is not rolled over into another.
      'from=2026-02-31',
      'from=2026-01-01T24:00',
      // A municipality is a code; a term that may hold a CPR number is neither used nor carried on.
      'municipality=abc',
      'municipality=0101709990',
      'actor=0101709990',
    ]) {
      const bad = await page(`/audit?${q}`, auditor);
      expect(bad.status, q).toBe(400);
      expect(bad.text).not.toContain('0101709990');
    }
    // An offset the database would refuse is the same instant in UTC.
    expect((await gw.request('/v1/audit?from=2026-01-01T00:00:00-23:59', { token: auditor })).status).toBe(
      200,
    );
    expect(
      (await gw.request('/v1/audit/export?to=2026-01-01T00:00:00%2B16:00', { token: auditor })).status,
    ).toBe(200);
    // The API says the same of a year no database holds, never a 500.
    for (const q of ['from=0000-01-01T00:00:00Z', 'to=0000-12-31T00:00:00Z'])
      for (const path of ['/v1/audit', '/v1/audit/export'])
        expect((await gw.request(`${path}?${q}`, { token: auditor })).status, `${path}?${q}`).toBe(400);
    expect((await page('/audit', source)).status).toBe(403);
  });

  it("shows a delivery's lineage to an auditor: made, each read, the refusal with its reason", async () => {
    const shown = await page(`/deliveries/${delivery}`, auditor);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Leverancens spor');
    for (const action of ['delivery.accepted', 'extract.created', 'extract.fetched', 'extract.refused'])
      expect(rowsOf(shown.text, action), action).toBeGreaterThan(0);
    expect(rowsOf(shown.text, 'extract.read')).toBe(2);
    expect(shown.text).toContain('record 3 has the wrong institution');
    // A long lineage (here 500 more reads) goes on in the audit search, from where the page stopped.
    for (let i = 0; i < 500; i++)
      await gw.services.metadata.recordExtractRead({
        id: dstExtract,
        at: new Date().toISOString(),
        actor: 'dst',
        bytes: 1,
        range: null,
        address: '198.51.100.7',
      });
    const long = await page(`/deliveries/${delivery}`, auditor);
    const more = /href="(\/audit\?delivery=[^"]+&amp;cursor=[^"]+)"/.exec(long.text)?.[1];
    expect(more).toBeDefined();
    const rest = await page((more as string).replaceAll('&amp;', '&'), auditor);
    expect(rest.status).toBe(200);
    expect(rowsOf(rest.text, 'extract.read')).toBeGreaterThan(0);
    // The source sees its delivery, not the audit trail around it.
    const own = await page(`/deliveries/${delivery}`, source);
    expect(own.status).toBe(200);
    expect(own.text).not.toContain('Leverancens spor');
  });

  it("audits the dashboard's read of a validation report, as the API's", async () => {
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 5, format: 'xml', seed: 9 })].join('');
    const bad = xml.replace(/<WeeklyHours>[^<]*</, '<WeeklyHours>75<');
    const res = await submit(gw, source, bad, 'dataset=daycare&municipality=101&period=2026-09');
    expect(res.status).toBe(422);
    const id = ((await res.json()) as { deliveryId: string }).deliveryId;
    const reads = async () =>
      (
        (await (
          await gw.request(`/v1/audit?action=delivery.report_read&delivery=${id}`, { token: auditor })
        ).json()) as {
          items: Array<{ details: { format: string } }>;
        }
      ).items;
    expect(await reads()).toEqual([]);
    expect((await page(`/deliveries/${id}`, source)).status).toBe(200);
    expect((await reads()).map((e) => e.details.format)).toEqual(['dashboard']);
    await gw.request(`/v1/deliveries/${id}/report`, { token: source, headers: { accept: 'text/csv' } });
    expect((await reads()).map((e) => e.details.format)).toEqual(['dashboard', 'text/csv']);
    // A HEAD sends no report: no read.
    expect((await gw.request(`/v1/deliveries/${id}/report`, { method: 'HEAD', token: source })).status).toBe(
      200,
    );
    expect(await reads()).toHaveLength(2);
  });
});
