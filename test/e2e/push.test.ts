import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { readLawfulUseValue } from '../../src/core/lawful-use';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';
import { type S3Server, startS3rver } from '../support/s3rver';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A recipient's HTTPS endpoint stand-in: answers each request with the next status in line. */
async function endpoint(statuses: number[]) {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    const status = statuses.length > 1 ? (statuses.shift() as number) : (statuses[0] ?? 201);
    if (status === 201) res.setHeader('location', `/stored/${received.length}`);
    res.writeHead(status).end(status >= 400 ? 'no' : '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    statuses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const sample = (seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records: 30, format: 'xml', seed })].join('');

async function profilesWith(
  root: string,
  recipient: string,
  transport: Record<string, unknown>,
): Promise<string> {
  const dir = join(root, `deliveries-${recipient}-${Math.random().toString(36).slice(2)}`);
  await cp(new URL('../../deliveries', import.meta.url).pathname, dir, { recursive: true });
  const path = join(dir, 'daycare', `${recipient}.json`);
  const p = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  p.transport = transport;
  await writeFile(path, JSON.stringify(p, null, 2));
  return dir;
}

type ExtractJson = {
  id: string;
  status: string;
  sha256: string;
  bytes: number;
  fileName: string;
  push: { status: string; attempts: number; lastError: string | null; location: string | null } | null;
};

async function until<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('push transport', () => {
  let root: string;
  const gateways: Gateway[] = [];
  const open = async (deliveriesDir: string, env: Record<string, string> = {}) => {
    const g = await startGateway({ GATEWAY_DELIVERIES_DIR: deliveriesDir, ...env });
    gateways.push(g);
    return g;
  };
  const extractOf = async (g: Gateway, deliveryBody: Response, recipient: string) => {
    const d = (await deliveryBody.json()) as { extracts: Array<{ id: string; recipient: string }> };
    const id = d.extracts.find((e) => e.recipient === recipient)?.id as string;
    return async () =>
      (await (await g.request(`/v1/extracts/${id}`, { token: ADMIN_TOKEN })).json()) as ExtractJson;
  };
  const sourceToken = async (g: Gateway) =>
    (
      await g.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gateway-push-'));
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await rm(root, { recursive: true, force: true });
  });

  it('pushes over HTTPS, tries again with back-off after failures, and records where it landed', async () => {
    const ep = await endpoint([503, 502, 201]);
    try {
      const dir = await profilesWith(root, 'dst', {
        type: 'https',
        url: `${ep.base}/in/{municipality}/{fileName}`,
        method: 'PUT',
        bearerTokenSecret: 'dst-push',
        retry: { maxAttempts: 5, initialDelaySeconds: 1, maxDelaySeconds: 1 },
      });
      const g = await open(dir, { GATEWAY_SECRET_DST_PUSH: 'push-secret-for-dst-0123456789' });
      const res = await submit(g, await sourceToken(g), sample(1));
      expect(res.status).toBe(201);
      const get = await extractOf(g, res, 'dst');
      const done = await until('the push to be delivered', async () => {
        g.services.pushes?.kick();
        const e = await get();
        return e.push?.status === 'delivered' && e;
      });
      expect(ep.received).toHaveLength(3);
      expect(done.push).toMatchObject({ status: 'delivered', attempts: 3, location: `${ep.base}/stored/3` });
      expect(done.status).toBe('fetched');

      const last = ep.received[2] as Received;
      expect(last.method).toBe('PUT');
      expect(last.url).toBe(`/in/101/${encodeURIComponent(done.fileName)}`);
      expect(last.headers.authorization).toBe('Bearer push-secret-for-dst-0123456789');
      expect(last.headers['idempotency-key']).toBe(done.id);
      expect(last.headers['x-extract-id']).toBe(done.id);
      expect(last.headers['x-profile']).toMatch(/^daycare\/dst;version=1;sha256=[0-9a-f]{64}$/);
      // The lawful use travels with the bytes, in ASCII, the Danish texts as RFC 8187 has them.
      const use = readLawfulUseValue(last.headers['x-lawful-use'] as string);
      const dstProfile = g.services.catalogue.profiles
        .get('daycare')
        ?.find((p) => p.profile.recipient === 'dst');
      expect(use).toEqual({
        personalData: 'cpr',
        legalBasis: dstProfile?.profile.lawfulUse.legalBasis,
        purpose: dstProfile?.profile.lawfulUse.purpose,
      });
      expect(last.headers['x-lawful-use']).toMatch(/^[\x20-\x7e]+$/);
      // The first extract of the slot, with nothing left out.
      expect(last.headers['x-extract-version']).toBe('1');
      expect(last.headers['x-extract-replaces']).toBeUndefined();
      expect(last.headers['x-extract-partial']).toBe('false');
      expect(createHash('sha256').update(last.body).digest('hex')).toBe(done.sha256);
      expect(last.headers['content-digest']).toBe(
        `sha-256=:${createHash('sha256').update(last.body).digest('base64')}:`,
      );
      expect(last.body.length).toBe(done.bytes);
      // Every attempt sent the whole extract.
      for (const r of ep.received) expect(r.body.equals(last.body)).toBe(true);

      const audit = (await (
        await g.request(`/v1/audit?delivery=&action=extract.pushed`, { token: ADMIN_TOKEN })
      ).json()) as {
        items: Array<{ subject: string; details: Record<string, unknown> }>;
      };
      expect(audit.items.find((e) => e.subject === done.id)?.details).toMatchObject({
        recipient: 'dst',
        attempts: 3,
      });
      // The credential never leaves the configuration.
      const everything = g.logs.join('') + JSON.stringify(audit);
      expect(everything).not.toContain('push-secret-for-dst');

      // An operator sees the push on the delivery's page of the dashboard.
      const session = await g.request('/session', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      });
      const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const deliveryId = (
        (await (await g.request(`/v1/extracts/${done.id}`, { token: ADMIN_TOKEN })).json()) as {
          delivery: string;
        }
      ).delivery;
      const html = await (await g.request(`/deliveries/${deliveryId}`, { headers: { cookie } })).text();
      expect(html).toMatch(/https <span class="badge delivered">leveret<\/span>\s*efter 3 forsøg/);
      expect(html).toContain('hentes af modtageren');

      // A correction of the slot says what it replaces, under a name of its own.
      const correction = await extractOf(g, await submit(g, await sourceToken(g), sample(11)), 'dst');
      const corrected = await until('the correction to be pushed', async () => {
        g.services.pushes?.kick();
        const e = await correction();
        return e.push?.status === 'delivered' && e;
      });
      const pushed = ep.received.at(-1) as Received;
      expect(pushed.headers['x-extract-id']).toBe(corrected.id);
      expect(pushed.headers['x-extract-replaces']).toBe(done.id);
      expect(pushed.headers['x-extract-version']).toBe('2');
      expect(corrected.fileName).toMatch(/-v2\.xml$/);
      expect(pushed.url).toBe(`/in/101/${encodeURIComponent(corrected.fileName)}`);
    } finally {
      await ep.close();
    }
  });

  it('gives up at once on a refusal, and tries again when an admin says so', async () => {
    const ep = await endpoint([403]);
    try {
      const dir = await profilesWith(root, 'dst', {
        type: 'https',
        url: `${ep.base}/in/{fileName}`,
        retry: { maxAttempts: 5, initialDelaySeconds: 1, maxDelaySeconds: 1 },
      });
      const g = await open(dir);
      const res = await submit(g, await sourceToken(g), sample(2));
      const get = await extractOf(g, res, 'dst');
      const failed = await until('the push to fail', async () => {
        g.services.pushes?.kick();
        const e = await get();
        return e.push?.status === 'failed' && e;
      });
      expect(failed.push).toMatchObject({ attempts: 1 });
      expect(failed.push?.lastError).toContain('answered 403');
      expect(failed.status).toBe('available');

      const dst = (await g.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
      expect((await g.request(`/v1/extracts/${failed.id}/push`, { method: 'POST', token: dst })).status).toBe(
        403,
      );

      ep.statuses.splice(0, ep.statuses.length, 201);
      const retried = await g.request(`/v1/extracts/${failed.id}/push`, {
        method: 'POST',
        token: ADMIN_TOKEN,
      });
      expect(retried.status).toBe(202);
      const delivered = await until('the retried push', async () => {
        g.services.pushes?.kick();
        const e = await get();
        return e.push?.status === 'delivered' && e;
      });
      expect(delivered.push?.attempts).toBe(1);
      const again = await g.request(`/v1/extracts/${failed.id}/push`, { method: 'POST', token: ADMIN_TOKEN });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { detail: string }).detail).toContain('delivered, not failed');
    } finally {
      await ep.close();
    }
  });

  it('an extract its recipient fetches has no push, and asking to retry one is 404', async () => {
    const g = await open(new URL('../../deliveries', import.meta.url).pathname);
    const res = await submit(g, await sourceToken(g), sample(3));
    const e = await (await extractOf(g, res, 'dst'))();
    expect(e.push).toBeNull();
    expect(
      (await g.request(`/v1/extracts/${e.id}/push`, { method: 'POST', token: ADMIN_TOKEN })).status,
    ).toBe(404);
  });

  it('will not start when a push names a secret that is not configured', async () => {
    const dir = await profilesWith(root, 'dst', {
      type: 'https',
      url: 'https://recipient.example/in/{fileName}',
      bearerTokenSecret: 'nobody-set-this',
    });
    await expect(startGateway({ GATEWAY_DELIVERIES_DIR: dir })).rejects.toThrow(
      /daycare\/dst: the secret nobody-set-this is not configured \(GATEWAY_SECRET_NOBODY_SET_THIS/,
    );
  });

  describe('to S3', () => {
    let s3: S3Server;
    beforeAll(async () => {
      s3 = await startS3rver(['dst-inbox']);
    }, 30_000);
    afterAll(async () => {
      await s3?.stop();
    });

    /** A gateway pushing dst's extracts to a bucket of the S3 server; the settled extract of one delivery. */
    const pushToBucket = async (bucket: string, seed: number) => {
      const dir = await profilesWith(root, 'dst', {
        type: 's3',
        bucket,
        prefix: 'dagtilbud/',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyIdSecret: 'dst-s3-key',
        secretAccessKeySecret: 'dst-s3-secret',
      });
      const g = await open(dir, {
        GATEWAY_SECRET_DST_S3_KEY: s3.accessKeyId,
        GATEWAY_SECRET_DST_S3_SECRET: s3.secretAccessKey,
      });
      const get = await extractOf(g, await submit(g, await sourceToken(g), sample(seed)), 'dst');
      return until('the push to S3 to settle', async () => {
        g.services.pushes?.kick();
        const e = await get();
        return (e.push?.status === 'delivered' || e.push?.status === 'failed') && e;
      });
    };

    it('puts the extract in the recipient bucket under its prefix, streaming', async () => {
      const done = await pushToBucket('dst-inbox', 4);
      expect(done.push?.lastError ?? null).toBeNull();
      expect(done.push?.location).toBe(`s3://dst-inbox/dagtilbud/${done.fileName}`);
      const client = new S3Client({
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const key = `dagtilbud/${done.fileName}`;
      const got = await client.send(new GetObjectCommand({ Bucket: 'dst-inbox', Key: key }));
      const bytes = Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(done.sha256);
      const head = await client.send(new HeadObjectCommand({ Bucket: 'dst-inbox', Key: key }));
      expect(head.Metadata?.['extract-id']).toBe(done.id);
      expect(head.Metadata?.sha256).toBe(done.sha256);
      expect(head.Metadata?.version).toBe('1');
      expect(head.Metadata?.partial).toBe('false');
      client.destroy();
    });

    it('a missing bucket is a failure that waits for an operator', async () => {
      const failed = await pushToBucket('no-such-bucket', 5);
      expect(failed.push).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.push?.lastError).toMatch(/no-such-bucket answered 404 NoSuchBucket/);
    });
  });
});
