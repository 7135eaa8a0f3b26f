import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ACCESS } from '../../src/http/access';
import { ATTACK_ADMIN, answerViolations, curlRepro, fail, SEED, settings, Target } from './target';

/**
 * Random JSON, headers, path and query values against every route: the /v1 routes of the
 * access table (src/http/access.ts) and the app's OpenAPI document, so that a new route is
 * attacked as soon as it exists, plus the routes outside /v1.
 */

interface Route {
  method: string;
  /** Hono form: /v1/deliveries/:id */
  path: string;
  query: string[];
  roles: readonly string[];
  /** Answers for browsers (HTML): exempt from the problem-document rule, not from the others. */
  html?: boolean;
}

const OUTSIDE_V1: Route[] = [
  { method: 'GET', path: '/health', query: [], roles: [] },
  { method: 'GET', path: '/metrics', query: [], roles: ['auditor', 'admin'] },
  { method: 'GET', path: '/problems/:code', query: [], roles: [] },
  { method: 'GET', path: '/.well-known/jwks.json', query: [], roles: [] },
  { method: 'GET', path: '/openapi.json', query: [], roles: [] },
  {
    method: 'GET',
    path: '/',
    query: ['municipality', 'period', 'status', 'cursor', 'lang'],
    roles: [],
    html: true,
  },
  { method: 'GET', path: '/deliveries/:id', query: ['lang'], roles: [], html: true },
  { method: 'GET', path: '/expected', query: ['dataset', 'period', 'lang'], roles: [], html: true },
  { method: 'POST', path: '/session', query: [], roles: [], html: true },
  { method: 'POST', path: '/session/end', query: [], roles: [], html: true },
];

const HOSTILE = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '%00',
  'a%00b',
  '%2e%2e',
  '..',
  '%2F..%2F',
  '%',
  '%%',
  '%zz',
  '%ff',
  '%c3%28',
  '%ef%bf%bf',
  '%ed%a0%80',
  '%0d%0aX-Injected:%201',
  '-1',
  '0',
  '-0',
  '1e309',
  '9007199254740993',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '%5B%5D',
  '%7B%7D',
  '%C3%B8',
  '%F0%9F%98%80',
  '%E2%80%AE',
  'dlv_',
  'ext_',
  'dlv_00000000000000000000000000',
  '2026-13',
  '2026-W99',
  '0000-00-00',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T00:00:00-05:00',
  'a'.repeat(6000),
  '1'.repeat(400),
];

