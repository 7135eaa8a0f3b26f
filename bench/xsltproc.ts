/**
 * The status quo the gateway replaces: a vendor's four XSLT stylesheets (bench/xslt/), run by
 * xsltproc one after another over the same delivery file. `tsx bench/xsltproc.ts [delivery.xml]`
 * prints each one's wall time and output size (by default on the 1,000,000-record delivery).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, generate, mib, ROOT } from './harness';

/** Each stylesheet and the file it writes, in the order they run. */
export const STYLESHEETS = [
  { stylesheet: 'dst.xsl', output: 'dst.xml' },
  { stylesheet: 'stuk.xsl', output: 'stuk.csv' },
  { stylesheet: 'flis.xsl', output: 'flis.ndjson' },
  { stylesheet: 'archival.xsl', output: 'table1.xml' },
] as const;

/** What the stylesheets cannot read from the delivery file: its facts and the pseudonym key. */
export interface XsltParams {
  municipality: string;
  period: string;
  deliveryId: string;
  pseudonymKey: string;
}

export function hasXsltproc(): boolean {
  try {
    execFileSync('xsltproc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The first line of `xsltproc --version`: the libxml, libxslt and libexslt versions. */
export function xsltprocVersion(): string {
  return execFileSync('xsltproc', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
}

/** Runs `xsltproc -o <out> <xsl> <xml>` for each stylesheet in turn: wall time and output size of each. */
export async function xsltprocBaseline(
  xmlPath: string,
  outDir: string,
  params: Partial<XsltParams> = {},
): Promise<{ stylesheet: string; seconds: number; bytes: number }[]> {
  const p: XsltParams = {
    municipality: '101',
    period: '2026-10',
    deliveryId: 'xslt-baseline',
    pseudonymKey: randomBytes(32).toString('hex'),
    ...params,
  };
  const stringParams = Object.entries(p).flatMap(([name, value]) => ['--stringparam', name, value]);
  await mkdir(outDir, { recursive: true });
  const results: { stylesheet: string; seconds: number; bytes: number }[] = [];
  for (const { stylesheet, output } of STYLESHEETS) {
    const out = join(outDir, output);
    const xsl = join(ROOT, 'bench', 'xslt', stylesheet);
    const started = performance.now();
    const child = spawn('xsltproc', [...stringParams, '-o', out, xsl, xmlPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    const [code] = (await once(child, 'close')) as [number | null];
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`xsltproc ${stylesheet} exited ${code}: ${stderr.trim()}`);
    results.push({ stylesheet, seconds, bytes: statSync(out).size });
  }
  return results;
}

async function main() {
  const xml = process.argv[2] ?? (await generate('daycare', 'xml', 1_000_000));
  console.log(`${xsltprocVersion()}\n${xml} (${fmt(mib(statSync(xml).size))} MiB)\n`);
  console.log('| stylesheet | wall | output |\n|---|---:|---:|');
  const out = await mkdtemp(join(tmpdir(), 'xsltproc-'));
  try {
    for (const r of await xsltprocBaseline(xml, out))
      console.log(`| ${r.stylesheet} | ${fmt(r.seconds)} s | ${fmt(mib(r.bytes))} MiB |`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
