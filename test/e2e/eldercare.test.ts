import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

describe('the eldercare dataset: nothing is wired to daycare', () => {
  let gw: Gateway;
  let source: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-omsorg',
        municipalities: ['751'],
        datasets: ['eldercare'],
      })
    ).token;
    for (const r of ['dst', 'sds'])
      tokens[r] = (await gw.issueToken({ role: 'recipient', subject: r, recipient: r })).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each(['xml', 'csv', 'ndjson'] as const)(
    'takes a %s delivery and makes the dst and sds extracts',
    async (format) => {
      const body = [...syntheticDelivery({ dataset: 'eldercare', records: 300, format, seed: 4 })].join('');
      const type = { xml: 'application/xml', csv: 'text/csv', ndjson: 'application/x-ndjson' }[format];
      const period = { xml: '2026-08', csv: '2026-09', ndjson: '2026-10' }[format];
      const res = await submit(gw, source, body, `dataset=eldercare&municipality=751&period=${period}`, {
        'content-type': type,
      });
      expect(res.status).toBe(201);
      const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string; records: number }> };
      expect(d.extracts.map((e) => e.recipient).sort()).toEqual(['dst', 'rigsarkivet', 'sds']);
      const get = async (r: string) =>
        (
          await gw.request(`/v1/extracts/${d.extracts.find((e) => e.recipient === r)?.id}/content`, {
            token: tokens[r],
          })
        ).text();
      const dst = await get('dst');
      expect(dst.match(/<Bevilling>/g)).toHaveLength(300);
      expect(dst).toMatch(/<YdelsesType>(PP|PH|MS)<\/YdelsesType>/);
      const sds = await get('sds');
      const lines = sds.trimEnd().split('\n');
      expect(lines[0]).toBe(
        'person_pseudonym,kommunekode,periode,ydelse,leverandoer,bevilget_min_uge,leveret_min,bevillingsdato,slutdato',
      );
      expect(lines).toHaveLength(301);
      for (const cpr of body.match(/\b\d{10}\b/g) ?? []) expect(sds).not.toContain(cpr);
    },
  );

  it('refuses a daycare delivery from an eldercare-only source', async () => {
    const body = [...syntheticDelivery({ dataset: 'daycare', records: 5, format: 'xml' })].join('');
    expect((await submit(gw, source, body, 'dataset=daycare&municipality=751&period=2026-10')).status).toBe(
      403,
    );
  });
});
