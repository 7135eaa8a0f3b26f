import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { BUNDLED_DELIVERIES, BUNDLED_SCHEMAS } from '../../src/runtime/bundled-catalogue';
import { createTestDatabase, postgresAvailable } from '../support/postgres';
import { freePort } from '../support/s3rver';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('the catalogue bundled for Workers', () => {
  it('holds every schema, profile and the obligations file there is', () => {
    const onDisk = [
      ...readdirSync(join(ROOT, 'schemas'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `schemas/${f}`),
      'deliveries/recipients.json',
      'deliveries/obligations.json',
      ...readdirSync(join(ROOT, 'deliveries'), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) =>
          readdirSync(join(ROOT, 'deliveries', d.name))
            .filter((f) => f.endsWith('.json'))
            .map((f) => `deliveries/${d.name}/${f}`),
        ),
    ].sort();
    expect([...BUNDLED_SCHEMAS, ...BUNDLED_DELIVERIES].map((f) => f.path).sort()).toEqual(onDisk);
  });
});

const available = await postgresAvailable('the Workers test (wrangler dev with Hyperdrive to PostgreSQL)');
const ADMIN = 'worker-admin-token-0123456789abcdef';
/** Limits set through the Worker's variables, under the names Node reads. */
const MAX_DELIVERY_BYTES = 500_000;
const AUTH_FAILURES_PER_MINUTE = 3;

describe.skipIf(!available)('on Cloudflare Workers (wrangler dev, offline)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let child: ChildProcess;
  let out = '';
  let url: string;
  let persist: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    persist = await mkdtemp(join(tmpdir(), 'gateway-wrangler-'));
    const port = await freePort();
    // Hyperdrive wants a password in the local connection string; trust authentication ignores it.
    const local = new URL(db.url);
    local.password = local.password || 'local';
    const keys = JSON.stringify({
      flis: { id: 'flis-w1', secret: randomBytes(32).toString('base64') },
      sds: { id: 'sds-w1', secret: randomBytes(32).toString('base64') },
    });
    child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--test-scheduled',
        '--persist-to',
        persist,
        '--var',
        `GATEWAY_TOKEN_KEY:${randomBytes(32).toString('base64')}`,
        '--var',
        `GATEWAY_ADMIN_TOKEN:${ADMIN}`,
        '--var',
        `PSEUDONYM_KEYS:${keys}`,
        '--var',
        `GATEWAY_MAX_DELIVERY_BYTES:${MAX_DELIVERY_BYTES}`,
        '--var',
        `GATEWAY_AUTH_FAILURES_PER_MINUTE:${AUTH_FAILURES_PER_MINUTE}`,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: local.toString(),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    url = await new Promise<string>((resolve, reject) => {
      const on = (d: Buffer) => {
        out += d.toString();
        if (/Ready on http/.test(out)) resolve(`http://127.0.0.1:${port}`);
      };
      child.stdout?.on('data', on);
      child.stderr?.on('data', on);
      child.on('exit', (code) => reject(new Error(`wrangler dev exited ${code}:\n${out}`)));
      setTimeout(() => reject(new Error(`wrangler dev did not start:\n${out}`)), 90_000).unref();
    });
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await db?.drop();
    if (persist) await rm(persist, { recursive: true, force: true });
  });

  const call = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const issue = async (body: object) => {
    const res = await call('/v1/admin/tokens', ADMIN, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };

  it('answers health, issues tokens, takes a delivery, serves its extract and runs the scheduled jobs', async () => {
    expect(await (await call('/health')).json()).toMatchObject({ status: 'ok' });
    const source = await issue({
      role: 'source',
      subject: 'v',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const dst = await issue({ role: 'recipient', subject: 'dst', recipient: 'dst' });
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 150, format: 'xml', seed: 9 })].join('');
    const res = await call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-10', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    expect(res.status).toBe(201);
    const d = (await res.json()) as {
      receipt: string;
      extracts: Array<{ id: string; recipient: string; sha256: string }>;
    };
    expect(d.extracts.map((e) => e.recipient).sort()).toEqual(['dst', 'flis', 'stuk']);
    const e = d.extracts.find((x) => x.recipient === 'dst');
    const content = Buffer.from(await (await call(`/v1/extracts/${e?.id}/content`, dst)).arrayBuffer());
    expect(createHash('sha256').update(content).digest('hex')).toBe(e?.sha256);
    expect(content.toString('utf8').match(/<Barn>/g)).toHaveLength(150);
    // gzip is undone on Workers too, and a damaged gzip body is a 400, not a dead isolate.
    const { gzipSync } = await import('node:zlib');
    const gz = await call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-09', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
      body: gzipSync(xml),
    });
    expect(gz.status).toBe(201);
    const broken = await call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-08', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(1_000_000)),
    });
    expect(broken.status).toBe(400);
    expect((await call('/health')).status).toBe(200);
    const jwks = (await (await call('/.well-known/jwks.json')).json()) as { keys: unknown[] };
    // The receipt key and the audit key (checkpoints).
    expect(jwks.keys.length).toBe(2);

    const scheduled = await call('/__scheduled?cron=*/15+*+*+*+*');
    expect(scheduled.status).toBe(200);
    for (let i = 0; i < 300 && !out.includes('scheduled jobs ran'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('scheduled jobs ran');
    expect(out).not.toContain('scheduled job failed');
  });
  it('records the profile versions it serves, as Node does', async () => {
    expect((await call('/health')).status).toBe(200);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ profile_id: string; version: number }>(
        'SELECT profile_id, version FROM profile_versions ORDER BY profile_id',
      );
      // Archival versions are made by the Node deployment and are not served here.
      expect(rows.rows.map((r) => `${r.profile_id}@${r.version}`)).toEqual([
        'daycare/dst@1',
        'daycare/flis@1',
        'daycare/stuk@1',
        'eldercare/dst@1',
        'eldercare/sds@1',
      ]);
    } finally {
      await client.end();
    }
  });

  it('takes its limits from the environment: a delivery over GATEWAY_MAX_DELIVERY_BYTES is refused', async () => {
    const source = await issue({
      role: 'source',
      subject: 'big',
      municipalities: ['101'],
      datasets: ['daycare'],
    });
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 3000, format: 'xml', seed: 3 })].join(
      '',
    );
    expect(xml.length).toBeGreaterThan(MAX_DELIVERY_BYTES);
    const res = await call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-07', source, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    expect(res.status).toBe(413);
  });

  it('counts failed sign-ins per client address (CF-Connecting-IP), GATEWAY_AUTH_FAILURES_PER_MINUTE a minute', async () => {
    const from = (address: string, token: string) =>
      call('/v1/deliveries', token, { headers: { 'cf-connecting-ip': address } });
    // Fail from one address until it is refused (a minute that ends part-way starts the count again).
    const statuses: number[] = [];
    for (let i = 0; i < 2 * AUTH_FAILURES_PER_MINUTE + 1 && statuses.at(-1) !== 429; i++)
      statuses.push((await from('203.0.113.7', 'gw_not-a-token')).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(AUTH_FAILURES_PER_MINUTE);
    // Another address is not held to that count.
    expect((await from('203.0.113.8', 'gw_not-a-token')).status).toBe(401);
    expect((await from('203.0.113.8', ADMIN)).status).toBe(200);
  });
});
