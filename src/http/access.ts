import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../core/errors';
import { ROLES, type Role } from '../core/vocabulary';
import type { AuthVariables } from './auth';

/** Delivery metadata and validation reports: never payloads, so the read-only municipality role too. */
const READERS: readonly Role[] = ['source', 'municipality', 'auditor', 'admin'];
const EVERYONE: readonly Role[] = ROLES;

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
  'GET /v1/audit': ['auditor', 'admin'],
  'GET /v1/audit/verify': ['auditor', 'admin'],
  'GET /v1/audit/export': ['auditor', 'admin'],
  'GET /v1/admin/tokens': ['admin'],
  'POST /v1/admin/tokens': ['admin'],
  'DELETE /v1/admin/tokens/:id': ['admin'],
  'GET /v1/datasets': EVERYONE,
  'GET /v1/datasets/:id': EVERYONE,
  'GET /v1/datasets/:id/profiles': EVERYONE,
  'GET /v1/datasets/:id/profiles/:recipient/versions': EVERYONE,
  'POST /v1/datasets/:id/profiles/:recipient/preview': ['admin'],
  'GET /v1/status': EVERYONE,
  'GET /v1/obligations': EVERYONE,
  // Counts of what the gateway holds, for Prometheus: no personal data, but not for every token.
  'GET /metrics': ['auditor', 'admin'],
};

/** Applies ACCESS to the route a request matched; runs after authentication (`authenticated`). */
export function authorize() {
  return createMiddleware<{ Variables: AuthVariables }>(async function authorize(c, next) {
    const route = c.req.matchedRoutes.findLast((r) => r.method !== 'ALL');
    // No route matched: let the not-found answer say so.
    if (!route) return next();
    const key = `${route.method} ${route.path}`;
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
