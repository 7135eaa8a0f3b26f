import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type Principal, principalOfTokenHash, resolvePrincipal } from './auth';
import type { Services } from './services';

/**
 * Dashboard sign-in sessions. The browser holds an opaque random id in an HttpOnly,
 * SameSite=Strict cookie (Secure when the client's connection is HTTPS); the gateway keeps the
 * id's sha256 with the hash of the token that opened it. A session ends at its expiry, on
 * sign-out, and as soon as its token is revoked or expires.
 */
export const SESSION_COOKIE = 'gw_session';
export const SESSION_SECONDS = 8 * 3600;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const idHash = (id: string) => createHash('sha256').update(id).digest('hex');
const nowOf = (services: Services) => services.now?.() ?? new Date();

/** Whether the client's own connection is HTTPS (directly, or as a trusted proxy says). */
export function clientUsesHttps(services: Services, c: Context): boolean {
  const protocol = services.clientProtocol?.(c.env);
  return (protocol ?? new URL(c.req.url).protocol.replace(':', '')) === 'https';
}

/** Opens a session for a token's text; null (and no session) for a token that signs nobody in. */
export async function openSession(services: Services, c: Context, token: string): Promise<Principal | null> {
  const principal = await resolvePrincipal(services, token);
  if (!principal) return null;
  const id = randomBytes(32).toString('base64url');
  const now = nowOf(services);
  await services.metadata.createSession(idHash(id), {
    tokenHash: services.hashToken(token),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_SECONDS * 1000).toISOString(),
  });
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: clientUsesHttps(services, c),
    maxAge: SESSION_SECONDS,
  });
  return principal;
}

/** The principal of the request's session; a session whose token no longer signs in is ended. */
export async function sessionPrincipal(services: Services, c: Context): Promise<Principal | null> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id || !SESSION_ID.test(id)) return null;
  const hash = idHash(id);
  const session = await services.metadata.findSession(hash, nowOf(services).toISOString());
  if (!session) return null;
  const principal = await principalOfTokenHash(services, session.tokenHash);
  if (!principal) await services.metadata.endSession(hash);
  return principal;
}

/** Ends the request's session on the server and clears the cookie. */
export async function endSession(services: Services, c: Context): Promise<void> {
  const id = getCookie(c, SESSION_COOKIE);
  if (id && SESSION_ID.test(id)) await services.metadata.endSession(idHash(id));
  deleteCookie(c, SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: clientUsesHttps(services, c),
  });
}
