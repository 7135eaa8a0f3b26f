/**
 * What a Worker is configured with, checked like Node's environment: the same settings under
 * the same names and defaults (config.ts), as `[vars]` in wrangler.toml or Worker secrets; and
 * who the client is, from what Cloudflare's edge adds to the request.
 */
import { z } from 'zod';
import type { ClientCertificate } from '../auth/principal';
import type { R2BucketLike } from '../stores/r2-object-store';
import type { ClientAdapter } from './compose';
import { ConfigError, parseSettings, pushSecretsFrom, SharedSettings } from './config';

export interface Env {
  HYPERDRIVE: { connectionString: string };
  OBJECTS: R2BucketLike;
  /**
   * Secret: base64, at least 32 bytes; tokens are stored as HMAC-SHA256 under it, and the
   * generated receipt signing key is stored wrapped under a key derived from it.
   */
  GATEWAY_TOKEN_KEY: string;
  /** Secret: an admin token accepted from start. */
  GATEWAY_ADMIN_TOKEN?: string;
  /** Secret: {"<key ref>": {"id": "…", "secret": "<base64>"}}. */
  PSEUDONYM_KEYS?: string;
  /** The other settings of config.ts's SharedSettings, and GATEWAY_SECRET_<NAME> for push transports. */
  [name: string]: unknown;
}

/** A Worker's settings: the shared ones, with the token key required (a Worker has nowhere to keep a generated one). */
export const WorkerSettingsSchema = z.object({
  ...SharedSettings,
  GATEWAY_TOKEN_KEY: SharedSettings.GATEWAY_TOKEN_KEY.unwrap(),
});
export type WorkerSettings = z.infer<typeof WorkerSettingsSchema> & { secrets: Record<string, string> };

/** The Worker's settings from its variables and secrets; a ConfigError names what is wrong. */
export function readWorkerSettings(env: Record<string, unknown>): WorkerSettings {
  if (!env.GATEWAY_TOKEN_KEY)
    throw new ConfigError('GATEWAY_TOKEN_KEY is not set (wrangler secret put GATEWAY_TOKEN_KEY)');
  const values = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string'));
  return { ...parseSettings(WorkerSettingsSchema, values), secrets: pushSecretsFrom(values) };
}

const text = (o: object, key: string): string | undefined => {
  const v: unknown = Reflect.get(o, key);
  return typeof v === 'string' && v ? v : undefined;
};

/**
 * The Workers adapter: the client's address from CF-Connecting-IP, which Cloudflare's edge
 * sets; and the client certificate Cloudflare's mutual TLS verified (request.cf.tlsClientAuth),
 * by its SHA-256 fingerprint and subject DN. The request URL tells the protocol.
 */
export function workerClient(requestNow: () => Request | undefined): ClientAdapter {
  return {
    clientAddress: () => requestNow()?.headers.get('cf-connecting-ip') ?? undefined,
    clientCertificate: (): ClientCertificate | null => {
      const request = requestNow();
      const cf: unknown = request ? Reflect.get(request, 'cf') : undefined;
      const auth: unknown = cf && typeof cf === 'object' ? Reflect.get(cf, 'tlsClientAuth') : undefined;
      if (!auth || typeof auth !== 'object') return null;
      const fingerprint = text(auth, 'certFingerprintSHA256');
      if (text(auth, 'certPresented') !== '1' || text(auth, 'certVerified') !== 'SUCCESS' || !fingerprint)
        return null;
      return { fingerprint256: fingerprint, subject: text(auth, 'certSubjectDN') ?? '' };
    },
  };
}
