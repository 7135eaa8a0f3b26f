import { createMiddleware } from 'hono/factory';
import { apiCredential, authenticate, clientAddressOf } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import type { Services } from './services';

export type AuthVariables = { principal: Principal };

/**
 * Signs an API request in (bearer token or client certificate) and keeps its principal for
 * the routes; 401 for no credential or one that signs nobody in, 429 for an address that keeps
 * failing. Which roles may call the route is decided after, by the access table.
 */
export function authenticated(services: Services) {
  return createMiddleware<{ Variables: AuthVariables }>(async function authenticated(c, next) {
    c.set(
      'principal',
      await authenticate(services, clientAddressOf(services, c), apiCredential(services, c)),
    );
    return next();
  });
}
