import { describe, expect, it } from 'vitest';
import { ProfileSchema } from '../../src/core/profile';
import { RetrySchema, transportSecrets } from '../../src/core/transport';
import { backoffDelayMs, readPushTarget } from '../../src/pipeline/push';

const base = {
  id: 'daycare/dst',
  dataset: 'daycare',
  recipient: 'dst',
  version: 1,
  lawfulUse: { legalBasis: 'Lov om Danmarks Statistik § 6', purpose: 'Statistik om børnepasning' },
  columns: [{ name: 'c', from: 'cpr' }],
  output: { format: 'csv' },
  fileName: 'x.csv',
};
const withTransport = (transport: unknown) => ProfileSchema.safeParse({ ...base, transport });

describe('push transports in a profile', () => {
  it('takes HTTPS endpoints and S3 buckets, defaults the retry policy, and names its secrets', () => {
    const https = withTransport({
      type: 'https',
      url: 'https://modtag.example/in/{fileName}',
      bearerTokenSecret: 'dst-push',
    });
    expect(https.success).toBe(true);
    if (https.success) {
      expect(https.data.transport).toMatchObject({
        method: 'PUT',
        retry: { maxAttempts: 10, initialDelaySeconds: 60 },
      });
      expect(transportSecrets(https.data.transport)).toEqual(['dst-push']);
    }
    const s3 = withTransport({
      type: 's3',
      bucket: 'dst-inbox',
      accessKeyIdSecret: 'k',
      secretAccessKeySecret: 's',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:eu-north-1:1:key/x',
    });
    expect(s3.success).toBe(true);
    if (s3.success) expect(transportSecrets(s3.data.transport)).toEqual(['k', 's']);
    expect(withTransport(undefined).success && withTransport(undefined).data?.transport).toEqual({
      type: 'pull',
    });
  });

  it('refuses plain HTTP off this machine, half a credential, a KMS key without KMS and a bad secret name', () => {
    expect(withTransport({ type: 'https', url: 'http://modtag.example/in' }).success).toBe(false);
    expect(withTransport({ type: 'https', url: 'http://127.0.0.1:8080/in' }).success).toBe(true);
    expect(withTransport({ type: 's3', bucket: 'dst-inbox', accessKeyIdSecret: 'k' }).success).toBe(false);
    expect(withTransport({ type: 's3', bucket: 'dst-inbox', kmsKeyId: 'x' }).success).toBe(false);
    expect(
      withTransport({ type: 'https', url: 'https://a.example/', bearerTokenSecret: 'GATEWAY_ADMIN_TOKEN' })
        .success,
    ).toBe(false);
  });
});

describe('back-off', () => {
  const retry = RetrySchema.parse({ maxAttempts: 10, initialDelaySeconds: 60, maxDelaySeconds: 3600 });
  it('doubles from the initial delay up to the maximum, less up to a fifth at random', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, retry, 0) / 1000)).toEqual([
      60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]);
    expect(backoffDelayMs(1, retry, 0.999)).toBeGreaterThan(48_000);
    expect(backoffDelayMs(1, retry, 0.999)).toBeLessThan(60_000);
    expect(backoffDelayMs(1000, retry, 0)).toBe(3_600_000);
  });
});

describe('a stored push target', () => {
  it('reads back as the transport the profile named, and not at all when it is none', () => {
    const parsed = withTransport({
      type: 's3',
      bucket: 'dst-modtag',
      accessKeyIdSecret: 'a',
      secretAccessKeySecret: 'b',
    });
    expect(parsed.success).toBe(true);
    if (!parsed.success || parsed.data.transport.type === 'pull') return;
    const stored = JSON.parse(JSON.stringify(parsed.data.transport));
    expect(readPushTarget(stored)).toEqual(parsed.data.transport);
    expect(readPushTarget({ type: 'https', url: 'ftp://elsewhere/' })).toBeNull();
    expect(readPushTarget({ type: 's3' })).toBeNull();
  });
});
