import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../core/errors';
import { ROLES, type Role } from '../core/vocabulary';
import type { AuthVariables } from './auth';

/** Delivery metadata and validation reports: never payloads, so the read-only municipality role too. */
const READERS: readonly Role[] = ['source', 'municipality', 'auditor', 'admin'];
const EVERYONE: readonly Role[] = ROLES;

/** The published schemas and examples of a dataset (routes/published.ts). */
export const PUBLISHED_FILES = [
  'schema.xsd',
  'schema.json',
  'schema.csv',
  'example.xml',
  'example.csv',
  'example.ndjson',
] as const;

/**
 * The routes answered without a token: a dataset's published schemas and examples, made from
 * its definition and the same for everyone. Nothing else under /v1 is; the route × role test
 * walks both lists.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(
  PUBLISHED_FILES.map((f) => `GET /v1/datasets/:id/${f}`),
);

/** The route a request matched, as the access table names it (`GET /v1/datasets/:id`). */
function routeKey(c: Context): string | null {
  const route = c.req.matchedRoutes.findLast((r) => r.method !== 'ALL');
  return route ? `${route.method} ${route.path}` : null;
}

/** Runs a guard (authentication, the per-token rate limit, the access table) unless the route is public. */
export function unlessPublic(guard: MiddlewareHandler): MiddlewareHandler {
  return async function guardUnlessPublic(c, next) {
    const key = routeKey(c);
    if (key !== null && PUBLIC_ROUTES.has(key)) return next();
    return guard(c, next);
  };
}

/**
 * Who may call which route: every /v1 route and /metrics, in one place. A route missing here is refused
 * for everyone (and the route × role test fails), so no route is ever open by accident.
 * Which objects a permitted caller sees (its own deliveries, its recipient's extracts) is
 * decided by the route itself, answering 404 for another party's object.
 */
export const ACCESS: Readonly<Record<string, readonly Role[]>> = {
  'POST /v1/deliveries': ['source'],
  'GET /v1/deliveries': READERS,
  'GET /v1/deliveries/:id': READERS,
  'GET /v1/deliveries/:id/report': READERS,
  'GET /v1/extracts': ['recipient', 'auditor', 'admin'],
  'GET /v1/extracts/:id': ['recipient', 'auditor', 'admin'],
  // Payloads and acknowledgements are the recipient's alone: auditors and admins never read content.
  'GET /v1/extracts/:id/content': ['recipient'],
  'POST /v1/extracts/:id/receipts': ['recipient'],
  'POST /v1/extracts/:id/push': ['admin'],
  'POST /v1/admin/receipt-keys/rotate': ['admin'],
  // Webhooks: each token its own subscriptions (the route answers 404 for another's); an admin all.
  'POST /v1/subscriptions': ['source', 'recipient', 'admin'],
  'GET /v1/subscriptions': ['source', 'recipient', 'admin'],
  'GET /v1/subscriptions/:id': ['source', 'recipient', 'admin'],
  'DELETE /v1/subscriptions/:id': ['source', 'recipient', 'admin'],
  'GET /v1/subscriptions/:id/messages': ['source', 'recipient', 'admin'],
  'POST /v1/subscriptions/:id/messages/:message/retry': ['admin'],
  'GET /v1/audit': ['auditor', 'admin'],
  'GET /v1/audit/verify': ['auditor', 'admin'],
  'GET /v1/audit/export': ['auditor', 'admin'],
  'GET /v1/audit/checkpoints': ['auditor', 'admin'],
  'POST /v1/audit/checkpoints': ['admin'],
  'GET /v1/processing-register': ['auditor', 'admin'],
  'GET /v1/admin/tokens': ['admin'],
  'POST /v1/admin/tokens': ['admin'],
  'DELETE /v1/admin/tokens/:id': ['admin'],
  'GET /v1/datasets': EVERYONE,
  'GET /v1/datasets/:id': EVERYONE,
  'GET /v1/datasets/:id/profiles': EVERYONE,
  'GET /v1/datasets/:id/profiles/:recipient/versions': EVERYONE,
  'POST /v1/datasets/:id/profiles/:recipient/preview': ['admin'],
  'GET /v1/datasets/:id/dictionary': EVERYONE,
  // What a recipient receives: its own profile's only (the route answers 404 for another's).
  'GET /v1/datasets/:id/profiles/:recipient/schema.xsd': ['recipient', 'auditor', 'admin'],
  'GET /v1/datasets/:id/profiles/:recipient/schema.json': ['recipient', 'auditor', 'admin'],
  'GET /v1/datasets/:id/profiles/:recipient/schema.csv': ['recipient', 'auditor', 'admin'],
  // Public: answered with no token at all (PUBLIC_ROUTES); every role may call them too.
  ...Object.fromEntries(PUBLISHED_FILES.map((f) => [`GET /v1/datasets/:id/${f}`, EVERYONE])),
  // Re-validation reads stored originals: only an admin starts it; its counts hold no values.
  'POST /v1/datasets/:id/revalidate': ['admin'],
  'GET /v1/datasets/:id/revalidations': ['auditor', 'admin'],
  'GET /v1/datasets/:id/revalidations/:runId': ['auditor', 'admin'],
  // The monthly runs: national counts for every role; a municipality's report for those who
  // may see that municipality (the route answers 404 for another's; a recipient reads none).
  'GET /v1/runs': EVERYONE,
  'GET /v1/runs/:id': EVERYONE,
  'GET /v1/runs/:id/summary': EVERYONE,
  'GET /v1/runs/:id/municipalities/:code': READERS,
  'POST /v1/runs': ['admin'],
  // Counts per slot, never values: each role within its scope (auth/visibility: statusScope, as for the status).
  'GET /v1/quality': EVERYONE,
  // A governance figure for the municipalities (each its own) and the nation, not for the systems that deliver or receive.
  'GET /v1/reports/consolidation': ['municipality', 'auditor', 'admin'],
  'GET /v1/status': EVERYONE,
  'GET /v1/obligations': EVERYONE,
  // Counts of what the gateway holds, for Prometheus: no personal data, but not for every token.
  'GET /metrics': ['auditor', 'admin'],
};

/** Applies ACCESS to the route a request matched; runs after authentication (`authenticated`). */
export function authorize() {
  return createMiddleware<{ Variables: AuthVariables }>(async function authorize(c, next) {
    const key = routeKey(c);
    // No route matched: let the not-found answer say so.
    if (key === null) return next();
    const roles = ACCESS[key];
    const p = c.get('principal');
    if (!roles) throw new GatewayError('forbidden', `no access rule for ${key}`);
    if (!roles.includes(p.role))
      throw new GatewayError(
        'forbidden',
        `${/^[aeiou]/.test(p.role) ? 'an' : 'a'} ${p.role} token may not do this`,
      );
    return next();
  });
}
