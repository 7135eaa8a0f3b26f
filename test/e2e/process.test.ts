import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  ready: Promise<string>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /gateway ready at (http:\/\/[^\s"]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before ready:\n${out}`)));
  });
  return { child, output: () => out, ready };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('the gateway process', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('starts on the embedded default, prints an admin token once, serves, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-proc-'));
    dirs.push(dataDir);
    const gw = start({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: '' });
    const url = await gw.ready;
    expect(gw.output()).toContain('/docs');
    const tokenFile = join(dataDir, 'admin.token');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    const docs = await fetch(`${url}/docs`);
    expect(await docs.text()).toContain('/v1/deliveries');
    const code = exited(gw.child);
    gw.child.kill('SIGTERM');
    expect(await code).toBe(0);

    // A second start reuses the saved token and prints no new one.
    const again = start({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: '' });
    await again.ready;
    expect(again.output()).not.toContain('Admin token (shown once');
    const code2 = exited(again.child);
    again.child.kill('SIGTERM');
    expect(await code2).toBe(0);
  });

  it('starts again on the same data after being killed, and keeps a second process off that data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-kill-'));
    dirs.push(dataDir);
    const first = start({ GATEWAY_DATA_DIR: dataDir });
    await first.ready;
    const second = start({ GATEWAY_DATA_DIR: dataDir });
    const secondCode = exited(second.child);
    await expect(second.ready).rejects.toThrow();
    expect(await secondCode).toBe(2);
    expect(second.output()).toContain('another gateway process');
    const killed = exited(first.child);
    first.child.kill('SIGKILL');
    await killed;
    const again = start({ GATEWAY_DATA_DIR: dataDir });
    const url = await again.ready;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const code = exited(again.child);
    again.child.kill('SIGTERM');
    expect(await code).toBe(0);
  });

  it('refuses to start on an invalid profile and names the file, the JSON path and the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-lint-'));
    dirs.push(dir);
    await cp(join(ROOT, 'deliveries'), join(dir, 'deliveries'), { recursive: true });
    const broken = { ...(await import('../../deliveries/daycare/dst.json')).default } as Record<
      string,
      unknown
    >;
    broken.columns = [{ name: 'Foo', from: 'shoeSize' }];
    await mkdir(join(dir, 'deliveries', 'daycare'), { recursive: true });
    await writeFile(join(dir, 'deliveries', 'daycare', 'dst.json'), JSON.stringify(broken));
    const gw = start({
      GATEWAY_DATA_DIR: join(dir, 'data'),
      GATEWAY_DELIVERIES_DIR: join(dir, 'deliveries'),
    });
    const code = exited(gw.child);
    await expect(gw.ready).rejects.toThrow();
    expect(await code).toBe(2);
    expect(gw.output()).toContain(
      'deliveries/daycare/dst.json $.columns[0]: field shoeSize is not in dataset daycare',
    );
  });

  it('refuses to start on invalid configuration and names the variable', async () => {
    const gw = start({ PORT: 'eighty' });
    const code = exited(gw.child);
    await expect(gw.ready).rejects.toThrow();
    expect(await code).toBe(2);
    expect(gw.output()).toContain('PORT');
  });
});
