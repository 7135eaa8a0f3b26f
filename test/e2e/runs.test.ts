import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotStatusItem } from '../../src/core/run-report';
import { ADMIN_TOKEN, type Gateway, startGateway } from '../support/harness';

/** The monthly run on the embedded database: stored in PGlite, read back over HTTP byte for byte. */
describe('a monthly run on the embedded default', () => {
  let gw: Gateway;
  const item = (municipality: string, status: SlotStatusItem['status']): SlotStatusItem => ({
    dataset: 'daycare',
    municipality,
    period: '2026-09',
    deadline: '2026-10-14',
    status,
    delivery: null,
    receivedAt: null,
    attempts: 1,
    rejectedAttempts: status === 'rejected' ? 1 : 0,
    records: status === 'received' ? 99 : null,
    previousRecords: 100,
    change: status === 'received' ? -0.01 : null,
    anomaly: false,
    // Keys in an order a jsonb column would change (it sorts them by length).
    errorsByRule: status === 'rejected' ? { 'long-rule-name': 1, z: 2 } : {},
  });
  beforeAll(async () => {
    gw = await startGateway();
    gw.services.slotStatuses = async () => [item('101', 'received'), item('147', 'rejected')];
  }, 180_000);
  afterAll(async () => gw?.close());

  it('is stored with its reports and read back the same every time, in every rendering', async () => {
    const res = await gw.request('/v1/runs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period: '2026-09' }),
    });
    expect(res.status).toBe(202);
    const run = (await res.json()) as { id: string; municipalities: number; rejected: number };
    expect(run).toMatchObject({ municipalities: 2, rejected: 1 });
    for (const accept of ['application/json', 'text/csv', 'text/html']) {
      const read = async () =>
        (
          await gw.request(`/v1/runs/${run.id}/municipalities/147`, {
            token: ADMIN_TOKEN,
            headers: { accept },
          })
        ).text();
      const first = await read();
      expect(await read(), accept).toBe(first);
      if (accept === 'application/json') {
        expect(first).toContain('"errorsByRule":{"long-rule-name":1,"z":2}');
        expect(JSON.parse(first)).toMatchObject({
          run: run.id,
          municipality: '147',
          counts: { rejected: 1 },
        });
      }
    }
    const listed = await gw.request('/v1/runs', { token: ADMIN_TOKEN });
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(
      run.id,
    );
  });
});
