import { describe, expect, it } from 'vitest';
import { hmacPseudonymiser, oneOffPseudonymisers } from '../../src/pipeline/pseudonymiser';
import { ConfigError, readConfig, SharedSettings } from '../../src/runtime/config';
import { configuredPseudonymisers, parsePseudonymKeys, tokenHasherOver } from '../../src/runtime/keys';
import { readWorkerSettings, workerClient } from '../../src/runtime/worker-env';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('the settings Node and Workers share', () => {
  it('read the same values with the same defaults on both runtimes', () => {
    const node = readConfig({ GATEWAY_TOKEN_KEY: KEY });
    const worker = readWorkerSettings({ GATEWAY_TOKEN_KEY: KEY, HYPERDRIVE: {}, OBJECTS: {} });
    for (const name of Object.keys(SharedSettings) as Array<keyof typeof SharedSettings>)
      expect(worker[name], name).toEqual(node[name]);
  });

  it('take limits and push secrets from a Worker variable by the names Node reads', () => {
    const worker = readWorkerSettings({
      GATEWAY_TOKEN_KEY: KEY,
      GATEWAY_MAX_DELIVERY_BYTES: '1000',
      GATEWAY_RATE_LIMIT_PER_MINUTE: '5',
      GATEWAY_AUTH_FAILURES_PER_MINUTE: '2',
      GATEWAY_ABANDONED_AFTER_MS: '60000',
      GATEWAY_SECRET_FLIS_S3_KEY: 'k',
    });
    expect(worker).toMatchObject({
      GATEWAY_MAX_DELIVERY_BYTES: 1000,
      GATEWAY_RATE_LIMIT_PER_MINUTE: 5,
      GATEWAY_AUTH_FAILURES_PER_MINUTE: 2,
      GATEWAY_ABANDONED_AFTER_MS: 60000,
      secrets: { 'flis-s3-key': 'k' },
    });
  });

  it('refuse a Worker without a token key, or with a wrong value, naming the variable', () => {
    expect(() => readWorkerSettings({})).toThrow(/GATEWAY_TOKEN_KEY is not set/);
    expect(() => readWorkerSettings({ GATEWAY_TOKEN_KEY: 'c2hvcnQ=' })).toThrow(
      /GATEWAY_TOKEN_KEY must be at least 32 bytes/,
    );
    expect(() =>
      readWorkerSettings({ GATEWAY_TOKEN_KEY: KEY, GATEWAY_RATE_LIMIT_PER_MINUTE: 'many' }),
    ).toThrow(ConfigError);
  });
});

describe('the key checks', () => {
  it('refuse a token key or a pseudonymisation key shorter than 32 bytes', () => {
    expect(() => tokenHasherOver(Buffer.alloc(31))).toThrow(/shorter than 32 bytes/);
    expect(() => hmacPseudonymiser('k1', Buffer.alloc(31))).toThrow(/shorter than 32 bytes/);
    const keys = parsePseudonymKeys(JSON.stringify({ flis: { id: 'f1', secret: KEY } }), 'PSEUDONYM_KEYS');
    const flis = configuredPseudonymisers(keys, 'PSEUDONYM_KEYS')('flis');
    expect(flis.keyId).toBe('f1');
    expect(flis.pseudonymise('0101011234')).toBe(
      hmacPseudonymiser('f1', Buffer.from(KEY, 'base64')).pseudonymise('0101011234'),
    );
    expect(() => configuredPseudonymisers(keys, 'PSEUDONYM_KEYS')('sds')).toThrow(
      /no pseudonymisation key for reference sds/,
    );
    expect(() => parsePseudonymKeys('{"flis": {"id": "f1"}}', 'PSEUDONYM_KEYS')).toThrow(ConfigError);
  });

  it('give one-off pseudonyms that are stable within one use and differ from the real ones', () => {
    const once = oneOffPseudonymisers('preview')('flis');
    expect(once.keyId).toBe('flis-preview');
    expect(once.pseudonymise('x')).toBe(once.pseudonymise('x'));
    expect(oneOffPseudonymisers('preview')('flis').pseudonymise('x')).not.toBe(once.pseudonymise('x'));
  });
});

describe('the client on Workers', () => {
  it('is the address in CF-Connecting-IP and the certificate Cloudflare verified', () => {
    const request = new Request('https://gateway.example/v1/deliveries', {
      headers: { 'cf-connecting-ip': '203.0.113.9' },
    });
    Object.assign(request, {
      cf: {
        tlsClientAuth: {
          certPresented: '1',
          certVerified: 'SUCCESS',
          certFingerprintSHA256: 'ab'.repeat(32),
          certSubjectDN: 'CN=dst,O=Danmarks Statistik',
        },
      },
    });
    const client = workerClient(() => request);
    expect(client.clientAddress?.(undefined)).toBe('203.0.113.9');
    expect(client.clientCertificate?.(undefined)).toEqual({
      fingerprint256: 'ab'.repeat(32),
      subject: 'CN=dst,O=Danmarks Statistik',
    });
    Object.assign(request, {
      cf: { tlsClientAuth: { certPresented: '1', certVerified: 'FAILED:self signed' } },
    });
    expect(client.clientCertificate?.(undefined)).toBeNull();
    expect(workerClient(() => undefined).clientAddress?.(undefined)).toBeUndefined();
  });
});
