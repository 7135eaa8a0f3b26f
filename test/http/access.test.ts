import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, PUBLIC_ROUTES } from '../../src/http/access';
import type { Role } from '../../src/stores/metadata-store';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway } from '../support/harness';

const ROLES: Role[] = ['source', 'recipient', 'municipality', 'auditor', 'admin'];

/** The query a route needs to get past validation, so the role's answer is the route's own. */
const QUERIES: Record<string, string> = {
  '/v1/quality': '?dataset=daycare&from=2026-10&to=2026-10',
  '/v1/reports/consolidation': '?from=2026-10&to=2026-10',
};

/** A concrete URL for a route pattern: well-formed ids that name nothing. */
function sample(path: string): string {
  return `${samplePath(path)}${QUERIES[path] ?? ''}`;
}

function samplePath(path: string): string {
  return path
    .replace(':recipient', 'dst')
    .replace(':code', '101')
    .replace(/\/v1\/runs\/:id/, '/v1/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    .replace(':runId', 'rvl_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    .replace(/\/v1\/deliveries\/:id/, '/v1/deliveries/dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    .replace(/\/v1\/extracts\/:id/, '/v1/extracts/ext_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    .replace(/\/v1\/datasets\/:id/, '/v1/datasets/daycare')
    .replace(/:id/, 'tok_01ARZ3NDEKTSV4RRFFQ69G5FAV');
}

describe('every /v1 route and /metrics × every role', () => {
  let gw: MemoryGateway;
  const tokens = {} as Record<Role, string>;
  let routes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    gw = await startMemoryGateway();
    tokens.source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    tokens.recipient = (await gw.issueToken({ role: 'recipient', subject: 'r', recipient: 'dst' })).token;
    tokens.municipality = (
      await gw.issueToken({ role: 'municipality', subject: 'm', municipalities: ['101'] })
    ).token;
    tokens.auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    tokens.admin = ADMIN_TOKEN;
    routes = gw.app.routes.filter(
      (r) => r.method !== 'ALL' && (r.path.startsWith('/v1/') || r.path === '/metrics'),
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('has an access rule for every route, and no rule for a route that does not exist', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys.length).toBeGreaterThan(15);
    for (const key of keys) expect(ACCESS, `no access rule for ${key}`).toHaveProperty([key]);
    for (const rule of Object.keys(ACCESS))
      expect(keys, `a rule for a route that does not exist: ${rule}`).toContain(rule);
  });

  it('opens exactly the published schemas and examples to callers without a token', () => {
    expect([...PUBLIC_ROUTES].sort()).toEqual(
      ['schema.xsd', 'schema.json', 'schema.csv', 'example.xml', 'example.csv', 'example.ndjson']
        .map((f) => `GET /v1/datasets/:id/${f}`)
        .sort(),
    );
    // Every public route is a route, open to every role as well.
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const key of PUBLIC_ROUTES) {
      expect(keys).toContain(key);
      expect(ACCESS[key]).toEqual(ROLES);
    }
  });

  it('answers a method a known path does not take with 405 and the methods it does take in Allow', async () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of routes) byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method));
    for (const [path, methods] of byPath) {
      const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].sort();
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !allow.includes(m))) {
        const res = await gw.request(sample(path), { method, token: tokens.admin });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')?.split(/,\s*/).sort(), `${method} ${path}`).toEqual(allow);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });

  it('lets each role through exactly where its rule says, and refuses the rest with 403', async () => {
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      const allowed = ACCESS[key] ?? [];
      for (const role of ROLES) {
        const res = await gw.request(sample(r.path), {
          method: r.method,
          token: tokens[role],
          headers: { 'content-type': 'application/json' },
          body: r.method === 'GET' ? undefined : '{}',
        });
        if (allowed.includes(role)) expect(res.status, `${role} ${key}`).not.toBe(403);
        else expect(res.status, `${role} ${key}`).toBe(403);
        expect(res.status, `${role} ${key}`).not.toBe(401);
        expect(res.status, `${role} ${key}`).toBeLessThan(500);
      }
      // And without a token, nothing but 401, except the public routes, which answer as for a token.
      const anonymous = await gw.request(sample(r.path), { method: r.method });
      if (PUBLIC_ROUTES.has(key)) expect(anonymous.status, `anonymous ${key}`).toBe(200);
      else expect(anonymous.status, `anonymous ${key}`).toBe(401);
    }
  });
});
