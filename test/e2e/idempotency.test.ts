import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

/** The intake guarantees of the API contract: an Idempotency-Key is bound to the principal, the slot and the bytes. */
describe('idempotency and duplicates', () => {
  let gw: Gateway;
  let source: string;
  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
  });

  const xml = (seed: number, records = 20) =>
    [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');
  const slot = (municipality: string, period: string) =>
    `dataset=daycare&municipality=${municipality}&period=${period}`;
  const deliveries = async (query: string) =>
    (
      (await (await gw.request(`/v1/deliveries?${query}`, { token: ADMIN_TOKEN })).json()) as {
        items: Array<{ id: string; status: string; extracts: unknown[] }>;
      }
    ).items;
  const problemType = async (res: Response) => ((await res.json()) as { type: string }).type;

  it('the same key with the same request answers the first answer again', async () => {
    const body = xml(1);
    const first = await submit(gw, source, body, slot('101', '2026-01'), { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    const a = (await first.json()) as { id: string };
    const again = await submit(gw, source, body, slot('101', '2026-01'), { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { id: string }).id).toBe(a.id);
    expect(await deliveries(slot('101', '2026-01'))).toHaveLength(1);
  });

  it('the same key with other bytes is 422 idempotency_key_mismatch, and nothing is delivered', async () => {
    const first = await submit(gw, source, xml(2), slot('101', '2026-02'), { 'idempotency-key': 'k-2' });
    expect(first.status).toBe(201);
    const other = await submit(gw, source, xml(3), slot('101', '2026-02'), { 'idempotency-key': 'k-2' });
    expect(other.status).toBe(422);
    expect(await problemType(other)).toBe('/problems/idempotency_key_mismatch');
    const list = await deliveries(slot('101', '2026-02'));
    expect(list.map((d) => d.status)).toEqual(['accepted']);
  });

  it('the same key for another period or municipality is 422 idempotency_key_mismatch before a byte is read', async () => {
    const body = xml(4);
    expect(
      (await submit(gw, source, body, slot('101', '2026-03'), { 'idempotency-key': 'k-3' })).status,
    ).toBe(201);
    for (const s of [slot('101', '2026-04'), slot('147', '2026-03')]) {
      const res = await submit(gw, source, body, s, { 'idempotency-key': 'k-3' });
      expect(res.status).toBe(422);
      const p = (await res.json()) as { type: string; detail: string };
      expect(p.type).toBe('/problems/idempotency_key_mismatch');
      // The earlier slot is not named: a token whose scope shrank must not learn of it.
      expect(p.detail).not.toMatch(/2026-03|101/);
    }
    expect(await deliveries(slot('101', '2026-04'))).toHaveLength(0);
    expect(await deliveries(slot('147', '2026-03'))).toHaveLength(0);
  });

  it('the same key while the first upload is still being received is 409 idempotency_key_in_use', async () => {
    const body = new TextEncoder().encode(xml(5, 200));
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(body.subarray(0, 1000));
        await held;
        controller.enqueue(body.subarray(1000));
        controller.close();
      },
    });
    const firstP = gw.request(`/v1/deliveries?${slot('101', '2026-05')}`, {
      method: 'POST',
      token: source,
      headers: { 'content-type': 'application/xml', 'idempotency-key': 'k-4' },
      body: stream,
      duplex: 'half',
    } as RequestInit & { token: string });
    for (let i = 0; i < 100 && (await deliveries(slot('101', '2026-05'))).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const second = await submit(gw, source, body, slot('101', '2026-05'), { 'idempotency-key': 'k-4' });
    expect(second.status).toBe(409);
    expect(await problemType(second)).toBe('/problems/idempotency_key_in_use');
    release();
    expect((await firstP).status).toBe(201);
  });

  it('a rejected delivery is answered the same way again for the same key and bytes', async () => {
    const bad = xml(6).replace(/<CareType>[^<]*</, '<CareType>nope<');
    const first = await submit(gw, source, bad, slot('101', '2026-06'), { 'idempotency-key': 'k-5' });
    expect(first.status).toBe(422);
    const p1 = (await first.json()) as { type: string; deliveryId: string };
    const again = await submit(gw, source, bad, slot('101', '2026-06'), { 'idempotency-key': 'k-5' });
    expect(again.status).toBe(422);
    const p2 = (await again.json()) as { type: string; deliveryId: string };
    expect([p2.type, p2.deliveryId]).toEqual([p1.type, p1.deliveryId]);
    expect(await deliveries(slot('101', '2026-06'))).toHaveLength(1);
  });

  it('the same bytes for the same slot without a key answer 200 with the accepted delivery', async () => {
    const body = xml(7);
    const first = await submit(gw, source, body, slot('101', '2026-07'));
    expect(first.status).toBe(201);
    const again = await submit(gw, source, body, slot('101', '2026-07'));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  });

  it('eight copies of the same bytes at the same moment: exactly one 201, seven 200, one delivery', async () => {
    const body = xml(8, 300);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => submit(gw, source, body, slot('147', '2026-08'))),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const list = await deliveries(slot('147', '2026-08'));
    expect(list.map((d) => d.status)).toEqual(['accepted']);
    expect(list[0]?.extracts).toHaveLength(4);
  });

  it('bytes sent again after a correction supersede the correction: only the current delivery counts as a repeat', async () => {
    const a = xml(9);
    const b = xml(10);
    expect((await submit(gw, source, a, slot('101', '2026-09'))).status).toBe(201);
    expect((await submit(gw, source, b, slot('101', '2026-09'))).status).toBe(201);
    expect((await submit(gw, source, a, slot('101', '2026-09'))).status).toBe(201);
  });

  it('a period that has not begun is 422 period_not_open', async () => {
    const res = await submit(gw, source, xml(11), slot('101', '2099-01'));
    expect(res.status).toBe(422);
    expect(await problemType(res)).toBe('/problems/period_not_open');
  });
});
