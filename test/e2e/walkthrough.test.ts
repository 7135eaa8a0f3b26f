import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const delivery = (records: number, seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');
const cprsOf = (xml: string) => [...xml.matchAll(/<Cpr>(\d{10})<\/Cpr>/g)].map((m) => m[1] as string);

interface DeliveryBody {
  id: string;
  status: string;
  sha256: string;
  records: { total: number; valid: number; invalid: number };
  receipt: string;
  supersedes: string | null;
  extracts: Array<{
    id: string;
    recipient: string;
    records: number;
    sha256: string;
    bytes: number;
    profile: { id: string; version: number; sha256: string };
  }>;
}

describe('one delivery in, every recipient extract out', () => {
  let gw: Gateway;
  let source: string;
  const recipient: Record<string, string> = {};
  let auditor: string;
  const xml = delivery(1000, 7);
  let accepted: DeliveryBody;

  const content = async (id: string, token: string) => {
    const res = await gw.request(`/v1/extracts/${id}/content`, { token });
    expect(res.status).toBe(200);
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const extractOf = (d: DeliveryBody, r: string) => {
    const e = d.extracts.find((x) => x.recipient === r);
    if (!e) throw new Error(`no ${r} extract`);
    return e;
  };

  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-dagtilbud-a',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    for (const r of ['dst', 'stuk', 'flis'])
      recipient[r] = (await gw.issueToken({ role: 'recipient', subject: `${r}-intake`, recipient: r })).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'rigsrevisionen' })).token;
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(201);
    accepted = (await res.json()) as DeliveryBody;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('accepts 1,000 generated records with one extract per recipient profile', () => {
    expect(accepted.status).toBe('accepted');
    expect(accepted.records).toEqual({ total: 1000, valid: 1000, invalid: 0 });
    expect(accepted.sha256).toBe(sha256(xml));
    expect(accepted.extracts.map((e) => e.recipient).sort()).toEqual(['dst', 'flis', 'rigsarkivet', 'stuk']);
    expect(extractOf(accepted, 'dst').profile).toMatchObject({ id: 'daycare/dst', version: 1 });
    expect(extractOf(accepted, 'dst').profile.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives dst record-level XML with all 1,000 records and Danish letters intact', async () => {
    const e = extractOf(accepted, 'dst');
    const { res, bytes } = await content(e.id, recipient.dst as string);
    expect(res.headers.get('etag')).toBe(`"${e.sha256}"`);
    expect(sha256(bytes)).toBe(e.sha256);
    expect(res.headers.get('content-disposition')).toContain('dst-dagtilbud-101-2026-10');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const doc = new XMLParser({ parseTagValue: false }).parse(text);
    const rows = doc.Boernepasning.Barn as Array<Record<string, string>>;
    expect(rows).toHaveLength(1000);
    expect(text).toContain('Mælkebøtten');
    expect(text).toContain('Åbakken');
    const inputNames = new Set(
      [...xml.matchAll(/<InstitutionName>([^<]*)</g)].map((m) => m[1]?.replace(/&amp;/g, '&')),
    );
    for (const r of rows) {
      expect(r.Kommunekode).toBe('101');
      expect(['01', '02', '03', '04']).toContain(r.PasningsTypeKode);
      expect(r.StartDato).toMatch(/^\d{8}$/);
      expect(inputNames.has(String(r.InstitutionNavn))).toBe(true);
    }
  });

  it('gives stuk an ISO-8859-1 aggregate CSV in which no published cell counts fewer than 5 children', async () => {
    // A small municipality's delivery makes some groups small enough to suppress.
    const small = await submit(
      gw,
      source,
      delivery(14, 3),
      'dataset=daycare&municipality=147&period=2026-10',
    );
    expect(small.status).toBe(201);
    for (const d of [accepted, (await small.json()) as DeliveryBody]) {
      const { res, bytes } = await content(extractOf(d, 'stuk').id, recipient.stuk as string);
      expect(res.headers.get('content-type')).toContain('iso-8859-1');
      // 'ø' is one byte (0xF8) in ISO-8859-1, two in UTF-8.
      expect([...bytes]).toContain(0xf8);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
      const text = new TextDecoder('latin1').decode(bytes);
      const [header, ...lines] = text.trimEnd().split('\r\n');
      expect(header).toBe('kommunekode;kommunenavn;pasningstype;antal_børn;gns_ugentlige_timer;undertrykt');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const [, name, , count, mean, flag] = line.split(';');
        expect(['København', 'Frederiksberg']).toContain(name);
        if (flag === '1') {
          expect(count).toBe('');
          expect(mean).toBe('');
        } else {
          expect(Number(count)).toBeGreaterThanOrEqual(5);
        }
      }
      if (d !== accepted) expect(lines.some((l) => l.endsWith(';1'))).toBe(true);
    }
  });

  it('gives flis NDJSON in which no CPR number of the input appears', async () => {
    const { bytes } = await content(extractOf(accepted, 'flis').id, recipient.flis as string);
    const text = new TextDecoder().decode(bytes);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1000);
    for (const cpr of cprsOf(xml)) expect(text).not.toContain(cpr);
    for (const l of lines) {
      expect(l.personPseudonym).toMatch(/^[0-9a-f]{64}$/);
      expect(l).not.toHaveProperty('cpr');
    }
    const res = await gw.request(`/v1/extracts/${extractOf(accepted, 'flis').id}`, { token: recipient.flis });
    const meta = (await res.json()) as {
      metadata: { pseudonymKeyIds: string[] };
      lawfulUse: { legalBasis: string };
    };
    expect(meta.metadata.pseudonymKeyIds).toHaveLength(1);
    expect(meta.lawfulUse.legalBasis.length).toBeGreaterThan(10);
  });

  it('signs a receipt that verifies against the published JWKS with a standard JOSE library', async () => {
    const jwks = await (await gw.request('/.well-known/jwks.json')).json();
    const { payload, protectedHeader } = await jwtVerify(accepted.receipt, createLocalJWKSet(jwks));
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(decodeProtectedHeader(accepted.receipt).kid).toBe(jwks.keys[0].kid);
    expect(payload).toMatchObject({
      deliveryId: accepted.id,
      status: 'accepted',
      sha256: sha256(xml),
      municipality: '101',
      period: '2026-10',
    });
    expect(payload.records).toEqual({ total: 1000, valid: 1000, invalid: 0 });
    // Each extract made is in it, with the lawful use it was made under and what personal data it holds.
    const made = payload.extracts as Array<{
      recipient: string;
      legalBasis: string;
      purpose: string;
      personalData: string;
    }>;
    expect(made.map((e) => [e.recipient, e.personalData]).sort()).toEqual(
      [
        ['dst', 'cpr'],
        ['flis', 'pseudonymised'],
        ['rigsarkivet', 'cpr'],
        ['stuk', 'none'],
      ].sort(),
    );
    for (const e of made) expect(e.legalBasis.length).toBeGreaterThan(10);
    // A receipt with a changed payload does not verify.
    const [h, p, s] = accepted.receipt.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, bytes: 1 })).toString('base64url');
    await expect(jwtVerify(`${h}.${forged}.${s}`, createLocalJWKSet(jwks))).rejects.toThrow();
    expect(p).toBeTruthy();
  });

  it('moves an extract available → fetched → acknowledged, and answers a second acknowledgement with 409', async () => {
    const e = extractOf(accepted, 'dst');
    const before = (await (await gw.request(`/v1/extracts/${e.id}`, { token: recipient.dst })).json()) as {
      status: string;
    };
    expect(before.status).toBe('fetched');
    const ack = () =>
      gw.request(`/v1/extracts/${e.id}/receipts`, {
        method: 'POST',
        token: recipient.dst,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'accepted' }),
      });
    const first = await ack();
    expect(first.status).toBe(201);
    expect(((await first.json()) as { status: string }).status).toBe('acknowledged');
    const second = await ack();
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toContain('application/problem+json');
  });

  it('honours Range and If-None-Match on extract content', async () => {
    const e = extractOf(accepted, 'flis');
    const { bytes } = await content(e.id, recipient.flis as string);
    const part = await gw.request(`/v1/extracts/${e.id}/content`, {
      token: recipient.flis,
      headers: { range: 'bytes=10-29' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-29/${e.bytes}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(10, 30));
    const cached = await gw.request(`/v1/extracts/${e.id}/content`, {
      token: recipient.flis,
      headers: { 'if-none-match': `"${e.sha256}"` },
    });
    expect(cached.status).toBe(304);
  });

  it('lets an auditor read metadata but never content', async () => {
    const e = extractOf(accepted, 'dst');
    expect((await gw.request(`/v1/extracts/${e.id}`, { token: auditor })).status).toBe(200);
    expect((await gw.request(`/v1/deliveries/${accepted.id}`, { token: auditor })).status).toBe(200);
    const res = await gw.request(`/v1/extracts/${e.id}/content`, { token: auditor });
    expect(res.status).toBe(403);
    expect((await gw.request(`/v1/extracts/${e.id}/content`, { token: ADMIN_TOKEN })).status).toBe(403);
  });

  it("hides one recipient's extracts from another", async () => {
    const e = extractOf(accepted, 'dst');
    expect((await gw.request(`/v1/extracts/${e.id}`, { token: recipient.flis })).status).toBe(404);
    expect((await gw.request(`/v1/extracts/${e.id}/content`, { token: recipient.flis })).status).toBe(404);
    const list = (await (await gw.request('/v1/extracts', { token: recipient.flis })).json()) as {
      items: Array<{ recipient: string }>;
    };
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((x) => x.recipient === 'flis')).toBe(true);
  });

  it('rejects a delivery with one invalid record: 422 naming record and field, no extract made', async () => {
    const bad = delivery(50, 11).replace(/<CareType>[a-z]+<\/CareType>/, '<CareType>fritidshjem</CareType>');
    const res = await submit(gw, source, bad, 'dataset=daycare&municipality=147&period=2026-09');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as {
      type: string;
      deliveryId: string;
      errorCount: number;
      errors: Array<{ record: number; line: number; field: string; rule: string; message: string }>;
    };
    expect(problem.type).toBe('/problems/delivery_rejected');
    expect(problem.errorCount).toBe(1);
    expect(problem.errors[0]).toMatchObject({ record: 1, field: 'careType', rule: 'code', line: 3 });
    const d = (await (
      await gw.request(`/v1/deliveries/${problem.deliveryId}`, { token: source })
    ).json()) as DeliveryBody;
    expect(d.status).toBe('rejected');
    expect(d.extracts).toEqual([]);
    const listed = (await (
      await gw.request(`/v1/extracts?delivery=${problem.deliveryId}`, { token: auditor })
    ).json()) as { items: unknown[] };
    expect(listed.items).toEqual([]);
    const report = await gw.request(`/v1/deliveries/${problem.deliveryId}/report`, {
      token: source,
      headers: { accept: 'text/csv' },
    });
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('1,3,careType,code,');
  });

  it('masks personal values in the report of an invalid CPR number', async () => {
    const cpr = cprsOf(xml)[0] as string;
    const bad = xml.replace(`<Cpr>${cpr}</Cpr>`, `<Cpr>3102${cpr.slice(4)}</Cpr>`);
    const res = await submit(gw, source, bad, 'dataset=daycare&municipality=101&period=2026-08');
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).toContain('"field":"cpr"');
    expect(text).not.toContain(`3102${cpr.slice(4)}`);
  });

  it('answers XML that is not well-formed with 400 and the line', async () => {
    const res = await submit(
      gw,
      source,
      '<?xml version="1.0"?>\n<Delivery xmlns="urn:flis-gateway:daycare:1">\n<Enrolment><Cpr>1</Cpr></Enrolmant>\n</Delivery>',
      'dataset=daycare&municipality=101&period=2026-07',
    );
    expect(res.status).toBe(400);
    const p = (await res.json()) as { type: string; detail: string; line: number };
    expect(p.type).toBe('/problems/not_well_formed');
    expect(p.line).toBe(3);
  });

  it('answers the same bytes again with 200 and the earlier delivery, making nothing new', async () => {
    const before = (await (await gw.request('/v1/extracts?limit=500', { token: auditor })).json()) as {
      items: unknown[];
    };
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(200);
    expect(((await res.json()) as DeliveryBody).id).toBe(accepted.id);
    const after = (await (await gw.request('/v1/extracts?limit=500', { token: auditor })).json()) as {
      items: unknown[];
    };
    expect(after.items.length).toBe(before.items.length);
  });

  it('answers a retried request with the same Idempotency-Key as the first', async () => {
    const body = delivery(20, 21);
    const query = 'dataset=daycare&municipality=101&period=2026-06';
    const first = await submit(gw, source, body, query, { 'idempotency-key': 'retry-42' });
    expect(first.status).toBe(201);
    const again = await submit(gw, source, body, query, { 'idempotency-key': 'retry-42' });
    expect(again.status).toBe(201);
    expect(((await again.json()) as DeliveryBody).id).toBe(((await first.json()) as DeliveryBody).id);
  });

  it('supersedes the extracts of an earlier delivery for the same slot', async () => {
    const query = 'dataset=daycare&municipality=101&period=2026-05';
    const one = (await (await submit(gw, source, delivery(30, 31), query)).json()) as DeliveryBody;
    const two = (await (await submit(gw, source, delivery(31, 32), query)).json()) as DeliveryBody;
    expect(two.supersedes).toBe(one.id);
    const old = (await (
      await gw.request(`/v1/extracts/${extractOf(one, 'dst').id}`, { token: recipient.dst })
    ).json()) as { status: string };
    expect(old.status).toBe('superseded');
    const fresh = (await (
      await gw.request(`/v1/extracts/${extractOf(two, 'dst').id}`, { token: recipient.dst })
    ).json()) as { replaces: string };
    expect(fresh.replaces).toBe(extractOf(one, 'dst').id);
  });

  it('refuses what is outside a token: scope 403, no token 401, revoked token 401', async () => {
    expect((await submit(gw, source, xml, 'dataset=daycare&municipality=751&period=2026-10')).status).toBe(
      403,
    );
    expect((await submit(gw, recipient.dst as string, xml)).status).toBe(403);
    expect((await gw.request('/v1/deliveries')).status).toBe(401);
    const t = await gw.issueToken({ role: 'auditor', subject: 'temp' });
    expect((await gw.request('/v1/audit', { token: t.token })).status).toBe(200);
    expect(
      (await gw.request(`/v1/admin/tokens/${t.id}`, { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
    expect((await gw.request('/v1/audit', { token: t.token })).status).toBe(401);
  });

  it('answers bad requests with problem documents and stores nothing', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['dataset=nope&municipality=101&period=2026-10', {}, 422, 'unknown_dataset'],
      ['dataset=daycare&municipality=999&period=2026-10', {}, 422, 'invalid_municipality'],
      ['dataset=daycare&municipality=101&period=2026-W10', {}, 422, 'invalid_period'],
      [
        'dataset=daycare&municipality=101&period=2026-10',
        { 'content-type': 'application/pdf' },
        415,
        'unsupported_media_type',
      ],
    ];
    const before = (await (await gw.request('/v1/deliveries?limit=500', { token: auditor })).json()) as {
      items: unknown[];
    };
    for (const [query, headers, status, code] of cases) {
      const res = await submit(gw, source, xml, query.replace('dataset=nope', 'dataset=nope'), headers);
      expect(res.status, code).toBe(status);
      expect(((await res.json()) as { type: string }).type).toBe(`/problems/${code}`);
    }
    const after = (await (await gw.request('/v1/deliveries?limit=500', { token: auditor })).json()) as {
      items: unknown[];
    };
    expect(after.items.length).toBe(before.items.length);
  });

  it('keeps an audit chain that verifies, and finds a tampered event', async () => {
    const ok = (await (await gw.request('/v1/audit/verify', { token: auditor })).json()) as {
      valid: boolean;
      events: number;
    };
    expect(ok.valid).toBe(true);
    expect(ok.events).toBeGreaterThan(10);
    const page = (await (
      await gw.request(`/v1/audit?delivery=${accepted.id}`, { token: auditor })
    ).json()) as {
      items: Array<{ seq: number; action: string }>;
    };
    expect(page.items.map((e) => e.action)).toContain('delivery.accepted');
    const target = page.items.find((e) => e.action === 'delivery.accepted');
    await gw.sql.query(
      `UPDATE audit_events SET details = jsonb_set(details, '{bytes}', '1') WHERE seq = $1`,
      [target?.seq],
    );
    const broken = (await (await gw.request('/v1/audit/verify', { token: auditor })).json()) as {
      valid: boolean;
      brokenAt: number;
    };
    expect(broken.valid).toBe(false);
    expect(broken.brokenAt).toBe(target?.seq);
  });

  it('never writes a CPR number of any delivery to the log', () => {
    const text = gw.logs.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const cpr of cprsOf(xml)) expect(text).not.toContain(cpr);
  });
});
