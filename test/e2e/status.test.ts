import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

describe('GET /v1/status/expected: what was delivered, what is late or missing', () => {
  let gw: Gateway;
  let sourceA: string;
  let sourceB: string;
  let auditor: string;
  const xml = (seed: number) =>
    [...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed })].join('');

  beforeAll(async () => {
    gw = await startGateway();
    sourceA = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-a',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    sourceB = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-b',
        municipalities: ['461'],
        datasets: ['daycare'],
      })
    ).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
    // The deliveries arrive on 5 November, before the deadline at the end of 10 November.
    gw.services.now = () => new Date('2026-11-05T10:00:00Z');
    expect(
      (await submit(gw, sourceA, xml(1), 'dataset=daycare&municipality=101&period=2026-10')).status,
    ).toBe(201);
    const bad = xml(2).replace(/<CareType>[a-z]+</, '<CareType>x<');
    expect((await submit(gw, sourceB, bad, 'dataset=daycare&municipality=461&period=2026-10')).status).toBe(
      422,
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  const get = async (token: string, query = 'dataset=daycare&period=2026-10') => {
    const res = await gw.request(`/v1/status/expected?${query}`, { token });
    return {
      status: res.status,
      body: (await res.json()) as {
        deadline: string;
        summary: Record<string, number>;
        items: Array<{
          municipality: string;
          source: string;
          status: string;
          lastProblem: string | null;
          municipalityName: string;
        }>;
      },
    };
  };

  it('before the deadline: what arrived is received, the rest pending', async () => {
    gw.services.now = () => new Date('2026-11-05T12:00:00Z');
    const { body } = await get(auditor);
    expect(body.deadline).toBe('2026-11-11T00:00:00.000Z');
    expect(body.items.map((i) => [i.municipality, i.source, i.status])).toEqual([
      ['101', 'sys-a', 'received'],
      ['147', 'sys-a', 'pending'],
      ['461', 'sys-b', 'pending'],
    ]);
    expect(body.items.find((i) => i.municipality === '461')?.lastProblem).toBe('delivery_rejected');
    expect(body.items[0]?.municipalityName).toBe('København');
  });

  it('after the deadline: missing; and a source sees only its own', async () => {
    gw.services.now = () => new Date('2026-11-20T12:00:00Z');
    const { body } = await get(auditor);
    expect(body.summary).toEqual({ received: 1, late: 0, missing: 2, pending: 0, rejected: 0 });
    const own = await get(sourceB);
    expect(own.body.items.map((i) => i.source)).toEqual(['sys-b']);
  });

  it('answers an unknown dataset or a bad period with a problem document', async () => {
    expect((await get(auditor, 'dataset=nope&period=2026-10')).status).toBe(422);
    expect((await get(auditor, 'dataset=daycare&period=2026-W01')).status).toBe(422);
  });
});
