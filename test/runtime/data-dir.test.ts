import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secureDataDir } from '../../src/runtime/data-dir';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('secureDataDir', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('brings folders to 0700 and files to 0600, and follows no link out of the folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gw-modes-'));
    dirs.push(root);
    const data = join(root, 'data');
    const outside = join(root, 'outside.txt');
    mkdirSync(join(data, 'a', 'b'), { recursive: true });
    writeFileSync(join(data, 'a', 'b', 'f'), 'x');
    writeFileSync(join(data, 'g'), 'x');
    writeFileSync(outside, 'x');
    for (const [p, m] of [
      [data, 0o755],
      [join(data, 'a'), 0o777],
      [join(data, 'a', 'b'), 0o755],
      [join(data, 'a', 'b', 'f'), 0o666],
      [join(data, 'g'), 0o644],
      [outside, 0o644],
    ] as const)
      chmodSync(p, m);
    symlinkSync(outside, join(data, 'link'));

    expect(secureDataDir(data)).toEqual({ checked: 5, changed: 5, failed: [] });
    expect([data, join(data, 'a'), join(data, 'a', 'b')].map(mode)).toEqual([0o700, 0o700, 0o700]);
    expect([join(data, 'a', 'b', 'f'), join(data, 'g')].map(mode)).toEqual([0o600, 0o600]);
    expect(mode(outside)).toBe(0o644);
    // A second pass finds nothing to change.
    expect(secureDataDir(data).changed).toBe(0);
  });

  it('creates the folder 0700 when it is not there', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gw-modes-'));
    dirs.push(root);
    const data = join(root, 'new', 'data');
    secureDataDir(data);
    expect(mode(data)).toBe(0o700);
  });
});
