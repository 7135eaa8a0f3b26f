import { timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../core/errors';
import type { Role } from '../stores/metadata-store';
import type { Services } from './services';

export interface Principal {
  tokenId: string;
  role: Role;
  subject: string;
  recipient: string | null;
  municipalities: string[];
  datasets: string[];
}

export type AuthVariables = { principal: Principal };

/** How the audit log names a principal: subject and token id. */
export function actorOf(p: Principal): string {
  return `${p.subject} (${p.tokenId})`;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const TOKEN_TEXT = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/** The principal a token's text names, or null for an unknown, revoked or expired token. */
export async function resolvePrincipal(services: Services, text: string): Promise<Principal | null> {
  if (!TOKEN_TEXT.test(text)) return null;
  const hash = services.hashToken(text);
  if (services.adminTokenHash && sameHash(hash, services.adminTokenHash)) {
    return {
      tokenId: 'tok_configured_admin',
      role: 'admin',
      subject: 'admin',
      recipient: null,
      municipalities: [],
      datasets: [],
    };
  }
  let token = await services.metadata.findTokenByHash(hash);
  if (!token && services.legacyHashToken) {
    // Stored by an earlier version as a plain sha256: found once that way, then kept keyed.
    const legacy = services.legacyHashToken(text);
    token = await services.metadata.findTokenByHash(legacy);
    if (token) await services.metadata.replaceTokenHash(token.id, legacy, hash);
  }
  const now = (services.now?.() ?? new Date()).toISOString();
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
  services.metadata.touchToken(token.id, now).catch(() => {});
  return {
    tokenId: token.id,
    role: token.role,
    subject: token.subject,
    recipient: token.recipient,
    municipalities: token.municipalities,
    datasets: token.datasets,
  };
}

/** Resolves the bearer token to a principal; 401 for a missing, unknown, revoked or expired token. */
export function bearerAuth(services: Services) {
  return createMiddleware<{ Variables: AuthVariables }>(async function bearerAuth(c, next) {
    const m = /^Bearer\s+(\S+)$/.exec(c.req.header('authorization') ?? '');
    if (!m?.[1]) throw new GatewayError('unauthenticated', 'send Authorization: Bearer <token>');
    const principal = await resolvePrincipal(services, m[1]);
    if (!principal) throw new GatewayError('unauthenticated', 'the token is unknown, revoked or expired');
    c.set('principal', principal);
    return next();
  });
}

/** Whether a list scope covers a value; '*' covers every value. */
export function inScope(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}
