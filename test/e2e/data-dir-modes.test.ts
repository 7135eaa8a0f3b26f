import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

/** Every entry under `dir` whose mode is not 0700 (folders) or 0600 (files), with its mode. */
function looseModes(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    const s = statSync(path);
    const mode = s.mode & 0o777;
    if (s.isDirectory()) {
      if (mode !== 0o700) out.push(`${path} ${mode.toString(8)}`);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (mode !== 0o600) out.push(`${path} ${mode.toString(8)}`);
  };
  walk(dir);
  return out;
}

const count = (dir: string): { files: number; dirs: number } => {
  let files = 0;
  let dirs = 0;
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      dirs++;
      for (const name of readdirSync(path)) walk(join(path, name));
    } else files++;
  };
  walk(dir);
  return { files, dirs };
};

/**
 * The real gateway process, started with umask 000 on a data dir an older version left 0755
 * with 0644 files: afterwards the folder and every folder in it are 0700, every file 0600 —
 * the embedded database's, the keys, the admin token, and the objects of a delivery made later.
 */
describe('the data folder at rest', () => {
  const dirs: string[] = [];
  const running: SpawnedGateway[] = [];
  afterAll(async () => {
    for (const g of running) await g.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is 0700 with every file 0600 whatever the umask and the modes it had, objects written later too', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-modes-'));
    dirs.push(dataDir);
    // What an older version (or a careless copy) left behind.
    await chmod(dataDir, 0o755);
    await mkdir(join(dataDir, 'keys'), { mode: 0o755 });
    await chmod(join(dataDir, 'keys'), 0o755);
    await writeFile(join(dataDir, 'keys', 'token-hash.key'), randomBytes(32).toString('base64'), {
      mode: 0o644,
    });
    await chmod(join(dataDir, 'keys', 'token-hash.key'), 0o644);
    await writeFile(join(dataDir, 'notes.txt'), 'left by an older version\n');
    await chmod(join(dataDir, 'notes.txt'), 0o644);

    // umask 000 for the whole process, set before the gateway's own code runs.
    const g = spawnGateway({ GATEWAY_DATA_DIR: dataDir }, [
      '--import',
      'data:text/javascript,process.umask(0)',
      '--import',
      'tsx',
      'src/runtime/node.ts',
    ]);
    running.push(g);
    const url = await g.ready;
    const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    expect(looseModes(dataDir)).toEqual([]);

    const call = (path: string, token: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
      });
    const issued = await call('/v1/admin/tokens', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'source', subject: 'v', municipalities: ['101'], datasets: ['daycare'] }),
    });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 50, format: 'xml', seed: 7 })].join('');
    const res = await call('/v1/deliveries?dataset=daycare&municipality=101&period=2026-10', token, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    expect(res.status).toBe(201);
    // The delivery's objects and its extracts are files now, and so are the pseudonym keys.
    const { files, dirs: folders } = count(join(dataDir, 'objects'));
    expect(files).toBeGreaterThan(1);
    expect(folders).toBeGreaterThan(1);
    expect(looseModes(dataDir)).toEqual([]);

    expect(await g.stop()).toBe(0);
    expect(looseModes(dataDir)).toEqual([]);
  });
});
