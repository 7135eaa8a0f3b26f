import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

/** A delivery for a period that has not begun is 422 period_not_open; periods begin on Danish days. */
describe('period-not-open', () => {
  let gw: MemoryGateway;
  let source: string;
  const body = [...syntheticDelivery({ dataset: 'daycare', records: 3, format: 'xml', seed: 1 })].join('');
  beforeAll(async () => {
    gw = await startMemoryGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('opens a month at midnight in Copenhagen, not in UTC', async () => {
    // 23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen: November has begun.
    gw.services.now = () => new Date('2026-10-31T23:30:00Z');
    expect((await submit(gw, source, body, 'dataset=daycare&municipality=101&period=2026-11')).status).toBe(
      201,
    );
    const early = await submit(gw, source, body, 'dataset=daycare&municipality=101&period=2026-12');
    expect(early.status).toBe(422);
    expect(((await early.json()) as { type: string }).type).toBe('/problems/period_not_open');
    // 22:30 UTC on 30 November is 23:30 in Copenhagen: December has not begun.
    gw.services.now = () => new Date('2026-11-30T22:30:00Z');
    expect((await submit(gw, source, body, 'dataset=daycare&municipality=101&period=2026-12')).status).toBe(
      422,
    );
  });
});
