import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const run = promisify(execFile);
const have = async (cmd: string) =>
  run('sh', ['-c', `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );

describe('the README walkthrough', async () => {
  const tools = (await have('curl')) && (await have('jq'));
  if (!tools) console.warn('curl or jq is missing: the README walkthrough test is skipped');
  let gateway: SpawnedGateway | undefined;
  let url = '';
  let dir = '';

  beforeAll(async () => {
    if (!tools) return;
    dir = await mkdtemp(join(tmpdir(), 'gateway-readme-'));
    gateway = spawnGateway({ GATEWAY_DATA_DIR: join(dir, 'data'), GATEWAY_ADMIN_TOKEN: '' });
    url = await gateway.ready;
  });
  afterAll(async () => {
    // The data dir goes only once the gateway has closed its database.
    await gateway?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!tools)('works exactly as written', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBeTruthy();
    // Only where the gateway listens and where npm finds the project differ from a reader's terminal.
    const script = (block as string)
      .replace('export GW=http://127.0.0.1:8787', `export GW=${url}`)
      .replaceAll('npm run -s generate', `npm --prefix ${ROOT} run -s generate`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toContain('"status": "accepted"');
    expect(stdout).toContain('"total": 1000');
    expect(stdout).toContain('"status": "acknowledged"');
    expect(stdout).toMatch(/"valid": true/);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith('dst-dagtilbud-101-2026-10-') && f.endsWith('.xml'))).toBe(true);
  });
});
