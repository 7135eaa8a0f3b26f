import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock';
import type { MetadataStore } from '../stores/metadata-store';
import type { Principal } from './principal';
import { type AuthServices, principalOfTokenHash } from './principals';

/**
 * Dashboard sign-in sessions. The browser holds an opaque random id (in the cookie below); the
 * gateway keeps the id's sha256 with the hash of the token that opened it. A session ends at
 * its expiry, on sign-out, and as soon as its token is revoked or expires.
 */
export const SESSION_COOKIE = 'gw_session';
export const SESSION_SECONDS = 8 * 3600;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const idHash = (id: string) => createHash('sha256').update(id).digest('hex');
const nowOf = (services: { now: Clock }) => services.now();

/** Opens a session for a signed-in token's text; the new session's id, for the browser alone. */
export async function openSession(services: AuthServices, token: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const now = nowOf(services);
  await services.metadata.createSession(idHash(id), {
    tokenHash: services.hashToken(token),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_SECONDS * 1000).toISOString(),
  });
  return id;
}

/** The principal of a session id; a session whose token no longer signs in is ended. */
export async function sessionPrincipal(services: AuthServices, id: string): Promise<Principal | null> {
  if (!SESSION_ID.test(id)) return null;
  const hash = idHash(id);
  const session = await services.metadata.findSession(hash, nowOf(services).toISOString());
  if (!session) return null;
  const principal = await principalOfTokenHash(services, session.tokenHash);
  if (!principal) await services.metadata.endSession(hash);
  return principal;
}

/** Ends a session on the server. */
export async function endSession(services: { metadata: MetadataStore }, id: string): Promise<void> {
  if (SESSION_ID.test(id)) await services.metadata.endSession(idHash(id));
}
