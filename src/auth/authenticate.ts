import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { GatewayError } from '../core/errors';
import type { ClientCertificate, Principal } from './principal';
import { type AuthServices, principalOfCertificate, principalOfToken } from './principals';
import { RateLimiter } from './rate-limiter';
import { SESSION_COOKIE, sessionPrincipal } from './sessions';

/** What a request presents to say who it is. */
export type Credential =
  | { kind: 'token'; text: string }
  | { kind: 'certificate'; certificate: ClientCertificate }
  | { kind: 'session'; id: string };

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110 11.1). */
export function bearerToken(authorization: string | undefined): string | null {
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return m?.[1] ?? null;
}

/** The address a request came from, as the runtime knows it; every unknown address counts as one. */
export function clientAddressOf(services: AuthServices, c: Context): string {
  return services.clientAddress?.(c.env) ?? 'unknown';
}

/**
 * What an API request (/v1, /metrics) presents: its bearer token, or without an Authorization
 * header the client certificate the TLS layer verified. Null when it presents neither, or an
 * Authorization header of another scheme.
 */
export function apiCredential(services: AuthServices, c: Context): Credential | null {
  const authorization = c.req.header('authorization');
  if (authorization === undefined) {
    const certificate = services.clientCertificate?.(c.env) ?? null;
    return certificate ? { kind: 'certificate', certificate } : null;
  }
  const text = bearerToken(authorization);
  return text === null ? null : { kind: 'token', text };
}

/** What a dashboard page request presents: its session cookie, if any. */
export function sessionCredential(c: Context): Credential | null {
  const id = getCookie(c, SESSION_COOKIE);
  return id === undefined ? null : { kind: 'session', id };
}

const failureLimiters = new WeakMap<AuthServices, RateLimiter | null>();

function failureLimiter(services: AuthServices): RateLimiter | null {
  let limiter = failureLimiters.get(services);
  if (limiter === undefined) {
    const perMinute = services.limits.authFailuresPerMinute ?? 30;
    limiter = perMinute > 0 ? new RateLimiter(perMinute, services.now) : null;
    failureLimiters.set(services, limiter);
  }
  return limiter;
}

/** Throws 429 when the address has failed to sign in too often this minute. */
function refuseWhenFailingTooOften(limiter: RateLimiter | null, address: string): void {
  if (!limiter || limiter.count(address) < limiter.perMinute) return;
  const wait = limiter.hit(address);
  throw new GatewayError(
    'rate_limited',
    `too many failed sign-ins from this address; try again in ${wait} s`,
    {
      retryAfter: wait,
    },
  );
}

/**
 * Who is calling, the one way every door of the gateway asks it: the API (/v1, /metrics) with
 * a bearer token or client certificate, the dashboard's sign-in form with a token, the
 * dashboard's pages with a session.
 *
 * Failed sign-ins are counted per client address, one count for every way in: an address that
 * keeps failing is refused (429) for the rest of the minute, so tokens cannot be guessed at
 * speed through any of them. A session id is 256 random bits and expires on its own: a stale
 * cookie is not counted as a failure, and a signed-in browser is not held back by its
 * address's failures.
 *
 * Throws 401 for no credential, or one that signs nobody in (unknown, revoked or expired).
 */
export async function authenticate(
  services: AuthServices,
  address: string,
  credential: Credential | null,
): Promise<Principal> {
  if (credential?.kind === 'session') {
    const principal = await sessionPrincipal(services, credential.id);
    if (!principal) throw new GatewayError('unauthenticated', 'the session has ended; sign in again');
    return principal;
  }
  const limiter = failureLimiter(services);
  refuseWhenFailingTooOften(limiter, address);
  if (!credential)
    throw new GatewayError('unauthenticated', 'send Authorization: Bearer <token>, or a client certificate');
  const principal =
    credential.kind === 'certificate'
      ? await principalOfCertificate(services, credential.certificate)
      : await principalOfToken(services, credential.text);
  if (principal) return principal;
  limiter?.hit(address);
  throw new GatewayError(
    'unauthenticated',
    credential.kind === 'certificate'
      ? 'the client certificate is bound to no active principal'
      : 'the token is unknown, revoked or expired',
  );
}