const pct = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('attack: every route', () => {
  let target: Target;
  const planted = new Set<string>();
  const tokens: Record<string, string> = {};
  const ids: string[] = [];
  let routes: Route[] = [];
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    target = await Target.start();
    tokens.admin = ATTACK_ADMIN;
    tokens.source = (
      await target.issueToken({ role: 'source', subject: 'src', municipalities: ['*'], datasets: ['*'] })
    ).token;
    tokens.auditor = (await target.issueToken({ role: 'auditor', subject: 'aud' })).token;
    tokens.recipient = (
      await target.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })
    ).token;
    // A real delivery, so that real ids (and real CPR numbers to look for) exist.
    const body = [...syntheticDelivery({ dataset: 'daycare', records: 20, format: 'xml', seed: 77 })].join(
      '',
    );
    for (const m of body.matchAll(/<Cpr>(\d{10})<\/Cpr>/g)) planted.add(m[1] as string);
    const res = await target.call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-10', {
      method: 'POST',
      token: tokens.source,
      headers: { 'content-type': 'application/xml' },
      body,
    });
    expect(res.status, res.text).toBe(201);
    const d = JSON.parse(res.text) as { id: string; extracts: Array<{ id: string }> };
    ids.push(d.id, ...d.extracts.map((e) => e.id));

    // Routes: the access table and the OpenAPI document, merged, query names from the latter.
    const doc = JSON.parse((await target.call('/openapi.json')).text) as {
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
    };
    const byKey = new Map<string, Route>();
    for (const [key, roles] of Object.entries(ACCESS)) {
      const [method, path] = key.split(' ') as [string, string];
      byKey.set(key, { method, path, query: [], roles });
    }
    for (const [p, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) {
        const path = p.replace(/\{(\w+)\}/g, ':$1');
        const key = `${m.toUpperCase()} ${path}`;
        const r = byKey.get(key) ?? { method: m.toUpperCase(), path, query: [], roles: [] };
        r.query = (op.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name);
        byKey.set(key, r);
      }
    routes = [...byKey.values(), ...OUTSIDE_V1];
  }, 120_000);
  afterAll(async () => {
    console.log(
      `attack routes (seed ${SEED}): ${routes.length} routes; answers ${[...statuses].map(([k, v]) => `${k}×${v}`).join(' ')}; deaths ${target?.deaths.length}`,
    );
    await target?.stop();
  });

  const value = () =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent) },
      { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 20 }).map(pct) },
      { weight: 1, arbitrary: fc.integer().map(String) },
      { weight: 1, arbitrary: fc.double().map((d) => encodeURIComponent(String(d))) },
      { weight: 2, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.constantFrom(...planted) },
    );

  /** A token of a role the route allows (so the attack reaches the handler), or a hostile Authorization. */
  const auth = (r: Route) =>
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .constantFrom(...(r.roles.length ? r.roles : ['admin']))
          .map((role) => `Bearer ${tokens[role]}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          `bearer ${ATTACK_ADMIN}`,
          `Bearer  ${ATTACK_ADMIN}`,
          'Bearer gw_',
          `Bearer gw_${'A'.repeat(4000)}`,
          'Basic YWRtaW46YWRtaW4=',
          `Bearer ${[...planted][0]}`,
        ),
      },
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: 'binary-ascii', maxLength: 80 })
          .map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      },
    );

  const headerValue = fc.oneof(
    fc.constantFrom(
      '',
      '*',
      'W/"x"',
      '"a", W/"b"',
      'bytes=0-',
      'bytes=-1',
      'bytes=5-2',
      'bytes=0-0,5-9',
      'bytes=99999999999999999999-',
      'gzip',
      'gzip, gzip',
      'br',
      'text/csv',
      'application/json; charset=latin1',
      'text/html',
      '__proto__',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'x'.repeat(4000),
    ),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim()),
  );
  const headers = fc.dictionary(
    fc.constantFrom(
      'accept',
      'content-type',
      'content-encoding',
      'range',
      'if-range',
      'if-none-match',
      'if-match',
      'if-modified-since',
      'idempotency-key',
      'x-request-id',
      'cookie',
      'origin',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-client-cert',
      'x-client-verify',
      'accept-encoding',
    ),
    headerValue,
    { maxKeys: 4 },
  );

  const jsonBody = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    {
      weight: 3,
      arbitrary: fc
        .record(
          {
            status: fc.oneof(
              fc.constantFrom('accepted', 'refused', '__proto__'),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            reason: fc.oneof(fc.string(), fc.constantFrom('x'.repeat(100_000))),
            role: fc.oneof(
              fc.constantFrom('source', 'recipient', 'auditor', 'admin'),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            subject: fc.oneof(fc.string(), fc.constantFrom('', 'a\u0000b', 'x'.repeat(100_000))),
            municipalities: fc.oneof(
              fc.array(fc.constantFrom('101', '*', '999', '__proto__', '')),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            datasets: fc.oneof(
              fc.array(fc.constantFrom('daycare', '*', 'x', '__proto__')),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            recipient: fc.oneof(fc.constantFrom('dst', 'flis', 'nobody'), fc.jsonValue({ maxDepth: 1 })),
            expiresAt: fc.oneof(
              fc.constantFrom('2030-01-01T00:00:00Z', '2030-01-01T00:00:00-05:00', 'tomorrow', '9999-99-99'),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            certificate: fc.jsonValue({ maxDepth: 2 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, n]) => {
        const s = JSON.stringify(v) ?? 'null';
        return s.slice(0, n % (s.length + 1));
      }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__": {"role": "admin"}}',
        '{"constructor": {"prototype": {}}}',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        '{"a":1,"a":2}',
        '\u0000',
        '{"status":"accepted"}\u0000',
        '\uFEFF{}',
      ),
    },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=iso-8859-1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '',
  );

  async function attack(
    r: Route,
    path: string,
    h: Record<string, string>,
    body: string | undefined,
  ): Promise<void> {
    const res = await target.call(path, { method: r.method, headers: h, body });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    let broken = answerViolations(res, planted, r.method);
    if (r.html) broken = broken.filter((b) => !b.includes('problem'));
    if (!(await target.ensureUp())) broken.push(`the gateway died: ${target.deaths.at(-1)}`);
    if (broken.length) {
      const shown = { ...h };
      for (const [role, t] of Object.entries(tokens))
        if (shown.authorization?.includes(t))
          shown.authorization = shown.authorization.replace(t, `$${role.toUpperCase()}`);
      await fail(`${r.method} ${r.path}`, broken, await curlRepro(r.method, path, shown, body));
    }
  }

  const fill = (r: Route, values: string[]) => {
    let i = 0;
    return r.path.replace(/:(\w+)/g, () => values[i++ % values.length] ?? 'x');
  };

  it('random JSON bodies and headers to every route: no 5xx, every 4xx a problem, no CPR echoed, no crash', async () => {
    const routeArb = fc.constantFrom(...routes);
    await fc.assert(
      fc.asyncProperty(
        routeArb.chain((r) =>
          fc.record({
            r: fc.constant(r),
            params: fc.array(value(), { minLength: 2, maxLength: 2 }),
            auth: auth(r),
            headers,
            contentType,
            body: jsonBody,
          }),
        ),
        async ({ r, params, auth: a, headers: h, contentType: ct, body }) => {
          // Real ids most of the time in the path, so the body reaches the handler.
          const path = fill(r, params);
          const all: Record<string, string> = { ...h, authorization: a };
          if (ct) all['content-type'] = ct;
          await attack(r, path, all, r.method === 'GET' ? undefined : body);
        },
      ),
      settings(180, 25),
    );
  }, 120_000);

  it('random path and query values to every route: no 5xx, every 4xx a problem, no CPR echoed, no crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes).chain((r) =>
          fc.record({
            r: fc.constant(r),
            params: fc.array(value(), { minLength: 2, maxLength: 2 }),
            auth: auth(r),
            query: fc.array(
              fc.tuple(
                fc.oneof(
                  { weight: 4, arbitrary: fc.constantFrom(...(r.query.length ? r.query : ['limit'])) },
                  {
                    weight: 1,
                    arbitrary: fc.constantFrom('__proto__', 'constructor', '%00', 'a%5B%5D', 'limit[]'),
                  },
                ),
                value(),
              ),
              { maxLength: 4 },
            ),
          }),
        ),
        async ({ r, params, auth: a, query }) => {
          const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
          const path = `${fill(r, params)}${qs ? `?${qs}` : ''}`;
          await attack(r, path, { authorization: a }, r.method === 'GET' ? undefined : '{}');
        },
      ),
      settings(220, 25),
    );
  }, 120_000);

  it('afterwards the gateway is up, /health is 200 and the audit chain is valid', async () => {
    expect(target.deaths).toEqual([]);
    expect(target.alive()).toBe(true);
    expect((await target.call('/health')).status).toBe(200);
    const verify = await target.call('/v1/audit/verify', { token: ATTACK_ADMIN });
    expect(verify.status).toBe(200);
    expect(JSON.parse(verify.text)).toMatchObject({ valid: true });
  });
});
