import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

interface Delivery {
  id: string;
  sequence: number;
  source: string;
  supersedes: string | null;
  supersededBy: string | null;
  errorsByRule: Record<string, number>;
  extracts: Array<{ id: string; recipient: string }>;
}

const delivery = (seed: number, records = 5) =>
  [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');

/** Issue 13: two source systems of municipality 101 deliver daycare for 2026-10. */
describe('the slot is (dataset, municipality, period), whoever sends it', () => {
  let gw: MemoryGateway;
  let a: string;
  let b: string;
  let dst: string;
  let first: Delivery;
  let second: Delivery;

  beforeAll(async () => {
    gw = await startMemoryGateway();
    const source = async (subject: string) =>
      (await gw.issueToken({ role: 'source', subject, municipalities: ['101'], datasets: ['daycare'] }))
        .token;
    a = await source('sys-a');
    b = await source('sys-b');
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-intake', recipient: 'dst' })).token;
    const ra = await submit(gw, a, delivery(31), undefined, { 'idempotency-key': 'october' });
    expect(ra.status).toBe(201);
    first = (await ra.json()) as Delivery;
    // The same Idempotency-Key is the other source's own: no mismatch, a delivery of its own.
    const rb = await submit(gw, b, delivery(32), undefined, { 'idempotency-key': 'october' });
    expect(rb.status).toBe(201);
    second = (await rb.json()) as Delivery;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("the second source's delivery supersedes the first's, numbered 2", () => {
    expect(first.sequence).toBe(1);
    expect(second.sequence).toBe(2);
    expect(second.supersedes).toBe(first.id);
    expect(second.errorsByRule).toEqual({});
  });

  it('Statistics Denmark has one current extract for the slot, replacing the first', async () => {
    const res = await gw.request('/v1/extracts?status=available', { token: dst });
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      items: Array<{ id: string; delivery: string; replaces: string | null }>;
    };
    expect(page.items.map((e) => e.delivery)).toEqual([second.id]);
    expect(page.items[0]?.replaces).toBe(first.extracts.find((e) => e.recipient === 'dst')?.id);
    const old = first.extracts.find((e) => e.recipient === 'dst')?.id as string;
    const was = (await (await gw.request(`/v1/extracts/${old}`, { token: dst })).json()) as {
      status: string;
    };
    expect(was.status).toBe('superseded');
  });

  it('each source still reads only what it sent', async () => {
    expect((await gw.request(`/v1/deliveries/${second.id}`, { token: a })).status).toBe(404);
    const mine = (await (await gw.request(`/v1/deliveries/${first.id}`, { token: a })).json()) as Delivery;
    expect(mine.supersededBy).toBe(second.id);
    const listed = (await (await gw.request('/v1/deliveries', { token: b })).json()) as { items: Delivery[] };
    expect(listed.items.map((d) => d.id)).toEqual([second.id]);
  });

  it("the same bytes from the other source answer 200 with the slot's current delivery", async () => {
    const res = await submit(gw, a, delivery(32));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Delivery;
    expect(body.id).toBe(second.id);
    expect(body.supersededBy).toBeNull();
  });

  it('the first source corrects again: numbered 3, superseding the second', async () => {
    const res = await submit(gw, a, delivery(33));
    expect(res.status).toBe(201);
    const third = (await res.json()) as Delivery;
    expect(third.sequence).toBe(3);
    expect(third.supersedes).toBe(second.id);
  });
});
