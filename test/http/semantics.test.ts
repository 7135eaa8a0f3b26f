import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

interface Extract {
  id: string;
  recipient: string;
  sha256: string;
  bytes: number;
  status: string;
}

/** HTTP semantics as RFC 9110 has them, seen by a client. */
describe('HTTP semantics', () => {
  let gw: MemoryGateway;
  let source: string;
  let recipient: string;
  let auditor: string;
  let dst: Extract;
  let delivery: string;

  const extract = async (id: string) =>
    (await (await gw.request(`/v1/extracts/${id}`, { token: recipient })).json()) as Extract;
  const content = (headers: Record<string, string>, method = 'GET') =>
    gw.request(`/v1/extracts/${dst.id}/content`, { method, token: recipient, headers });
  const auditOf = async (id: string) => {
    const res = await gw.request(`/v1/audit?limit=500`, { token: auditor });
    const items = ((await res.json()) as { items: Array<{ action: string; subject: string }> }).items;
    return items.filter((e) => e.subject === id).map((e) => e.action);
  };

  beforeAll(async () => {
    gw = await startMemoryGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    recipient = (await gw.issueToken({ role: 'recipient', subject: 'r', recipient: 'dst' })).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed: 3 })].join('');
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; extracts: Extract[] };
    delivery = body.id;
    dst = body.extracts.find((e) => e.recipient === 'dst') as Extract;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('HEAD on extract content answers the headers, and neither marks it fetched nor writes an audit event', async () => {
    const res = await content({}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${dst.sha256}"`);
    expect(res.headers.get('content-length')).toBe(String(dst.bytes));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect((await extract(dst.id)).status).toBe('available');
    expect(await auditOf(dst.id)).not.toContain('extract.fetched');
  });

  it('a conditional GET matches If-None-Match *, weak and list forms (weak comparison)', async () => {
    const etag = `"${dst.sha256}"`;
    for (const value of ['*', etag, `W/${etag}`, `"nope", ${etag}`, `W/"x",W/${etag}`]) {
      const res = await content({ 'if-none-match': value });
      expect(res.status, value).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
    }
    for (const value of ['"nope"', `"${dst.sha256.slice(1)}"`, 'W/"x"']) {
      const res = await content({ 'if-none-match': value });
      expect(res.status, value).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('If-Range with another validator, a weak one or a date gives the whole body with 200', async () => {
    const etag = `"${dst.sha256}"`;
    for (const ifRange of ['"other"', `W/${etag}`, 'Sun, 06 Nov 1994 08:49:37 GMT']) {
      const res = await content({ range: 'bytes=0-9', 'if-range': ifRange });
      expect(res.status, ifRange).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(dst.bytes);
    }
    const partial = await content({ range: 'bytes=0-9', 'if-range': etag });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(10);
  });

  it('a range of another unit, or several ranges, gives the whole body with 200', async () => {
    for (const range of ['items=0-5', 'bytes=0-1,4-5', 'bytes=0-1, 999999-']) {
      const res = await content({ range });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(dst.bytes);
    }
  });

  it('416 carries a problem document and Content-Range: bytes */length', async () => {
    const res = await content({ range: `bytes=${dst.bytes + 10}-` });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${dst.bytes}`);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { type: string; status: number };
    expect(body).toMatchObject({ type: '/problems/range_not_satisfiable', status: 416 });
  });

  it('a wrong method on a known path is 405 with Allow', async () => {
    const cases: Array<[string, string, string[]]> = [
      ['PUT', '/v1/deliveries', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/v1/deliveries', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/v1/extracts', ['GET', 'HEAD']],
      ['PUT', `/v1/extracts/${dst.id}`, ['GET', 'HEAD']],
      ['POST', '/v1/datasets', ['GET', 'HEAD']],
      ['GET', '/v1/admin/receipt-keys/rotate', ['POST']],
      ['PATCH', '/v1/admin/tokens/tok_01ARZ3NDEKTSV4RRFFQ69G5FAV', ['DELETE']],
    ];
    for (const [method, path, allow] of cases) {
      const res = await gw.request(path, { method, token: ADMIN_TOKEN });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')?.split(/,\s*/).sort()).toEqual(allow);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // An unknown path is still 404.
    expect((await gw.request('/v1/nothing-here', { method: 'PUT', token: ADMIN_TOKEN })).status).toBe(404);
  });

  it('accepts the bearer scheme in any case, on /v1 and /metrics', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer'])
      expect(
        (await gw.request('/v1/datasets', { headers: { authorization: `${scheme} ${auditor}` } })).status,
        scheme,
      ).toBe(200);
    expect((await gw.request('/metrics', { headers: { authorization: `bearer ${auditor}` } })).status).toBe(
      200,
    );
  });

  it('reads expiresAt as an instant: an offset is normalised to UTC and compared as time', async () => {
    const inAnHour = new Date(Date.now() + 3600_000);
    // The same instant written five hours behind UTC: as text it sorts before now.
    const behind = new Date(inAnHour.getTime() - 5 * 3600_000).toISOString().slice(0, 19);
    const future = await gw.request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'auditor', subject: 'west', expiresAt: `${behind}-05:00` }),
    });
    expect(future.status).toBe(201);
    const issued = (await future.json()) as { id: string; token: string };
    const list = await gw.request('/v1/admin/tokens', { token: ADMIN_TOKEN });
    const row = ((await list.json()) as { items: Array<{ id: string; expiresAt: string }> }).items.find(
      (t) => t.id === issued.id,
    );
    expect(row?.expiresAt).toBe(new Date(`${behind}-05:00`).toISOString());
    expect(row?.expiresAt.endsWith('Z')).toBe(true);
    expect((await gw.request('/v1/datasets', { token: issued.token })).status).toBe(200);

    // An hour ago written five hours ahead of UTC: as text it sorts after now.
    const anHourAgo = new Date(Date.now() - 3600_000);
    const ahead = new Date(anHourAgo.getTime() + 5 * 3600_000).toISOString().slice(0, 19);
    const past = await gw.request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'auditor', subject: 'east', expiresAt: `${ahead}+05:00` }),
    });
    expect(past.status).toBe(422);
  });

  it('every authenticated answer says Cache-Control: no-store (JSON, problems, content)', async () => {
    const answers = [
      await gw.request('/v1/datasets', { token: auditor }),
      await gw.request(`/v1/deliveries/${delivery}`, { token: auditor }),
      await gw.request('/v1/deliveries/dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: auditor }),
      await gw.request('/v1/extracts', { token: auditor }),
      await gw.request('/v1/audit/export', { token: auditor }),
      await gw.request(`/v1/deliveries/${delivery}/report`, {
        token: auditor,
        headers: { accept: 'text/csv' },
      }),
      await gw.request('/v1/datasets', { token: 'gw_unknown-token-0123456789' }),
      await gw.request('/metrics', { token: auditor }),
      await content({}),
    ];
    for (const res of answers) {
      expect(res.headers.get('cache-control'), res.url).toContain('no-store');
      await res.arrayBuffer();
    }
  });

  it('the report CSV neutralises cells that would start a spreadsheet formula', async () => {
    const { metadata } = gw.services;
    const id = 'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await metadata.createDelivery({
      id,
      dataset: 'daycare',
      datasetVersion: 1,
      municipality: '101',
      period: '2026-09',
      source: 's',
      actor: 's',
      contentType: 'application/xml',
      idempotencyKey: null,
      receivedAt: new Date().toISOString(),
    });
    const hostile = ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR'];
    await metadata.endDelivery({
      id,
      status: 'rejected',
      outcome: { completedAt: new Date().toISOString() },
      problem: { code: 'delivery_rejected', detail: 'x' },
      issues: hostile.map((h, i) => ({ record: i + 1, line: i + 2, field: h, rule: 'enum', message: h })),
      errorCount: hostile.length,
      actor: 's',
    });
    const res = await gw.request(`/v1/deliveries/${id}/report`, {
      token: auditor,
      headers: { accept: 'text/csv' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const lines = text.split('\r\n').slice(1, -1);
    expect(lines).toHaveLength(hostile.length);
    for (const [i, line] of lines.entries()) {
      // No cell, quoted or not, begins with a formula character.
      const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? [];
      for (const cell of cells) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
      expect(line).toContain(`'${hostile[i]}`.replace(/"/g, '""').replace(/^'\r/, "'\r"));
    }
    // Record numbers stay numbers.
    expect(lines[0]?.startsWith('1,2,')).toBe(true);
  });

  it('the validation report is negotiated by quality, says Vary: Accept, and answers 406 for neither type', async () => {
    const report = (accept?: string) =>
      gw.request(`/v1/deliveries/${delivery}/report`, {
        token: auditor,
        ...(accept === undefined ? {} : { headers: { accept } }),
      });
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'application/json'],
      ['text/csv', 'text/csv'],
      ['text/csv;q=0, application/json', 'application/json'],
      ['text/csv;q=0.4, application/json;q=0.5', 'application/json'],
      ['application/json;q=0.1, text/*', 'text/csv'],
      // Every range counts, however many come before the one that matches.
      [`${Array.from({ length: 70 }, (_, i) => `application/x-${i}`).join(', ')}, text/csv`, 'text/csv'],
    ];
    for (const [accept, type] of cases) {
      const res = await report(accept);
      expect(res.status, accept).toBe(200);
      expect(res.headers.get('content-type'), accept).toContain(type);
      expect(res.headers.get('vary')?.toLowerCase()).toBe('accept');
    }
    for (const accept of ['text/csv;q=0', 'application/pdf', 'text/csv;q=0, application/json;q=0']) {
      const res = await report(accept);
      expect(res.status, accept).toBe(406);
      expect(res.headers.get('vary')?.toLowerCase()).toBe('accept');
      expect(((await res.json()) as { type: string }).type).toBe('/problems/not_acceptable');
    }
  });

  it('a POST that reads no body takes none or {}, and refuses any other with 400, changing nothing', async () => {
    const push = (body?: string) =>
      gw.request(`/v1/extracts/${dst.id}/push`, {
        method: 'POST',
        token: ADMIN_TOKEN,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      });
    for (const body of ['{"target": "https://elsewhere.example"}', '[]', 'null', 'push now']) {
      const res = await push(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain('reads no body');
    }
    const revalidate = await gw.request('/v1/datasets/daycare/revalidate', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'eldercare' }),
    });
    expect(revalidate.status).toBe(400);
    // One over 64 KiB is 413, as the OpenAPI document says (the harness holds every answer to it).
    const big = await gw.request('/v1/datasets/daycare/revalidate', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(70_000) }),
    });
    expect(big.status).toBe(413);
    expect((await gw.request('/v1/datasets/daycare/revalidations', { token: ADMIN_TOKEN })).status).toBe(200);
    const runs = (await (
      await gw.request('/v1/datasets/daycare/revalidations', { token: ADMIN_TOKEN })
    ).json()) as {
      items: unknown[];
    };
    expect(runs.items).toEqual([]);
    const empty = await gw.request('/v1/datasets/daycare/revalidate', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: ' { } ',
    });
    expect(empty.status).toBe(202);
  });
});
