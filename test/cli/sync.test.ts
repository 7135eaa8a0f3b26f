import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;
type Run = { code: number; stdout: string; stderr: string };

const MUNICIPALITIES = ['101', '147', '151', '153', '155'];

/**
 * Issue 15, done when: a nightly sync. Deliveries for five municipalities and three corrections
 * of one slot; `gateway extracts sync` run four times, one of them killed mid-download. Each
 * current extract lands exactly once, byte-identical, acknowledged once; superseded ones are
 * reported with their successor.
 */
describe('gateway extracts sync', () => {
  let gw: Gateway;
  let server: ServerType;
  let url: string;
  let dir: string;
  let inbox: string;
  let source: string;
  let dst: string;
  /** While set, extract content is served slowly: 16 KiB every 25 ms. */
  let slow = false;
  const ranges: Array<{ path: string; range: string | null }> = [];

  const env = () => ({ GATEWAY_URL: url, GATEWAY_TOKEN: dst });
  const gateway = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/gateway.js', ...args],
        { cwd: ROOT, env: { ...process.env, ...env() } },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const deliver = async (municipality: string, seed: number) => {
    const body = [...syntheticDelivery({ dataset: 'daycare', records: 1500, format: 'xml', seed })].join('');
    const res = await submit(gw, source, body, `dataset=daycare&municipality=${municipality}&period=2026-10`);
    expect(res.status).toBe(201);
    const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    return d.extracts.find((e) => e.recipient === 'dst')?.id as string;
  };
  const files = async () =>
    (await readdir(inbox)).filter((f) => !f.startsWith('.') && !f.endsWith('.json')).sort();
  const acknowledgements = async () => {
    const page = (await (
      await gw.request('/v1/audit?action=extract.acknowledged&limit=500', { token: ADMIN_TOKEN })
    ).json()) as { items: Array<{ subject: string }> };
    return page.items.map((e) => e.subject);
  };

  beforeAll(async () => {
    gw = await startGateway();
    server = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async (req) => {
        const res = await gw.app.fetch(req);
        const path = new URL(req.url).pathname;
        if (!path.endsWith('/content') || req.method !== 'GET') return res;
        ranges.push({ path, range: req.headers.get('range') });
        if (!slow || !res.body) return res;
        const reader = res.body.getReader();
        let pending = new Uint8Array(0);
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            while (pending.length < 16384) {
              const { value, done } = await reader.read();
              if (done) break;
              const next = new Uint8Array(pending.length + value.length);
              next.set(pending);
              next.set(value, pending.length);
              pending = next;
            }
            if (pending.length === 0) return controller.close();
            await new Promise((r) => setTimeout(r, 25));
            controller.enqueue(pending.slice(0, 16384));
            pending = pending.slice(16384);
          },
        });
        return new Response(body, { status: res.status, headers: res.headers });
      },
    });
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'gateway-sync-'));
    inbox = join(dir, 'inbox');
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys',
        municipalities: MUNICIPALITIES,
        datasets: ['daycare'],
      })
    ).token;
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-intake', recipient: 'dst' })).token;
  }, 60_000);
  afterAll(async () => {
    server?.close();
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers --help with its own usage and examples, and says which URL it could not reach', async () => {
    const help = await gateway(['extracts', 'sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: gateway extracts sync --dir DIR');
    expect(help.stdout).toContain('examples:');
    const refused = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        ['bin/gateway.js', 'extracts', 'sync', '--dir', inbox, '--url', 'http://127.0.0.1:9'],
        { cwd: ROOT, env: { ...process.env, GATEWAY_TOKEN: dst } },
        (err, stdout, stderr) =>
          resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
      ),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('lands every current extract once, resumes a killed run, acknowledges once, reports what was superseded', async () => {
    // Night 1: five municipalities.
    const first: Record<string, string> = {};
    for (const [i, m] of MUNICIPALITIES.entries()) first[m] = await deliver(m, 100 + i);
    const run1 = await gateway(['extracts', 'sync', '--dir', inbox, '--ack']);
    expect(run1.code, run1.stderr).toBe(0);
    const r1 = JSON.parse(run1.stdout) as { downloaded: Array<{ extract: string }>; acknowledged: string[] };
    expect(r1.downloaded.map((d) => d.extract).sort()).toEqual(Object.values(first).sort());
    expect(r1.acknowledged.sort()).toEqual(Object.values(first).sort());

    // Night 2: three corrections of 101, served slowly; the run is killed mid-download.
    const corrections = [await deliver('101', 201), await deliver('101', 202), await deliver('101', 203)];
    const current101 = corrections[2] as string;
    slow = true;
    const child: ChildProcess = spawn(
      process.execPath,
      ['bin/gateway.js', 'extracts', 'sync', '--dir', inbox, '--ack'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env() },
        stdio: 'ignore',
      },
    );
    const part = join(inbox, '.gateway-sync-parts', `${current101}.part`);
    const deadline = Date.now() + 30_000;
    while (!(existsSync(part) && (await stat(part)).size > 32768)) {
      if (Date.now() > deadline) throw new Error('the download never began');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    slow = false;
    const partial = (await stat(part)).size;
    // The dead run left its lock and a part; neither the file nor its metadata is in the folder.
    expect(existsSync(join(inbox, '.gateway-sync.lock'))).toBe(true);
    expect((await files()).length).toBe(5);

    // Run 3 resumes from where the killed run stopped, and reports what the correction replaced.
    const run3 = await gateway(['extracts', 'sync', '--dir', inbox, '--ack']);
    expect(run3.code, run3.stderr).toBe(0);
    const r3 = JSON.parse(run3.stdout) as {
      downloaded: Array<{ extract: string; replaces: string | null }>;
      acknowledged: string[];
      unchanged: number;
      superseded: Array<{ extract: string; file: string; replacedBy: string }>;
    };
    expect(r3.downloaded.map((d) => d.extract)).toEqual([current101]);
    expect(r3.downloaded[0]?.replaces).toBe(corrections[1]);
    expect(r3.acknowledged).toEqual([current101]);
    expect(r3.superseded).toEqual([
      {
        extract: first['101'],
        file: expect.stringMatching(/^dst-dagtilbud-101-2026-10-/),
        replacedBy: current101,
      },
    ]);
    const resumed = ranges.filter((r) => r.path.includes(current101) && r.range);
    expect(resumed.map((r) => r.range)).toEqual([`bytes=${partial}-`]);
    expect(existsSync(part)).toBe(false);
    expect(existsSync(join(inbox, '.gateway-sync.lock'))).toBe(false);

    // Run 4: nothing new.
    const run4 = await gateway(['extracts', 'sync', '--dir', inbox, '--ack']);
    expect(run4.code, run4.stderr).toBe(0);
    const r4 = JSON.parse(run4.stdout) as {
      downloaded: unknown[];
      acknowledged: unknown[];
      failed: unknown[];
    };
    expect(r4).toMatchObject({ downloaded: [], acknowledged: [], failed: [], superseded: [] });

    // Every current extract is in the folder once, byte-identical with what the gateway serves.
    const current = (await (await gw.request('/v1/extracts?limit=500', { token: dst })).json()) as {
      items: Array<{ id: string; fileName: string; sha256: string }>;
    };
    expect(current.items).toHaveLength(5);
    const names = await files();
    for (const e of current.items) {
      expect(names.filter((n) => n === e.fileName)).toHaveLength(1);
      const bytes = await readFile(join(inbox, e.fileName));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256);
      const meta = JSON.parse(await readFile(join(inbox, `${e.fileName}.json`), 'utf8')) as {
        extract: { id: string };
        receipt: { deliveryId: string };
        acknowledgedAt: string;
      };
      expect(meta.extract.id).toBe(e.id);
      expect(meta.acknowledgedAt).toBeTruthy();
    }
    // The superseded file of 101 stays, marked with its successor; the two corrections between were never fetched.
    expect(names).toHaveLength(6);
    // Acknowledged once each: the five of night 1 and the one current 101.
    const acks = await acknowledgements();
    expect(acks.sort()).toEqual([...Object.values(first), current101].sort());

    // The receipt beside a file verifies against the JWKS; a doctored one does not.
    const fileOf101 = current.items.find((e) => e.id === current101)?.fileName as string;
    const jwksPath = join(dir, 'jwks.json');
    await writeFile(jwksPath, await (await gw.request('/.well-known/jwks.json')).text());
    const ok = await gateway(['receipt', 'verify', join(inbox, `${fileOf101}.json`), '--jwks', jwksPath]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true });
    const meta = JSON.parse(await readFile(join(inbox, `${fileOf101}.json`), 'utf8')) as {
      extract: { receipt: string };
    };
    const [h, p, sig] = meta.extract.receipt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { records: { total: number } };
    payload.records.total += 1;
    await writeFile(
      join(dir, 'forged.jws'),
      `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`,
    );
    const forged = await gateway(['receipt', 'verify', join(dir, 'forged.jws'), '--jwks', jwksPath]);
    expect(forged.code).toBe(1);
    expect(JSON.parse(forged.stdout)).toMatchObject({ valid: false });
  }, 180_000);

  it('works only in a folder of its own, writes fetched files 0600 never through a link, gives up on silence', async () => {
    // A folder others may write in: refused, nothing fetched.
    const open = join(dir, 'open');
    await mkdir(open, { mode: 0o777 });
    await chmod(open, 0o1777);
    const refused = await gateway(['extracts', 'sync', '--dir', open]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('others may write in');
    expect(await readdir(open)).toEqual([]);

    // A lock naming a live pid that started at another time (a reused pid) is taken over.
    const taken = join(dir, 'taken');
    await mkdir(taken, { mode: 0o700 });
    await writeFile(join(taken, '.gateway-sync.lock'), '1 12345');
    const run = await gateway(['extracts', 'sync', '--dir', taken]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('another sync');
    expect(JSON.parse(run.stdout)).toMatchObject({ failed: [] });
    expect(existsSync(join(taken, '.gateway-sync.lock'))).toBe(false);

    // fetch: a link planted at the file name is replaced, not written through; the file is 0600.
    const list = (await (await gw.request('/v1/extracts?limit=1', { token: dst })).json()) as {
      items: Array<{ id: string; fileName: string }>;
    };
    const e = list.items[0] as { id: string; fileName: string };
    const out = join(dir, 'out');
    await mkdir(out);
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'untouched');
    await symlink(victim, join(out, e.fileName));
    const fetched = await gateway(['extracts', 'fetch', e.id, '--out', out]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    const st = await lstat(join(out, e.fileName));
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);

    // A gateway that takes the connection and never answers: a failure within the wait, not a hang.
    const silent = createNetServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const hung = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        ['bin/gateway.js', 'extracts', 'list', '--url', `http://127.0.0.1:${port}`],
        { cwd: ROOT, env: { ...process.env, GATEWAY_TOKEN: dst, GATEWAY_TIMEOUT_SECONDS: '2' } },
        (err, stdout, stderr) =>
          resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
      ),
    );
    silent.close();
    expect(hung.code).toBe(1);
    expect(hung.stderr).toContain(`no answer from http://127.0.0.1:${port} within 2 s`);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
