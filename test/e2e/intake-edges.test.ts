import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

/** Edges found by attacking the intake from outside, each a reproduction. */
describe('intake edges', () => {
  let gw: Gateway;
  let source: string;
  let dst: string;
  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 'edge', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  });

  const cpr = '2003217020';
  let month = 0;
  const nextSlot = () => {
    const m = month++;
    return `dataset=daycare&municipality=101&period=${2020 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
  };
  const send = (body: string, contentType: string, headers: Record<string, string> = {}) =>
    submit(gw, source, body, nextSlot(), { 'content-type': contentType, ...headers });
  const dstOf = async (res: Response) => {
    const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    const e = d.extracts.find((x) => x.recipient === 'dst');
    return (await gw.request(`/v1/extracts/${e?.id}/content`, { token: dst })).text();
  };

  it('a CPR number as the XML declaration encoding, a charset or a Content-Encoding is not echoed', async () => {
    const answers = [
      await send(`<?xml version="1.0" encoding="x${cpr}"?><Delivery/>`, 'application/xml'),
      await send('a', `text/csv; charset=x${cpr}`),
      await send('a', 'application/xml', { 'content-encoding': `x${cpr}` }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 415, 415]);
    for (const r of answers) expect(await r.text()).not.toContain(cpr);
    const list = await (await gw.request('/v1/deliveries', { token: ADMIN_TOKEN })).text();
    expect(list).not.toContain(cpr);
  });

  it('Content-Type parameters and the Idempotency-Key are not kept as sent', async () => {
    const body =
      'cpr;institutionId;careType;startDate;weeklyHours;privateProvider\r\n0101215123;1012345678;vuggestue;2026-01-05;30;false\r\n';
    const res = await send(body, `text/csv; x${cpr}=1`, { 'idempotency-key': `k${cpr}` });
    expect(res.status).toBe(201);
    const rows = await gw.sql.query('SELECT * FROM deliveries');
    expect(JSON.stringify(rows)).not.toContain(cpr);
  });

  it('CSV: the header decides the delimiter; the other one inside a value is not a column break', async () => {
    const semi = await send(
      'cpr;institutionId;careType;startDate;weeklyHours;privateProvider\n0101215123;1012345678;vuggestue;2026-01-05;1,0\n',
      'text/csv',
    );
    // "1,0" is one value of weeklyHours (not a decimal number), and privateProvider is missing: refused.
    expect(semi.status).toBe(422);
    const comma = await send(
      'cpr,institutionId,careType,startDate,weeklyHours,institutionName\n0101215123,1012345678,vuggestue,2026-01-05,37.5,Sol;skin\n',
      'text/csv',
    );
    expect(comma.status).toBe(201);
    expect(await dstOf(comma)).toContain('<InstitutionNavn>Sol;skin</InstitutionNavn>');
    const mixed = await send(
      'cpr,institutionId;careType,startDate,weeklyHours\n0101215123,1012345678,vuggestue,2026-01-05,37.5\n',
      'text/csv',
    );
    expect(mixed.status).toBe(400);
  });

  const line = (over: string) =>
    `{"cpr":"0101215123","institutionId":"1012345678","careType":"vuggestue","startDate":"2026-01-05",${over}}\n`;

  it('NDJSON numbers are read as written: more decimals than the scale, exponents and long forms are refused', async () => {
    for (const n of ['37.499999999999999999', '37.5500000', '1e1', '37.00000000000000001']) {
      const res = await send(line(`"weeklyHours":${n}`), 'application/x-ndjson');
      expect(res.status, n).toBe(422);
    }
    const id = await send(
      line('"weeklyHours":37.5,"institutionName":"x","endDate":null').replace(
        '"1012345678"',
        '1.012345678e9',
      ),
      'application/x-ndjson',
    );
    expect(id.status).toBe(422);
    const ok = await send(line('"weeklyHours":37.25'), 'application/x-ndjson');
    expect(ok.status).toBe(201);
    expect(await dstOf(ok)).toContain('<UgentligeTimer>37.25</UgentligeTimer>');
  });

  it('the same bytes read with a corrected charset are a correction, not a repeat', async () => {
    const body =
      'cpr;institutionId;institutionName;careType;startDate;weeklyHours\r\n0101215123;1012345678;Søren;vuggestue;2026-01-05;30\r\n';
    const slot = nextSlot();
    const garbled = await submit(gw, source, body, slot, { 'content-type': 'text/csv; charset=iso-8859-1' });
    expect(garbled.status).toBe(201);
    const fixed = await submit(gw, source, body, slot, { 'content-type': 'text/csv; charset=utf-8' });
    expect(fixed.status).toBe(201);
    expect(await dstOf(fixed)).toContain('<InstitutionNavn>Søren</InstitutionNavn>');
    const twice = await submit(gw, source, body, slot, {
      'content-type': 'text/csv; charset=utf-8; charset=iso-8859-1',
    });
    expect(twice.status).toBe(415);
  });

  it('a delivery without a record is refused, so it cannot replace a month of data with nothing', async () => {
    const empty = [
      ['<?xml version="1.0"?><Delivery xmlns="urn:flis-gateway:daycare:1"></Delivery>', 'application/xml'],
      ['cpr,institutionId,careType,startDate,weeklyHours\r\n', 'text/csv'],
    ] as const;
    for (const [body, type] of empty) {
      const res = await send(body, type);
      expect(res.status, type).toBe(422);
      expect(((await res.json()) as { type: string }).type).toBe('/problems/unprocessable');
    }
  });

  it('NDJSON: a key given twice is refused as a repeated field, not silently the last', async () => {
    const res = await send(line('"weeklyHours":"30","cpr":"0202225123"'), 'application/x-ndjson');
    expect(res.status).toBe(422);
    const p = (await res.json()) as { errors: Array<{ field: string; rule: string }> };
    expect(p.errors).toContainEqual(expect.objectContaining({ field: 'cpr', rule: 'repeated-field' }));
  });
});
