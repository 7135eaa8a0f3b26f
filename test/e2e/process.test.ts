import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('the gateway process', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('starts on the embedded default, prints an admin token once, serves, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-proc-'));
    dirs.push(dataDir);
    const gw = spawnGateway({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: '' });
    const url = await gw.ready;
    expect(gw.output()).toContain('/docs');
    expect(gw.output()).toContain('Admin token (shown once');
    expect((await stat(join(dataDir, 'admin.token'))).mode & 0o777).toBe(0o600);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    expect(await (await fetch(`${url}/docs`)).text()).toContain('/v1/deliveries');
    expect(await gw.stop()).toBe(0);

    // A second start reuses the saved token and prints no new one.
    const again = spawnGateway({ GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: '' });
    await again.ready;
    expect(again.output()).not.toContain('Admin token (shown once');
    expect(await again.stop()).toBe(0);
  });

  it('starts again on the same data after being killed, and keeps a second process off that data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-kill-'));
    dirs.push(dataDir);
    const first = spawnGateway({ GATEWAY_DATA_DIR: dataDir });
    await first.ready;
    const second = spawnGateway({ GATEWAY_DATA_DIR: dataDir });
    await expect(second.ready).rejects.toThrow();
    expect(await second.stop()).toBe(2);
    expect(second.output()).toContain('another gateway process');
    first.child.kill('SIGKILL');
    await first.stop();
    const again = spawnGateway({ GATEWAY_DATA_DIR: dataDir });
    const url = await again.ready;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await again.stop()).toBe(0);
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
    const gw = spawnGateway({
      GATEWAY_DATA_DIR: join(dir, 'data'),
      GATEWAY_DELIVERIES_DIR: join(dir, 'deliveries'),
    });
    await expect(gw.ready).rejects.toThrow();
    expect(await gw.stop()).toBe(2);
    expect(gw.output()).toContain(
      'deliveries/daycare/dst.json $.columns[0]: field shoeSize is not in dataset daycare',
    );
  });

  it('refuses to start on invalid configuration and names the variable', async () => {
    const gw = spawnGateway({ PORT: 'eighty' });
    await expect(gw.ready).rejects.toThrow();
    expect(await gw.stop()).toBe(2);
    expect(gw.output()).toContain('PORT');
  });
});
