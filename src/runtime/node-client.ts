/**
 * Who the client is on Node: its address, verified certificate and protocol, from the socket
 * or from a trusted proxy's headers. The Workers adapter has its own (worker-env.ts).
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ClientCertificate } from '../auth/principal';
import type { Clock } from '../core/clock';
import type { ClientAdapter } from './compose';

const incomingOf = (env: unknown) => (env as { incoming?: IncomingMessage } | undefined)?.incoming;
const peerOf = (incoming: IncomingMessage | undefined) =>
  incoming?.socket?.remoteAddress?.replace(/^::ffff:/, '');

/** The Node adapter: what the socket says, or what a proxy in `trusted` says for the client. */
export function nodeClient(trusted: readonly string[], now: Clock): ClientAdapter {
  return {
    clientAddress: nodeClientAddress(trusted),
    clientCertificate: nodeClientCertificate(trusted, now),
    clientProtocol: nodeClientProtocol(trusted),
  };
}

/**
 * The client's address on Node: the socket's peer, or, when that peer is a trusted proxy,
 * the last address the proxy added to X-Forwarded-For.
 */
export function nodeClientAddress(trusted: readonly string[]) {
  return (env: unknown): string | undefined => {
    const incoming = incomingOf(env);
    const peer = peerOf(incoming);
    if (!peer || !trusted.includes(peer)) return peer;
    const forwarded = String(incoming?.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return forwarded[forwarded.length - 1] ?? peer;
  };
}

/**
 * The protocol of the client's connection on Node: https when this server terminates TLS; from
 * a trusted proxy, what its X-Forwarded-Proto says (the first hop's, the client's own).
 */
export function nodeClientProtocol(trusted: readonly string[]) {
  return (env: unknown): 'http' | 'https' | undefined => {
    const incoming = incomingOf(env);
    if (!incoming) return undefined;
    if ((incoming.socket as { encrypted?: boolean } | undefined)?.encrypted) return 'https';
    const peer = peerOf(incoming);
    const forwarded = incoming.headers['x-forwarded-proto'];
    if (peer && trusted.includes(peer) && typeof forwarded === 'string') {
      const first = forwarded.split(',')[0]?.trim().toLowerCase();
      if (first === 'https' || first === 'http') return first;
    }
    return 'http';
  };
}

/**
 * The verified client certificate on Node: the TLS peer's when this server terminates TLS and
 * the certificate chains to TLS_CLIENT_CA; or, from a trusted proxy that terminated TLS, the
 * certificate it forwards URL-encoded in X-Client-Cert, only with X-Client-Verify: SUCCESS
 * (as nginx's $ssl_client_verify says) and only while the certificate is valid.
 */
export function nodeClientCertificate(trusted: readonly string[], now: Clock) {
  return (env: unknown): ClientCertificate | null => {
    const incoming = incomingOf(env);
    const socket = incoming?.socket as (TLSSocket & { authorized?: boolean }) | undefined;
    if (socket?.authorized && typeof socket.getPeerX509Certificate === 'function') {
      const cert = socket.getPeerX509Certificate();
      if (cert) return { fingerprint256: cert.fingerprint256, subject: cert.subject };
    }
    const peer = peerOf(incoming);
    const forwarded = incoming?.headers['x-client-cert'];
    if (!peer || !trusted.includes(peer) || typeof forwarded !== 'string' || !forwarded) return null;
    // The proxy must say it verified the certificate; and the certificate must be valid now.
    if (incoming?.headers['x-client-verify'] !== 'SUCCESS') return null;
    try {
      const cert = new X509Certificate(decodeURIComponent(forwarded));
      const t = now().getTime();
      if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return null;
      return { fingerprint256: cert.fingerprint256, subject: cert.subject };
    } catch {
      return null;
    }
  };
}
