import { timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../core/errors';
import type { DeliveryFilter, DeliveryRecord, Role, TokenRecord } from '../stores/metadata-store';
import { RateLimiter } from './limits';
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

/** What the gateway knows of a verified client certificate. */
export interface ClientCertificate {
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** Distinguished name, one attribute a line or comma-separated. */
  subject: string;
}

const normaliseSubject = (s: string) =>
  s
    .split(/\n|,(?=\s*[A-Za-z.0-9]+=)/)
    .map((p) => p.trim())
    .filter(Boolean)
    .join(', ');
const normaliseFingerprint = (f: string) =>
  f
    .replace(/:/g, '')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

/** The text a certificate-bound principal is stored under (hashed like a token). */
export function certificateIdentity(c: { fingerprint256?: string; subject?: string }): string {
  return c.fingerprint256
    ? `x509:sha256:${normaliseFingerprint(c.fingerprint256)}`
    : `x509:subject:${normaliseSubject(c.subject ?? '')}`;
}

async function principalOf(services: Services, hash: string): Promise<Principal | null> {
  const token = await services.metadata.findTokenByHash(hash);
  return token ? live(services, token) : null;
}

const CONFIGURED_ADMIN: Principal = {
  tokenId: 'tok_configured_admin',
  role: 'admin',
  subject: 'admin',
  recipient: null,
  municipalities: [],
  datasets: [],
};

/** The principal of a stored token hash (a dashboard session's), or null once it is revoked or expired. */
export async function principalOfTokenHash(services: Services, hash: string): Promise<Principal | null> {
  if (services.adminTokenHash && sameHash(hash, services.adminTokenHash)) return { ...CONFIGURED_ADMIN };
  return principalOf(services, hash);
}

function live(services: Services, token: TokenRecord): Principal | null {
  const now = services.now?.() ?? new Date();
  // Compared as instants, never as text.
  if (token.revokedAt || (token.expiresAt && Date.parse(token.expiresAt) <= now.getTime())) return null;
  services.metadata.touchToken(token.id, now.toISOString()).catch(() => {});
  return {
    tokenId: token.id,
    role: token.role,
    subject: token.subject,
    recipient: token.recipient,
    municipalities: token.municipalities,
    datasets: token.datasets,
  };
}

/** The principal a verified client certificate is bound to: by fingerprint, else by subject. */
export async function principalOfCertificate(
  services: Services,
  cert: ClientCertificate,
): Promise<Principal | null> {
  return (
    (await principalOf(
      services,
      services.hashToken(certificateIdentity({ fingerprint256: cert.fingerprint256 })),
    )) ?? (await principalOf(services, services.hashToken(certificateIdentity({ subject: cert.subject }))))
  );
}

/** The principal a token's text names, or null for an unknown, revoked or expired token. */
export async function resolvePrincipal(services: Services, text: string): Promise<Principal | null> {
  if (!TOKEN_TEXT.test(text)) return null;
  const hash = services.hashToken(text);
  if (services.adminTokenHash && sameHash(hash, services.adminTokenHash)) return { ...CONFIGURED_ADMIN };
  let token = await services.metadata.findTokenByHash(hash);
  if (!token && services.legacyHashToken) {
    // Stored by an earlier version as a plain sha256: found once that way, then kept keyed.
    const legacy = services.legacyHashToken(text);
    token = await services.metadata.findTokenByHash(legacy);
    if (token) await services.metadata.replaceTokenHash(token.id, legacy, hash);
  }
  return token ? live(services, token) : null;
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110 11.1). */
export function bearerToken(authorization: string | undefined): string | null {
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return m?.[1] ?? null;
}

const failureLimiters = new WeakMap<Services, RateLimiter | null>();

/**
 * Failed sign-ins per client address, one count for every way in (/v1, the dashboard's
 * /session, /metrics): an address that keeps failing is refused (429) for the rest of the
 * minute, so tokens cannot be guessed at speed through any of them.
 */
export function signInLimit(services: Services) {
  let failures = failureLimiters.get(services);
  if (failures === undefined) {
    const perMinute = services.limits.authFailuresPerMinute ?? 30;
    failures = perMinute > 0 ? new RateLimiter(perMinute) : null;
    failureLimiters.set(services, failures);
  }
  const limiter = failures;
  return {
    /** Throws 429 when the address has failed too often this minute. */
    check(address: string): void {
      if (!limiter || limiter.count(address) < limiter.perMinute) return;
      const wait = limiter.hit(address);
      throw new GatewayError(
        'rate_limited',
        `too many failed sign-ins from this address; try again in ${wait} s`,
        {
          retryAfter: wait,
        },
      );
    },
    failed(address: string): void {
      limiter?.hit(address);
    },
  };
}

/**
 * Resolves the bearer token to a principal; 401 for a missing, unknown, revoked or expired
 * token. An address that keeps failing is refused (429) for the rest of the minute, so tokens
 * cannot be guessed at speed.
 */
export function bearerAuth(services: Services) {
  const failures = signInLimit(services);
  return createMiddleware<{ Variables: AuthVariables }>(async function bearerAuth(c, next) {
    const address = services.clientAddress?.(c.env) ?? 'unknown';
    failures.check(address);
    const authorization = c.req.header('authorization');
    const cert = authorization ? null : (services.clientCertificate?.(c.env) ?? null);
    if (cert) {
      // An organisation certificate the TLS layer (or a trusted proxy) has verified.
      const principal = await principalOfCertificate(services, cert);
      if (!principal) {
        failures.failed(address);
        throw new GatewayError('unauthenticated', 'the client certificate is bound to no active principal');
      }
      c.set('principal', principal);
      return next();
    }
    const text = bearerToken(authorization);
    if (!text)
      throw new GatewayError(
        'unauthenticated',
        'send Authorization: Bearer <token>, or a client certificate',
      );
    const principal = await resolvePrincipal(services, text);
    if (!principal) {
      failures.failed(address);
      throw new GatewayError('unauthenticated', 'the token is unknown, revoked or expired');
    }
    c.set('principal', principal);
    return next();
  });
}

/** Whether a list scope covers a value; '*' covers every value. */
export function inScope(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

/** The part of a delivery listing a principal's current scope decides. */
export type DeliveryScope = Pick<DeliveryFilter, 'source' | 'municipalities' | 'datasets'>;

/**
 * The deliveries a principal may read, from the token's scope as it is now: auditors and admins
 * all; a source those it sent, and of those only the municipalities and datasets its token
 * still names; anyone else none (null).
 */
export function deliveryScope(p: Principal): DeliveryScope | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role !== 'source') return null;
  return {
    source: p.subject,
    ...(p.municipalities.includes('*') ? {} : { municipalities: p.municipalities }),
    ...(p.datasets.includes('*') ? {} : { datasets: p.datasets }),
  };
}

/** Whether a principal may read one delivery: the same rule as deliveryScope. */
export function mayReadDelivery(
  p: Principal,
  d: Pick<DeliveryRecord, 'source' | 'municipality' | 'dataset'>,
) {
  const scope = deliveryScope(p);
  if (!scope) return false;
  return (
    (scope.source === undefined || d.source === scope.source) &&
    (scope.municipalities === undefined || scope.municipalities.includes(d.municipality)) &&
    (scope.datasets === undefined || scope.datasets.includes(d.dataset))
  );
}
