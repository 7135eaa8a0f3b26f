import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

/**
 * Plain bad input at the HTTP surface: every answer is a problem document with a 4xx status,
 * never a 5xx.
 */
describe('bad input to the HTTP interface', () => {
  let gw: MemoryGateway;
  let source: string;
  let recipient: string;
  let auditor: string;
  let extract: string;

  const expectProblem = async (res: Response, status: number | number[]) => {
    const statuses = Array.isArray(status) ? status : [status];
    const text = await res.text();
    expect(statuses, `${res.status} ${text}`).toContain(res.status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = JSON.parse(text) as { type: string; status: number; detail: string };
    expect(body.status).toBe(res.status);
    expect(body.type).toMatch(/^\/problems\/[a-z_]+$/);
    return body;
  };

  beforeAll(async () => {
    gw = await startMemoryGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    recipient = (await gw.issueToken({ role: 'recipient', subject: 'r', recipient: 'dst' })).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 5, format: 'xml', seed: 1 })].join('');
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    extract = body.extracts.find((e) => e.recipient === 'dst')?.id as string;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const jsonEndpoints = () => [
    { path: '/v1/admin/tokens', token: ADMIN_TOKEN },
    { path: `/v1/extracts/${extract}/receipts`, token: recipient },
  ];

  it('JSON whose bytes are not UTF-8 is 400, not quietly mended', async () => {
    const res = await gw.request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"role":"auditor","subject":"bad'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]),
    });
    await expectProblem(res, 400);
  });

  it('a key given twice is 400: the last one does not silently win', async () => {
    const twice = [
      '{"role":"auditor","subject":"x","role":"admin"}',
      '{"role":"auditor","sub\\u006aect":"x","subject":"y"}',
      '{"role":"source","subject":"s","municipalities":["101"],"datasets":["daycare"],"certificate":{"subject":"CN=a","subject":"CN=b"}}',
    ];
    for (const body of twice) {
      const res = await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain('twice');
    }
    const tokens = (await (await gw.request('/v1/admin/tokens', { token: ADMIN_TOKEN })).json()) as {
      items: Array<{ role: string; subject: string }>;
    };
    expect(tokens.items.filter((t) => t.subject === 'x')).toEqual([]);
    // Keys alike in separate objects, and strings that merely look like keys, are fine.
    const ok = await gw.request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: '{"role":"recipient","subject":"a \\"role\\": b, {","recipient":"dst","certificate":{"subject":"CN=role, O=x"}}',
    });
    expect(ok.status).toBe(201);
  });

  it('malformed JSON on a JSON endpoint is 400, not 500', async () => {
    for (const { path, token } of jsonEndpoints()) {
      for (const body of ['{', '{"role": "auditor",', 'nul\u0000l', '', '[1,2', '"\\ud800"x']) {
        const res = await gw.request(path, {
          method: 'POST',
          token,
          headers: { 'content-type': 'application/json' },
          body,
        });
        await expectProblem(res, [400, 422]);
      }
    }
  });

  it('a JSON endpoint sent text/plain, a form or no content type is 415, not 500', async () => {
    for (const { path, token } of jsonEndpoints()) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', null]) {
        const res = await gw.request(path, {
          method: 'POST',
          token,
          headers: type ? { 'content-type': type } : {},
          body: '{"status":"accepted"}',
        });
        const problem = await expectProblem(res, 415);
        expect(problem.detail).toContain('application/json');
      }
    }
  });

  it('a JSON body of the wrong shape (null, a list, a number) is 400 or 422', async () => {
    for (const { path, token } of jsonEndpoints())
      for (const body of ['null', '[]', '42', '"x"', '{"__proto__":{"role":"admin"}}'])
        await expectProblem(
          await gw.request(path, {
            method: 'POST',
            token,
            headers: { 'content-type': 'application/json' },
            body,
          }),
          [400, 422],
        );
  });

  it('NUL or lone surrogates inside JSON string values are refused with 400 or 422, not 500', async () => {
    const bodies: Array<[string, string, string]> = [
      ['/v1/admin/tokens', ADMIN_TOKEN, '{"role":"auditor","subject":"a\\u0000b"}'],
      ['/v1/admin/tokens', ADMIN_TOKEN, '{"role":"auditor","subject":"\\ud800"}'],
      [
        '/v1/admin/tokens',
        ADMIN_TOKEN,
        '{"role":"source","subject":"s","municipalities":["1\\u00001"],"datasets":["daycare"]}',
      ],
      ['/v1/admin/tokens', ADMIN_TOKEN, '{"role":"recipient","subject":"s","recipient":"d\\u0000st"}'],
      [`/v1/extracts/${extract}/receipts`, recipient, '{"status":"refused","reason":"bad\\u0000"}'],
    ];
    for (const [path, token, body] of bodies) {
      const res = await gw.request(path, {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await expectProblem(res, [400, 422]);
    }
    // The extract can still be acknowledged properly afterwards.
    const ok = await gw.request(`/v1/extracts/${extract}/receipts`, {
      method: 'POST',
      token: recipient,
      headers: { 'content-type': 'application/json' },
      body: '{"status":"accepted"}',
    });
    expect(ok.status).toBe(201);
  });

  it('a JSON body larger than any request needs is 413', async () => {
    const reason = 'x'.repeat(2 * 1024 * 1024);
    const res = await gw.request('/v1/admin/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'auditor', subject: 'a', pad: reason }),
    });
    await expectProblem(res, 413);
  });

  it('NUL or a broken percent-encoding in a path or query value is 400', async () => {
    const paths = [
      '/v1/deliveries?dataset=day%00care',
      '/v1/deliveries?municipality=%00',
      '/v1/deliveries?period=%E0%A4%A',
      '/v1/deliveries?dataset=%FF%FE',
      '/v1/deliveries/dlv_%00',
      '/v1/deliveries/%zz',
      '/v1/datasets/day%00care',
      '/v1/datasets/%C0%AF',
      '/v1/datasets/daycare/profiles/d%00st/versions',
      '/v1/audit?actor=a%00b',
      '/v1/audit?action=%',
      '/v1/extracts?dataset=%00',
      '/v1/status?dataset=daycare&period=2026-1%000',
      '/v1/quality?dataset=daycare&from=2026-1%000&to=2026-10',
      '/v1/admin/tokens/tok_%00',
    ];
    for (const path of paths) {
      const method = path.startsWith('/v1/admin/tokens/') ? 'DELETE' : 'GET';
      await expectProblem(await gw.request(path, { method, token: ADMIN_TOKEN }), 400);
    }
    // Outside /v1 too, with no token.
    await expectProblem(await gw.request('/problems/%00'), 400);
    await expectProblem(await gw.request('/deliveries/%00x'), 400);
    await expectProblem(await gw.request('/?dataset=%00'), 400);
  });

  it('answers a period at the ends of the calendar at once, with a 4xx, and stays up', async () => {
    // Year 9999's deadlines fall in year 10000, where the date arithmetic once never ended: one
    // GET from any token held the process at 100 % CPU for good. Years before 1900 fold into
    // the 20th century in JavaScript's dates.
    const cases: Array<[string, string, object?]> = [];
    for (const p of ['9999-12', '9999-W52', '9999-12-31', '0000-01', '0050-06', '1899-12'])
      cases.push(
        ['GET', `/v1/status?period=${p}`],
        ['GET', `/v1/status?dataset=daycare&period=${p}`],
        ['GET', `/v1/quality?dataset=daycare&from=${p}&to=${p}`],
        ['GET', `/v1/reports/consolidation?from=${p}&to=${p}`],
        ['POST', '/v1/runs', { period: p }],
      );
    for (const [method, path, body] of cases) {
      const res = await gw.request(path, {
        method,
        token: ADMIN_TOKEN,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path} ${JSON.stringify(body ?? '')}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }
    for (const path of ['/expected?period=9999-12', '/national?period=9999-12']) {
      const res = await gw.request(path, { token: ADMIN_TOKEN });
      expect(res.status, path).toBeLessThan(500);
    }
    expect((await gw.request('/health')).status).toBe(200);
  });

  it('a source delivering with NUL in the query is 400 and leaves no delivery behind', async () => {
    const res = await submit(gw, source, '<x/>', 'dataset=daycare&municipality=101&period=2026-1%000');
    await expectProblem(res, 400);
    const list = await gw.request('/v1/deliveries?limit=500', { token: auditor });
    const items = ((await list.json()) as { items: Array<{ status: string }> }).items;
    expect(items.every((d) => d.status !== 'receiving')).toBe(true);
  });

  it('a cursor the gateway did not give is 400 on every list', async () => {
    const cursors = [
      'abc',
      'x'.repeat(150),
      '%00',
      'AAAA',
      'InRvb',
      'eyJhIjoxfQ',
      'LTE',
      'IgAi',
      'Ilx1MDAwMCI',
      '-1',
    ];
    for (const list of ['/v1/deliveries', '/v1/extracts', '/v1/audit']) {
      for (const cursor of cursors) {
        const res = await gw.request(`${list}?cursor=${cursor}`, { token: ADMIN_TOKEN });
        await expectProblem(res, 400);
      }
    }
  });

  it('a cursor the gateway gave still pages', async () => {
    const first = await gw.request('/v1/audit?limit=1', { token: auditor });
    const { next } = (await first.json()) as { next: string };
    expect(next).toBeTruthy();
    expect((await gw.request(`/v1/audit?limit=1&cursor=${next}`, { token: auditor })).status).toBe(200);
  });

  it('a CPR-shaped value in a path or query is never repeated in the answer', async () => {
    const cpr = '1003227055';
    const cases: Array<[string, string, string?]> = [
      ['GET', `/v1/datasets/${cpr}`],
      ['GET', `/v1/datasets/${cpr}/profiles`],
      ['GET', `/v1/datasets/daycare/profiles/${cpr}/versions`],
      ['GET', `/v1/datasets/${cpr}/profiles/dst/versions`],
      ['POST', `/v1/datasets/${cpr}/profiles/dst/preview`, 'application/xml'],
      ['POST', `/v1/datasets/daycare/profiles/${cpr}/preview`, 'application/xml'],
      ['DELETE', `/v1/admin/tokens/${cpr}`],
      ['DELETE', `/v1/admin/tokens/tok_${cpr}`],
      ['GET', `/v1/no-such-thing/${cpr}`],
      ['PUT', `/v1/datasets/${cpr}`],
      ['GET', `/v1/status?dataset=${cpr}&period=2026-10`],
      ['GET', `/v1/status?dataset=daycare&period=${cpr}`],
      ['GET', `/v1/quality?dataset=${cpr}&from=2026-10&to=2026-10`],
      ['GET', `/v1/quality?dataset=daycare&municipality=${cpr}&from=2026-10&to=2026-10`],
      ['GET', `/v1/quality?dataset=daycare&from=${cpr}&to=2026-10`],
      ['GET', `/v1/quality?dataset=daycare&from=2026-10&to=${cpr.slice(0, 4)}-${cpr.slice(4, 6)}`],
      ['GET', `/v1/reports/consolidation?from=${cpr}&to=2026-10`],
      ['GET', `/problems/${cpr}`],
      ['GET', `/nothing/${cpr}-x`],
    ];
    for (const [method, path, type] of cases) {
      const res = await gw.request(path, {
        method,
        token: ADMIN_TOKEN,
        ...(type ? { headers: { 'content-type': type }, body: '<x/>' } : {}),
      });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(await res.text(), `${method} ${path}`).not.toContain(cpr);
    }
    // The dashboard, too.
    const signIn = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: auditor }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    for (const path of [`/expected?dataset=${cpr}`, `/expected?dataset=daycare&period=${cpr}`]) {
      const html = await (await gw.request(path, { headers: { cookie } })).text();
      expect(html, path).not.toContain(cpr);
    }
  });

  it('/problems/ names only real problem types', async () => {
    for (const code of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])
      await expectProblem(await gw.request(`/problems/${code}`), 404);
    expect((await gw.request('/problems/not_found')).status).toBe(200);
  });

  it('a limit that is not a number, or out of range, is 400', async () => {
    for (const limit of ['abc', '-1', '0', '1e9', '1.5', 'NaN', 'Infinity'])
      await expectProblem(await gw.request(`/v1/deliveries?limit=${limit}`, { token: auditor }), 400);
  });

  it('odd query values for the audit log (dates, huge strings) are 400, not 500', async () => {
    for (const q of ['from=2026-13-45T00:00:00Z', 'to=yesterday', 'from=%00', `actor=${'a'.repeat(5000)}`])
      await expectProblem(await gw.request(`/v1/audit?${q}`, { token: auditor }), 400);
  });
});
