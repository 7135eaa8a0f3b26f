/** What the benchmarks share: the synthetic files, a gateway process as `npm start` runs it, its memory, tokens. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SyntheticDataset, type SyntheticFormat, syntheticDelivery } from '../src/cli/synthetic';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const OUT = join(ROOT, 'bench', 'out');
export const ADMIN = 'bench-admin-token-0123456789abcdef';

export const mib = (b: number) => b / 1048576;
export const fmt = (n: number, d = 1) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: d });

export async function generate(
  dataset: SyntheticDataset,
  format: SyntheticFormat,
  records: number,
): Promise<string> {
  await mkdir(OUT, { recursive: true });
  const path = join(OUT, `${dataset}-${records}.${format}`);
  if (existsSync(path)) return path;
  const out = createWriteStream(`${path}.tmp`);
  for (const chunk of syntheticDelivery({ dataset, records, format, seed: 42 })) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await import('node:fs/promises').then((fs) => fs.rename(`${path}.tmp`, path));
  return path;
}

export interface Server {
  child: ChildProcess;
  url: string;
  peakRss(): number;
  stop(): Promise<void>;
}

export function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  // As `npm start` runs it: the built bundle, not the TypeScript sources through tsx.
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each thread there (see bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...profile, '--enable-source-maps', 'dist/node.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_ADMIN_TOKEN: ADMIN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /gateway ready at (http:\/\/[^\s"]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  return {
    child,
    url,
    peakRss: () => rssOf(child.pid as number).hwm,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function token(url: string, body: object): Promise<string> {
  const res = await fetch(`${url}/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as { token: string }).token;
}
