import type { Role } from '../core/vocabulary';

/** Who is calling: the token (or certificate binding, or dashboard session) a request signed in with. */
export interface Principal {
  tokenId: string;
  role: Role;
  subject: string;
  recipient: string | null;
  municipalities: string[];
  datasets: string[];
}

/** What the gateway knows of a verified client certificate. */
export interface ClientCertificate {
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** Distinguished name, one attribute a line or comma-separated. */
  subject: string;
}

/** How the audit log names a principal: subject and token id. */
export function actorOf(p: Principal): string {
  return `${p.subject} (${p.tokenId})`;
}

/** Whether a list scope covers a value; '*' covers every value. */
export function inScope(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
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
