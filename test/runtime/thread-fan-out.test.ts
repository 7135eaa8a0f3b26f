import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;
const ADMIN = 'thread-test-admin-token-0123456789';
const KEYS = JSON.stringify({
  flis: { id: 'flis-test-1', secret: Buffer.alloc(32, 7).toString('base64') },
  sds: { id: 'sds-test-1', secret: Buffer.alloc(32, 9).toString('base64') },
});

interface Server {
  gateway: SpawnedGateway;
  url: string;
  dir: string;
}

/** Every gateway started, ready or not: each is stopped at the end even when it never got ready. */
const started: Array<Omit<Server, 'url'>> = [];

async function start(minBytes: string): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-thread-'));
  const gateway = spawnGateway(
    {
      GATEWAY_DATA_DIR: dir,
      GATEWAY_ADMIN_TOKEN: ADMIN,
      PSEUDONYM_KEYS: KEYS,
      GATEWAY_THREAD_FANOUT_MIN_BYTES: minBytes,
    },
    ['dist/node.mjs'],
  );
  started.push({ gateway, dir });
  return { gateway, url: await gateway.ready, dir };
}

async function call(s: Server, path: string, init: RequestInit & { token: string }) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${init.token}`);
  return fetch(`${s.url}${path}`, { ...init, headers });
}

async function token(s: Server, body: object): Promise<string> {
  const res = await call(s, '/v1/admin/tokens', {
    method: 'POST',
    token: ADMIN,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as { token: string }).token;
}

describe('extracts made in a worker thread (the built server)', () => {
  let threaded: Server;
  let local: Server;
  const xml = [...syntheticDelivery({ dataset: 'daycare', records: 4000, format: 'xml', seed: 12 })].join('');

  // Building and starting two servers takes a while on a busy machine.
  beforeAll(async () => {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT });
    [threaded, local] = await Promise.all([start('1'), start('0')]);
  }, 180_000);
  afterAll(async () => {
    for (const s of started) {
      await s.gateway.stop();
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  async function deliver(s: Server, body: string, period: string) {
    const source = await token(s, {
      role: 'source',
      subject: 's',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const res = await call(s, `/v1/deliveries?dataset=daycare&municipality=101&period=${period}`, {
      method: 'POST',
      token: source,
      headers: { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        id?: string;
        deliveryId?: string;
        extracts: Array<{ id: string; recipient: string; sha256: string; records: number }>;
      },
    };
  }

  async function content(s: Server, recipient: string, id: string) {
    const t = await token(s, { role: 'recipient', subject: recipient, recipient });
    return (await call(s, `/v1/extracts/${id}/content`, { token: t })).text();
  }

  it('makes the same extracts as the intake thread does', async () => {
    const a = await deliver(threaded, xml, '2026-10');
    const b = await deliver(local, xml, '2026-10');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    for (const r of ['dst', 'stuk']) {
      const ea = a.body.extracts.find((e) => e.recipient === r);
      const eb = b.body.extracts.find((e) => e.recipient === r);
      expect(ea?.sha256, r).toBe(eb?.sha256);
    }
    const strip = (t: string) => t.replace(/"deliveryId":"dlv_[0-9A-Z]+"/g, '');
    const fa = a.body.extracts.find((e) => e.recipient === 'flis') as { id: string };
    const fb = b.body.extracts.find((e) => e.recipient === 'flis') as { id: string };
    expect(strip(await content(threaded, 'flis', fa.id))).toBe(strip(await content(local, 'flis', fb.id)));
  });

  it('makes no extract and leaves no object when the delivery is rejected part-way', async () => {
    const records = xml.split('</Enrolment>');
    records[3000] = (records[3000] as string).replace(/<CareType>[a-z]+</, '<CareType>x<');
    const res = await deliver(threaded, records.join('</Enrolment>'), '2026-09');
    expect(res.status).toBe(422);
    const id = res.body.deliveryId as string;
    const left = await readdir(join(threaded.dir, 'objects', 'deliveries')).catch(() => [] as string[]);
    expect(left).not.toContain(id);
  });
});
