import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

/**
 * Known synthetic CPR numbers go through the whole gateway — accepted, rejected, malformed,
 * in query strings — and must come out only where a profile asks for them.
 */
describe('personal data never leaks', () => {
  let gw: Gateway;
  const seen: string[] = [];
  const cprs = new Set<string>();
  const take = (xml: string) => {
    for (const m of xml.matchAll(/<Cpr>(\d{10})<\/Cpr>/g)) cprs.add(m[1] as string);
    return xml;
  };
  const record = async (res: Response) => {
    const text = await res.text();
    seen.push(text);
    return text;
  };
  const extracts: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startGateway();
    const source = (
      await gw.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    // Accepted: 500 records, some CPR numbers recurring across deliveries.
    const good = take(
      [...syntheticDelivery({ dataset: 'daycare', records: 500, format: 'xml', seed: 31 })].join(''),
    );
    const accepted = JSON.parse(await record(await submit(gw, source, good))) as {
      extracts: Array<{ id: string; recipient: string }>;
    };
    // Rejected: a fifth of the records invalid, among them CPR numbers whose date is impossible.
    const bad = take(
      [
        ...syntheticDelivery({
          dataset: 'daycare',
          records: 300,
          format: 'xml',
          seed: 32,
          invalidShare: 0.2,
        }),
      ].join(''),
    );
    const rejected = await submit(gw, source, bad, 'dataset=daycare&municipality=101&period=2026-09');
    expect(rejected.status).toBe(422);
    const problem = JSON.parse(await record(rejected)) as { deliveryId: string };
    for (const accept of ['application/json', 'text/csv'])
      await record(
        await gw.request(`/v1/deliveries/${problem.deliveryId}/report`, {
          token: source,
          headers: { accept },
        }),
      );
    // Not well-formed, with a CPR number in the broken element.
    const cpr = [...cprs][0] as string;
    await record(
      await submit(gw, source, `<Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><Cpr>${cpr}</Cpr>`),
    );
    // A CPR number typed where no personal data belongs: a code, a date, a name the client
    // chose (element, column, key, root attribute), a line that does not parse. The 422 and
    // the stored report (JSON and CSV) describe each by its shape.
    const [one, two] = good.split('</Enrolment>', 2) as [string, string];
    const wrongPlaces = [
      ['xml', one.replace(/<CareType>[^<]*</, `<CareType>${cpr}<`)],
      ['xml', one.replace(/<StartDate>[^<]*</, `<StartDate>${cpr}<`)],
      ['xml', one.replace(/<CareType>/, `<X${cpr}>1</X${cpr}><CareType>`)],
      ['xml', one.replace('daycare:1"', `daycare:1" period="${cpr}"`)],
      ['xml', `${one.replace(/<CareType>/, `<CareType a="${cpr}>`)}</Enrolment>${two}`],
      ['ndjson', `${JSON.stringify({ cpr, careType: cpr, [`k${cpr}\u0000`]: 1 })}\n`],
      ['ndjson', `{"cpr": "${cpr}", "careType": ${cpr}x}\n`],
      ['csv', `cpr,careType,x${cpr}\r\n${cpr},"${cpr}"x,1\r\n`],
      ['csv', `cpr,careType,startDate\r\n${cpr},vuggestue,${cpr}\r\n`],
    ] as const;
    const types = { xml: 'application/xml', ndjson: 'application/x-ndjson', csv: 'text/csv' };
    for (const [format, body] of wrongPlaces) {
      const res = await submit(
        gw,
        source,
        body.endsWith('</Delivery>') || format !== 'xml' ? body : `${body}</Enrolment></Delivery>`,
        undefined,
        {
          'content-type': types[format],
        },
      );
      const text = await record(res);
      expect(res.status, text).toBeGreaterThanOrEqual(400);
      const id = (JSON.parse(text) as { deliveryId?: string }).deliveryId;
      if (id)
        for (const accept of ['application/json', 'text/csv'])
          await record(
            await gw.request(`/v1/deliveries/${id}/report`, { token: source, headers: { accept } }),
          );
    }
    // A CPR-shaped value where an id or a code belongs.
    await record(await gw.request(`/v1/deliveries?municipality=${cpr}`, { token: ADMIN_TOKEN }));
    await record(await gw.request(`/v1/deliveries/${cpr}`, { token: ADMIN_TOKEN }));
    await record(await submit(gw, source, good, `dataset=daycare&municipality=${cpr}&period=2026-10`));
    for (const e of accepted.extracts) {
      const t = (await gw.issueToken({ role: 'recipient', subject: e.recipient, recipient: e.recipient }))
        .token;
      const bytes = new Uint8Array(
        await (await gw.request(`/v1/extracts/${e.id}/content`, { token: t })).arrayBuffer(),
      );
      extracts[e.recipient] =
        e.recipient === 'rigsarkivet'
          ? Object.values(unzipSync(bytes))
              .map((b) => Buffer.from(b).toString('latin1'))
              .join('\n')
          : Buffer.from(bytes).toString('latin1');
    }
    // Free text and names a client chose in the JSON interface: a refusal's reason quoting the
    // record, an unknown key, a content type, a request id.
    const dstExtract = accepted.extracts.find((e) => e.recipient === 'dst');
    const dstToken = (await gw.issueToken({ role: 'recipient', subject: 'dst-2', recipient: 'dst' })).token;
    const dash = `${cpr.slice(0, 6)}-${cpr.slice(6)}`;
    await record(
      await gw.request(`/v1/extracts/${dstExtract?.id}/receipts`, {
        method: 'POST',
        token: dstToken,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          status: 'refused',
          reason: `wrong child ${cpr} / ${dash} / ${fullWidth(cpr)} / ${fullWidth(dash)} / ${[...cpr].join(',')} / ${[...cpr].join('\u200b')} / ${cpr.slice(0, 6)} -${cpr.slice(6)}`,
        }),
      }),
    );
    await record(await gw.request(`/v1/extracts/${dstExtract?.id}`, { token: dstToken }));
    await record(
      await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'auditor', subject: 'x', [cpr]: 1 }),
      }),
    );
    await record(
      await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': `application/${cpr}` },
        body: '{}',
      }),
    );
    // A number split over path segments, or written with doubled separators.
    await record(
      await gw.request(`/v1/${cpr.slice(0, 4)}/${cpr.slice(4, 6)}/${cpr.slice(6)}`, { token: ADMIN_TOKEN }),
    );
    await record(await gw.request(`/v1/runs/${cpr}0`, { token: ADMIN_TOKEN }));
    const doubled = `${cpr.slice(0, 2)}-${cpr.slice(2, 4)}-${cpr.slice(4, 6)}--${cpr.slice(6)}`;
    const doubledId = await gw.request('/v1/datasets', {
      token: ADMIN_TOKEN,
      headers: { 'x-request-id': doubled },
    });
    seen.push(JSON.stringify([...doubledId.headers]));
    await record(
      await gw.request(`/v1/status?dataset=${doubled}`, {
        token: ADMIN_TOKEN,
        headers: { 'x-request-id': doubled },
      }),
    );
    const withId = await gw.request('/v1/deliveries/dlv_00000000000000000000000000', {
      token: ADMIN_TOKEN,
      headers: { 'x-request-id': cpr },
    });
    seen.push(JSON.stringify([...withId.headers]));
    await record(withId);
    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'revisor' })).token;
    await record(await gw.request('/v1/audit/export', { token: auditor }));
    await record(await gw.request('/v1/deliveries', { token: auditor }));
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  });

  // A CPR number counts as leaked however written: in full-width digits, or with any
  // separators between its digits (a client may type either).
  const leaks = (text: string) => {
    const plain = text.normalize('NFKC').replace(/[^\p{L}\p{Nd}]+/gu, '');
    return [...cprs].filter((c) => plain.includes(c));
  };

  it('the run used known CPR numbers, and the record-level extracts that ask for them have them', () => {
    expect(cprs.size).toBeGreaterThan(700);
    expect(leaks(extracts.dst as string).length).toBeGreaterThan(400);
    expect(leaks(extracts.rigsarkivet as string).length).toBeGreaterThan(400);
  });

  it('no log line holds one', () => {
    expect(gw.logs.length).toBeGreaterThan(10);
    expect(leaks(gw.logs.join('\n'))).toEqual([]);
  });

  it('no audit event, report, problem document or listing holds one', () => {
    expect(seen.length).toBeGreaterThan(8);
    for (const text of seen) expect(leaks(text), text).toEqual([]);
  });

  it('neither the aggregate nor the pseudonymised extract holds one', () => {
    expect(leaks(extracts.stuk as string)).toEqual([]);
    expect(leaks(extracts.flis as string)).toEqual([]);
  });

  it('and no table of the metadata store holds one', async () => {
    const tables = await gw.sql.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['deliveries', 'extracts', 'tokens']),
    );
    for (const { table_name } of tables) {
      const rows = await gw.sql.query(`SELECT * FROM "${table_name}"`);
      expect(leaks(JSON.stringify(rows)), table_name).toEqual([]);
    }
  });
});

/** A text with its digits and dashes in full width (`０１０１２１－１２３４`). */
function fullWidth(text: string): string {
  return text.replace(/[0-9-]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
}
