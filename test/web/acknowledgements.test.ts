import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import {
  ADMIN_TOKEN,
  dashboardCookie,
  type MemoryGateway,
  startMemoryGateway,
  submit,
} from '../support/harness';

const daycare = (seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed })].join('');

/**
 * Issue 15 on the dashboard: a recipient opens its extract, downloads it (audited), sees its
 * lineage and refuses it with a reason; the source sees the refusal with its reason and time,
 * and which acknowledgements are overdue.
 */
describe('acknowledgements on the dashboard', () => {
  let gw: MemoryGateway;
  let recipientCookie: string;
  let sourceCookie: string;
  let sourceToken: string;
  let first: { id: string; extracts: Array<{ id: string; recipient: string; sha256: string }> };
  let second: typeof first;
  const page = async (path: string, cookie: string) => {
    const res = await gw.request(path, { headers: { cookie } });
    return { status: res.status, html: await res.text() };
  };
  const post = (path: string, cookie: string, form: Record<string, string>, origin = 'http://gateway.test') =>
    gw.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
  const dstOf = (d: typeof first) =>
    d.extracts.find((e) => e.recipient === 'dst') as (typeof first)['extracts'][0];

  beforeAll(async () => {
    gw = await startMemoryGateway();
    sourceToken = (
      await gw.issueToken({ role: 'source', subject: 'sys', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const source = sourceToken;
    const dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-intake', recipient: 'dst' })).token;
    first = await (await submit(gw, source, daycare(1))).json();
    second = await (await submit(gw, source, daycare(2))).json();
    recipientCookie = await dashboardCookie(gw, dst);
    sourceCookie = await dashboardCookie(gw, source);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('shows the recipient its extract with lineage both ways, and lets it download the file, audited', async () => {
    const list = await page('/', recipientCookie);
    expect(list.html).toContain(`href="/extracts/${dstOf(second).id}"`);
    const newer = await page(`/extracts/${dstOf(second).id}`, recipientCookie);
    expect(newer.status).toBe(200);
    expect(newer.html).toContain(`href="/extracts/${dstOf(first).id}"`);
    const older = await page(`/extracts/${dstOf(first).id}`, recipientCookie);
    expect(older.html).toContain(`href="/extracts/${dstOf(second).id}"`);
    // A superseded extract owes no word: no forms.
    expect(older.html).not.toContain('/acknowledge');

    const file = await gw.request(`/extracts/${dstOf(second).id}/download`, {
      headers: { cookie: recipientCookie },
    });
    expect(file.status).toBe(200);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(dstOf(second).sha256);
    const reads = (await (
      await gw.request(`/v1/audit?action=extract.read&delivery=${dstOf(second).id}`, { token: ADMIN_TOKEN })
    ).json()) as { items: Array<{ subject: string }> };
    expect(reads.items.map((e) => e.subject)).toEqual([dstOf(second).id]);
    // Another party's extract is not found; the source cannot download at all.
    expect((await page(`/extracts/${dstOf(second).id}`, sourceCookie)).status).toBe(404);
    expect(
      (await gw.request(`/extracts/${dstOf(second).id}/download`, { headers: { cookie: sourceCookie } }))
        .status,
    ).toBe(404);
  });

  it('takes a refusal with a reason from the same site only, and the source sees it with its time', async () => {
    const id = dstOf(second).id;
    // From another site: refused before anything is read.
    const cross = await post(
      `/extracts/${id}/acknowledge`,
      recipientCookie,
      { status: 'refused', reason: 'x' },
      'https://evil.example',
    );
    expect(cross.status).toBe(403);
    // Without a reason: the page again, saying what is missing.
    const empty = await post(`/extracts/${id}/acknowledge`, recipientCookie, {
      status: 'refused',
      reason: '  ',
    });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('begrundelse');
    // A form that says two things at once records neither.
    const twice = await gw.request(`/extracts/${id}/acknowledge`, {
      method: 'POST',
      headers: {
        cookie: recipientCookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://gateway.test',
      },
      body: 'status=refused&reason=first&status=accepted&reason=second',
      redirect: 'manual',
    });
    expect(twice.status).toBe(422);
    expect(
      (await (await gw.request(`/v1/extracts/${id}`, { token: ADMIN_TOKEN })).json()).acknowledgement,
    ).toBeNull();
    const refused = await post(`/extracts/${id}/acknowledge`, recipientCookie, {
      status: 'refused',
      reason: 'Post 12: WeeklyHours er \u202e99\u202c (barn 010170-9990)',
    });
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe(`/extracts/${id}`);
    const api = (await (await gw.request(`/v1/deliveries/${second.id}`, { token: ADMIN_TOKEN })).json()) as {
      extracts: Array<{ id: string; acknowledgement: { status: string; reason: string; at: string } | null }>;
    };
    const word = api.extracts.find((e) => e.id === id)?.acknowledgement;
    expect(word?.status).toBe('refused');
    // A CPR number typed into the reason is not kept.
    expect(word?.reason).toBe('Post 12: WeeklyHours er 99 (barn [cpr])');
    const seen = await page(`/deliveries/${second.id}`, sourceCookie);
    expect(seen.html).toContain('Post 12: WeeklyHours er 99 (barn [cpr])');
    expect(seen.html).toContain(`datetime="${word?.at}"`);
    expect(seen.html).not.toContain('010170');
    // Given once: a second word changes nothing.
    await post(`/extracts/${id}/acknowledge`, recipientCookie, { status: 'accepted' });
    const after = (await (await gw.request(`/v1/extracts/${id}`, { token: ADMIN_TOKEN })).json()) as {
      acknowledgement: { status: string };
    };
    expect(after.acknowledgement.status).toBe('refused');
  });

  it('refuses a refusal without a reason on the API too', async () => {
    const id = dstOf(first).id;
    const dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-2', recipient: 'dst' })).token;
    for (const reason of ['', '   ', '\n\t'])
      expect(
        (
          await gw.request(`/v1/extracts/${id}/receipts`, {
            method: 'POST',
            token: dst,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ status: 'refused', reason }),
          })
        ).status,
        JSON.stringify(reason),
      ).toBe(400);
  });

  it('shows the source which acknowledgements are overdue', async () => {
    gw.services.now = () => new Date(Date.now() + 60 * 86_400_000);
    // Sixty days on, the session has ended: signed in again.
    const seen = await page(`/deliveries/${second.id}`, await dashboardCookie(gw, sourceToken));
    // stuk owes its word within 30 days: past due. The State Archives have 90; dst refused; flis asks for none.
    expect(seen.html.match(/badge overdue/g)?.length).toBe(1);
    const stukRow = /<tr><td>stuk<\/td>.*?<\/tr>/s.exec(seen.html)?.[0] ?? '';
    expect(stukRow).toContain('badge overdue');
    gw.services.now = () => new Date();
  });
});
