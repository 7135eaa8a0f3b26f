import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

describe('profile preview', () => {
  let gw: Gateway;
  let auditor: string;
  const sample = [...syntheticDelivery({ dataset: 'daycare', records: 12, format: 'xml', seed: 8 })].join('');
  const preview = (recipient: string, body: string, token = ADMIN_TOKEN, type = 'application/xml') =>
    gw.request(`/v1/datasets/daycare/profiles/${recipient}/preview`, {
      method: 'POST',
      token,
      headers: { 'content-type': type },
      body,
    });

  beforeAll(async () => {
    gw = await startGateway();
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("shows the extract a profile would make, in that profile's format, and stores nothing", async () => {
    const res = await preview('dst', sample);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-records')).toBe('12');
    expect(res.headers.get('x-profile')).toMatch(/^daycare\/dst;version=1;sha256=[0-9a-f]{64}$/);
    const xml = await res.text();
    expect(xml.match(/<Barn>/g)).toHaveLength(12);
    const stuk = await preview('stuk', sample);
    expect(stuk.headers.get('content-type')).toContain('iso-8859-1');
    const deliveries = (await (await gw.request('/v1/deliveries', { token: auditor })).json()) as {
      items: unknown[];
    };
    expect(deliveries.items).toEqual([]);
  });

  it('never shows the pseudonym a recipient will really get', async () => {
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const real = (await (await submit(gw, source, sample)).json()) as {
      extracts: Array<{ id: string; recipient: string }>;
    };
    const flis = (await gw.issueToken({ role: 'recipient', subject: 'flis', recipient: 'flis' })).token;
    const id = real.extracts.find((e) => e.recipient === 'flis')?.id;
    const realText = await (await gw.request(`/v1/extracts/${id}/content`, { token: flis })).text();
    const previewText = await (await preview('flis', sample)).text();
    const pseudonyms = (t: string) =>
      t
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { personPseudonym: string }).personPseudonym);
    const a = pseudonyms(realText);
    const b = pseudonyms(previewText);
    expect(b).toHaveLength(a.length);
    for (const p of b) expect(a).not.toContain(p);
  });

  it('is for admins only, and refuses an invalid sample or an unknown profile with a problem document', async () => {
    expect((await preview('dst', sample, auditor)).status).toBe(403);
    const bad = await preview('dst', sample.replace(/<CareType>[a-z]+</, '<CareType>x<'));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('careType');
    expect((await preview('rigsarkivet-x', sample)).status).toBe(404);
  });

  it('describes a content type it refuses by its shape when it could hold a CPR number', async () => {
    for (const type of ['application/0101215123', 'text/010121-5123']) {
      const res = await preview('stuk', sample, ADMIN_TOKEN, type);
      expect(res.status).toBe(415);
      const text = await res.text();
      expect(text).not.toContain(type.split('/')[1]);
      expect(text).toContain('content type (a name of');
    }
  });
});
