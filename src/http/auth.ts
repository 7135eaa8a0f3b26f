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

/** Resolves the bearer token to a principal; 401 for a missing, unknown, revoked or expired token. */
export function bearerAuth(services: Services) {
  return createMiddleware<{ Variables: AuthVariables }>(async function bearerAuth(c, next) {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})$/.exec(header);
    if (!m?.[1]) throw new GatewayError('unauthenticated', 'send Authorization: Bearer <token>');
    const hash = services.hashToken(m[1]);
    if (services.adminTokenHash && sameHash(hash, services.adminTokenHash)) {
      c.set('principal', {
        tokenId: 'tok_configured_admin',
        role: 'admin',
        subject: 'admin',
        recipient: null,
        municipalities: [],
        datasets: [],
      });
      return next();
    }
    const token = await services.metadata.findTokenByHash(hash);
    const now = (services.now?.() ?? new Date()).toISOString();
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now))
      throw new GatewayError('unauthenticated', 'the token is unknown, revoked or expired');
    services.metadata.touchToken(token.id, now).catch(() => {});
    c.set('principal', {
      tokenId: token.id,
      role: token.role,
      subject: token.subject,
      recipient: token.recipient,
      municipalities: token.municipalities,
      datasets: token.datasets,
    });
    return next();
  });
}

/** Lets only the named roles through; others get 403. */
export function allow(...roles: Role[]) {
  return createMiddleware<{ Variables: AuthVariables }>(async function allow(c, next) {
    const p = c.get('principal');
    if (!roles.includes(p.role)) throw new GatewayError('forbidden', `a ${p.role} token may not do this`);
    return next();
  });
}

/** Whether a list scope covers a value; '*' covers every value. */
export function inScope(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}
