import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;

function gateway(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/gateway.js', ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the gateway command', () => {
  let gw: Gateway;
  let server: ServerType;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    gw = await startGateway();
    server = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'gateway-cli-'));
  });
  afterAll(async () => {
    server?.close();
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('issues a token, submits a file, shows its status, fetches and acknowledges an extract, verifies the audit log', async () => {
    const admin = { GATEWAY_URL: url, GATEWAY_TOKEN: ADMIN_TOKEN };
    const src = await gateway(
      [
        'token',
        'issue',
        '--role',
        'source',
        '--subject',
        'sys-a',
        '--municipalities',
        '101',
        '--datasets',
        'daycare',
      ],
      admin,
    );
    expect(src.code).toBe(0);
    const sourceToken = JSON.parse(src.stdout).token as string;
    const file = join(dir, 'delivery.xml');
    await writeFile(
      file,
      [...syntheticDelivery({ dataset: 'daycare', records: 200, format: 'xml', seed: 2 })].join(''),
    );

    const sub = await gateway([
      'submit',
      file,
      '--dataset',
      'daycare',
      '--municipality',
      '101',
      '--period',
      '2026-10',
      '--url',
      url,
      '--token',
      sourceToken,
    ]);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stderr).toContain('100%');
    const delivery = JSON.parse(sub.stdout) as { id: string; status: string; receipt: string };
    expect(delivery.status).toBe('accepted');
    expect(delivery.receipt.split('.')).toHaveLength(3);

    const status = await gateway(['status', delivery.id, '--url', url, '--token', sourceToken]);
    expect(JSON.parse(status.stdout).records.total).toBe(200);

    const rec = await gateway(
      ['token', 'issue', '--role', 'recipient', '--subject', 'dst-intake', '--recipient', 'dst'],
      admin,
    );
    const dst = { GATEWAY_URL: url, GATEWAY_TOKEN: JSON.parse(rec.stdout).token as string };
    const list = JSON.parse((await gateway(['extracts', 'list', '--status', 'available'], dst)).stdout) as {
      items: Array<{ id: string }>;
    };
    expect(list.items).toHaveLength(1);
    const id = list.items[0]?.id as string;
    const fetched = await gateway(['extracts', 'fetch', id, '--out', dir, '--ack'], dst);
    expect(fetched.code, fetched.stderr).toBe(0);
    const files = await readdir(dir);
    const xmlName = files.find((f) => f.startsWith('dst-dagtilbud-101-2026-10'));
    expect(xmlName).toBeTruthy();
    expect(await readFile(join(dir, xmlName as string), 'utf8')).toContain('<Barn>');
    const again = await gateway(['extracts', 'ack', id], dst);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('409');

    const aud = await gateway(['token', 'issue', '--role', 'auditor', '--subject', 'audit'], admin);
    const auditor = { GATEWAY_URL: url, GATEWAY_TOKEN: JSON.parse(aud.stdout).token as string };
    const verify = await gateway(['audit', 'verify'], auditor);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).valid).toBe(true);
    const exported = await gateway(['audit', 'export'], auditor);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    expect(events.map((e) => e.action)).toContain('extract.acknowledged');
  });

  it('exits 1 with the problem when the gateway refuses, and 2 on a usage error', async () => {
    const bad = await gateway([
      'status',
      'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV',
      '--url',
      url,
      '--token',
      'gw_unknown-token-0000000000',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('401');
    expect((await gateway(['frobnicate'])).code).toBe(2);
    expect((await gateway(['submit', 'x.xml', '--url', url, '--token', ADMIN_TOKEN])).code).toBe(2);
  });

  it('lints schemas and profiles offline, naming file, path and problem', async () => {
    const ok = await gateway(['profile', 'lint']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok: 4 dataset\(s\), \d+ recipient\(s\), 7 profile\(s\)/);
    const broken = join(dir, 'deliveries');
    await cp(join(ROOT, 'deliveries'), broken, { recursive: true });
    const stuk = JSON.parse(await readFile(join(broken, 'daycare', 'stuk.json'), 'utf8'));
    delete stuk.lawfulUse;
    await writeFile(join(broken, 'daycare', 'stuk.json'), JSON.stringify(stuk));
    const res = await gateway(['profile', 'lint'], { GATEWAY_DELIVERIES_DIR: broken });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('deliveries/daycare/stuk.json $.lawfulUse');
  });
});
