import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

const ADMIN = 'crash-test-admin-token-0123456789abcdef';

/** Kills with SIGKILL at chosen points and starts again on the same data dir. */
describe('crash safety (SIGKILL, then a restart on the same data)', () => {
  const dirs: string[] = [];
  const running: SpawnedGateway[] = [];
  afterAll(async () => {
    for (const g of running) await g.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const start = async (dataDir: string) => {
    const g = spawnGateway({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: ADMIN });
    running.push(g);
    return { g, url: await g.ready };
  };
  const kill = async (g: SpawnedGateway) => {
    g.child.kill('SIGKILL');
    await g.stop();
  };
  const call = async (url: string, path: string, token: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
    });
  const token = async (url: string, body: object) =>
    (
      (await (
        await call(url, '/v1/admin/tokens', ADMIN, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { token: string }
    ).token;
  const xml = (records: number, seed: number) =>
    [...syntheticDelivery({ dataset: 'daycare', records, format: 'xml', seed })].join('');

  it('a delivery cut off mid-upload leaves no accepted delivery and no extract; it is failed and its staged objects gone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-crash-'));
    dirs.push(dataDir);
    const { g, url } = await start(dataDir);
    const source = await token(url, {
      role: 'source',
      subject: 'v',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const body = Buffer.from(xml(20_000, 5));
    const req = request(`${url}/v1/deliveries?dataset=daycare&municipality=101&period=2026-10`, {
      method: 'POST',
      headers: { authorization: `Bearer ${source}`, 'content-type': 'application/xml' },
    });
    req.on('error', () => {});
    req.write(body.subarray(0, body.length / 2));
    let receiving: { id: string } | undefined;
    for (let i = 0; i < 100 && !receiving; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const list = (await (await call(url, '/v1/deliveries', ADMIN)).json()) as {
        items: Array<{ id: string; status: string }>;
      };
      receiving = list.items.find((d) => d.status === 'receiving');
    }
    expect(receiving).toBeDefined();
    // The row is written before the first staged object: wait for the object too.
    const staged = join(dataDir, 'objects', 'deliveries', receiving?.id as string);
    for (let i = 0; i < 100 && !existsSync(staged); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(staged)).toBe(true);
    await kill(g);
    req.destroy();

    const after = await start(dataDir);
    const d = (await (await call(after.url, `/v1/deliveries/${receiving?.id}`, ADMIN)).json()) as {
      status: string;
      extracts: unknown[];
      problem: { code: string };
    };
    expect(d.status).toBe('failed');
    expect(d.problem.code).toBe('abandoned');
    expect(d.extracts).toEqual([]);
    const extracts = (await (await call(after.url, '/v1/extracts', ADMIN)).json()) as { items: unknown[] };
    expect(extracts.items).toEqual([]);
    expect(existsSync(staged) ? readdirSync(staged) : []).toEqual([]);
    await after.g.stop();
  });

  it('a delivery answered 201 survives a kill right after, with every extract intact', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-crash-'));
    dirs.push(dataDir);
    const { g, url } = await start(dataDir);
    const source = await token(url, {
      role: 'source',
      subject: 'v',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const dstToken = await token(url, { role: 'recipient', subject: 'dst', recipient: 'dst' });
    const res = await call(url, '/v1/deliveries?dataset=daycare&municipality=101&period=2026-10', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml(3000, 6),
    });
    expect(res.status).toBe(201);
    g.child.kill('SIGKILL'); // at once: no chance to flush anything more
    await g.stop();
    const accepted = (await res.json()) as {
      id: string;
      extracts: Array<{ id: string; recipient: string; sha256: string }>;
    };

    const after = await start(dataDir);
    const d = (await (await call(after.url, `/v1/deliveries/${accepted.id}`, ADMIN)).json()) as {
      status: string;
    };
    expect(d.status).toBe('accepted');
    const dst = accepted.extracts.find((e) => e.recipient === 'dst');
    const content = Buffer.from(
      await (await call(after.url, `/v1/extracts/${dst?.id}/content`, dstToken)).arrayBuffer(),
    );
    expect(createHash('sha256').update(content).digest('hex')).toBe(dst?.sha256);
    // The acknowledgement survives the next kill too, and the audit chain holds.
    expect(
      (
        await call(after.url, `/v1/extracts/${dst?.id}/receipts`, dstToken, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'accepted' }),
        })
      ).status,
    ).toBe(201);
    await kill(after.g);
    const third = await start(dataDir);
    const e = (await (await call(third.url, `/v1/extracts/${dst?.id}`, ADMIN)).json()) as { status: string };
    expect(e.status).toBe('acknowledged');
    const verify = (await (await call(third.url, '/v1/audit/verify', ADMIN)).json()) as { valid: boolean };
    expect(verify.valid).toBe(true);
    await third.g.stop();
  });

  it('every read of an extract is audited before it is answered: three downloads and a range read survive a kill right after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-crash-'));
    dirs.push(dataDir);
    const { g, url } = await start(dataDir);
    const source = await token(url, {
      role: 'source',
      subject: 'v',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const dst = await token(url, { role: 'recipient', subject: 'dst', recipient: 'dst' });
    const res = await call(url, '/v1/deliveries?dataset=daycare&municipality=101&period=2026-10', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml(50, 9),
    });
    expect(res.status).toBe(201);
    const extract = (
      (await res.json()) as { extracts: Array<{ id: string; recipient: string; bytes: number }> }
    ).extracts.find((e) => e.recipient === 'dst');
    if (!extract) throw new Error('no dst extract');
    const content = `/v1/extracts/${extract.id}/content`;
    for (let i = 0; i < 3; i++)
      expect((await (await call(url, content, dst)).arrayBuffer()).byteLength).toBe(extract.bytes);
    // HEAD and a conditional GET answered 304 send no bytes: no read.
    expect((await call(url, content, dst, { method: 'HEAD' })).status).toBe(200);
    const etag = (await call(url, content, dst, { method: 'HEAD' })).headers.get('etag') ?? '';
    expect((await call(url, content, dst, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const ranged = await call(url, content, dst, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
    // Killed the moment the last answer is in: nothing is left to write after answering.
    await kill(g);

    const again = await start(dataDir);
    const audit = (await (
      await call(again.url, `/v1/audit?delivery=${extract.id}&limit=100`, ADMIN)
    ).json()) as {
      items: Array<{ action: string; actor: string; details: Record<string, unknown> }>;
    };
    const reads = audit.items.filter((e) => e.action === 'extract.read');
    expect(reads).toHaveLength(4);
    expect(reads.map((e) => [e.details.bytes, e.details.range])).toEqual([
      [extract.bytes, null],
      [extract.bytes, null],
      [extract.bytes, null],
      [10, `bytes 10-19/${extract.bytes}`],
    ]);
    for (const e of reads) {
      expect(e.actor).toContain('dst');
      expect(e.details.address).toBe('127.0.0.1');
    }
    expect(audit.items.filter((e) => e.action === 'extract.fetched')).toHaveLength(1);
    expect(
      ((await (await call(again.url, '/v1/audit/verify', ADMIN)).json()) as { valid: boolean }).valid,
    ).toBe(true);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets a delivery in flight finish (201, accepted), then the process exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-term-'));
    try {
      const g = spawnGateway({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: ADMIN });
      const url = await g.ready;
      const tokenRes = await fetch(`${url}/v1/admin/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          role: 'source',
          subject: 'v',
          municipalities: ['101'],
          datasets: ['daycare'],
        }),
      });
      const source = ((await tokenRes.json()) as { token: string }).token;
      const body = Buffer.from(
        [...syntheticDelivery({ dataset: 'daycare', records: 5000, format: 'xml', seed: 8 })].join(''),
      );
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${url}/v1/deliveries?dataset=daycare&municipality=101&period=2026-10`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${source}`,
            'content-type': 'application/xml',
            'content-length': body.length,
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.write(body.subarray(0, body.length / 2));
        // Mid-upload: the process is told to stop; the rest of the body follows a moment later.
        setTimeout(() => {
          g.child.kill('SIGTERM');
          setTimeout(() => req.end(body.subarray(body.length / 2)), 500);
        }, 300);
      });
      const done = await answer;
      expect(done.status).toBe(201);
      expect((JSON.parse(done.text) as { status: string }).status).toBe('accepted');
      expect(await g.stop()).toBe(0);
      expect(g.output()).toContain('finishing those in flight');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
