import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('packaged extracts: gzip and zip', () => {
  let gw: Gateway;
  let dir: string;
  const tokens: Record<string, string> = {};
  let extracts: Array<{ id: string; recipient: string; sha256: string; bytes: number }>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-pkg-'));
    await cp(join(ROOT, 'deliveries'), join(dir, 'deliveries'), { recursive: true });
    const edit = async (name: string, change: (p: Record<string, unknown>) => void) => {
      const path = join(dir, 'deliveries', 'daycare', `${name}.json`);
      const p = JSON.parse(await readFile(path, 'utf8'));
      change(p);
      await writeFile(path, JSON.stringify(p));
    };
    await edit('dst', (p) => {
      p.package = 'zip';
      p.fileName = 'dst-{municipality}-{period}.zip';
      p.entryName = 'dst-{municipality}-{period}.xml';
    });
    await edit('flis', (p) => {
      p.package = 'gzip';
      p.fileName = 'flis-{municipality}-{period}.ndjson.gz';
    });
    gw = await startGateway({ GATEWAY_DELIVERIES_DIR: join(dir, 'deliveries') });
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    for (const r of ['dst', 'flis'])
      tokens[r] = (await gw.issueToken({ role: 'recipient', subject: r, recipient: r })).token;
    const res = await submit(
      gw,
      source,
      [...syntheticDelivery({ dataset: 'daycare', records: 3000, format: 'xml' })].join(''),
    );
    expect(res.status).toBe(201);
    extracts = ((await res.json()) as { extracts: typeof extracts }).extracts;
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const download = async (recipient: string) => {
    const e = extracts.find((x) => x.recipient === recipient);
    const res = await gw.request(`/v1/extracts/${e?.id}/content`, { token: tokens[recipient] });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(e?.sha256);
    expect(bytes.length).toBe(e?.bytes);
    return { res, bytes };
  };

  it('gzips an extract: the stored bytes are gzip and inflate to the NDJSON', async () => {
    const { res, bytes } = await download('flis');
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toContain('flis-101-2026-10.ndjson.gz');
    const lines = gunzipSync(bytes).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[0] as string)).toHaveProperty('personPseudonym');
  });

  it('zips an extract with its entry named by the profile', async () => {
    const { res, bytes } = await download('dst');
    expect(res.headers.get('content-type')).toBe('application/zip');
    const path = join(dir, 'dst.zip');
    await writeFile(path, bytes);
    const listing = execFileSync('python3', [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = z.namelist(); print(n[0]); print(z.read(n[0]).decode().count("<Barn>"))',
      path,
    ])
      .toString()
      .trim()
      .split('\n');
    expect(listing).toEqual(['dst-101-2026-10.xml', '3000']);
  });
});
