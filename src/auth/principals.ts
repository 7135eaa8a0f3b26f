import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock';
import type { MetadataStore, TokenRecord } from '../stores/metadata-store';
import { type ClientCertificate, certificateIdentity, type Principal } from './principal';

/** What signing a caller in needs; the HTTP app's services and the dashboard's hold it. */
export interface AuthServices {
  metadata: MetadataStore;
  /** The keyed hash (hex) of a presented token's text, as stored. */
  hashToken(token: string): string;
  /** The unkeyed sha256 earlier versions stored: such a token is re-hashed on first use. */
  legacyHashToken?(token: string): string;
  /** An admin token accepted from start (deployments, tests), by its hash. */
  adminTokenHash: string | null;
  limits: {
    /** Failed authentications a minute from one address before it is refused for the rest of the minute. */
    authFailuresPerMinute?: number;
  };
  /** The client certificate the TLS layer or a trusted proxy verified, if any. */
  clientCertificate?(raw: unknown): ClientCertificate | null;
  /** The address a request came from, as the runtime knows it. */
  clientAddress?(raw: unknown): string | undefined;
  now: Clock;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const TOKEN_TEXT = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/** The configured admin token (GATEWAY_ADMIN_TOKEN) as a principal: no token record stands behind it. */
export const CONFIGURED_ADMIN: Principal = {
  tokenId: 'tok_configured_admin',
  role: 'admin',
  subject: 'admin',
  recipient: null,
  municipalities: [],
  datasets: [],
};

function live(services: AuthServices, token: TokenRecord): Principal | null {
  const now = services.now();
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

async function principalOf(services: AuthServices, hash: string): Promise<Principal | null> {
  const token = await services.metadata.findTokenByHash(hash);
  return token ? live(services, token) : null;
}

/** The principal of a stored token hash (a dashboard session's), or null once it is revoked or expired. */
export async function principalOfTokenHash(services: AuthServices, hash: string): Promise<Principal | null> {
  if (services.adminTokenHash && sameHash(hash, services.adminTokenHash)) return { ...CONFIGURED_ADMIN };
  return principalOf(services, hash);
}

/** The principal a verified client certificate is bound to: by fingerprint, else by subject. */
export async function principalOfCertificate(
  services: AuthServices,
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
export async function principalOfToken(services: AuthServices, text: string): Promise<Principal | null> {
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
