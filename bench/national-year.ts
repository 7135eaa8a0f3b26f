/**
 * `npm run -s bench:national-year`: loads the planned national year 2026 (98 municipalities ×
 * 12 months × daycare and eldercare) into the in-memory gateway and into the embedded one (PGlite
 * and files in a temporary data dir), each through its HTTP app in this process with the clock
 * at each planned instant, and prints the time each took. `NATIONAL_YEAR_TARGETS=memory` (or
 * `embedded`) runs one; `NATIONAL_YEAR_MONTHS=3` loads the first months only. The CPU time is
 * this process's (user + system) during the load: on a shared machine it says more than the wall time.
 */
import { cpus, totalmem } from 'node:os';
import { type LoadSummary, type LoadTarget, loadNationalYear } from '../src/cli/national-load';
import { makeNationalYearPlan } from '../src/cli/national-plan';
import { settableClock } from '../src/core/clock';
import { ADMIN_TOKEN, startGateway, startMemoryGateway } from '../test/support/harness';

const months = Number(process.env.NATIONAL_YEAR_MONTHS ?? 12);
const targets = (process.env.NATIONAL_YEAR_TARGETS ?? 'memory,embedded').split(',');
const plan = makeNationalYearPlan({ year: 2026, months });

/** The app itself, without the harness's check of every answer against the OpenAPI document. */
function target(
  app: { request: (url: string, init: RequestInit) => Response | Promise<Response> },
  set: (at: Date) => void,
): LoadTarget {
  return {
    adminToken: ADMIN_TOKEN,
    setTime: set,
    request: async (path, init = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return app.request(`http://gateway.bench${path}`, { ...rest, headers });
    },
  };
}

function line(name: string, s: LoadSummary, startMs: number, cpuMs: number): string {
  const perSecond = (s.submissions / (s.ms / 1000)).toFixed(0);
  return `| ${name} | ${s.submissions} | ${s.accepted} | ${s.rejected} | ${s.unexpected.length} | ${(startMs / 1000).toFixed(1)} s | ${(s.ms / 1000).toFixed(1)} s | ${(cpuMs / 1000).toFixed(1)} s | ${perSecond}/s |`;
}

const rows: string[] = [];
const reads: string[] = [];
let failed = false;

/** Median and worst of `n` timed reads of one path, after a warm-up read. */
async function timeReads(t: LoadTarget, name: string, path: string, n = 20): Promise<string> {
  const once = async () => {
    const res = await t.request(path, { token: ADMIN_TOKEN });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    await res.arrayBuffer();
  };
  await once();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(1);
  return `| ${name} | \`${path}\` | ${at(0.5)} ms | ${at(0.95)} ms | ${ms.at(-1)?.toFixed(1)} ms |`;
}
for (const name of targets) {
  const clock = settableClock(new Date('2026-01-01T00:00:00Z'));
  const t0 = performance.now();
  const gw =
    name === 'memory'
      ? await startMemoryGateway({ LOG_LEVEL: 'warn' }, { now: clock.now })
      : await startGateway({ LOG_LEVEL: 'warn' }, { now: clock.now });
  const startMs = performance.now() - t0;
  try {
    const cpu = process.cpuUsage();
    const summary = await loadNationalYear(target(gw.app, clock.set), plan, {
      progress: (done) => {
        if (done % 250 === 0) process.stderr.write(`${name}: ${done} submissions sent\n`);
      },
    });
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    rows.push(
      line(name === 'memory' ? 'memory stores' : 'embedded (PGlite + files)', summary, startMs, cpuMs),
    );
    if (summary.unexpected.length) failed = true;
    const t = target(gw.app, clock.set);
    const gateway = name === 'memory' ? 'memory' : 'embedded';
    const last = `2026-${String(months).padStart(2, '0')}`;
    reads.push(
      await timeReads(t, gateway, `/v1/status?period=${last}`),
      await timeReads(t, gateway, `/v1/quality?dataset=daycare&from=2026-01&to=${last}`),
      await timeReads(t, gateway, `/v1/reports/consolidation?from=2026-01&to=${last}`),
    );
  } finally {
    await gw.close();
  }
}
const c = plan.counts;
process.stdout.write(
  `National year 2026, ${months} months: ${c.slots} slots, ${c.submissions} submissions (${c.accepted} to accept, ${c.rejected} to reject), ${c.records} records.\n` +
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}.\n\n` +
    '| gateway | submissions | accepted | rejected | not as planned | start | load (wall) | load (CPU) | rate |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    `${rows.join('\n')}\n\n` +
    'Reads with the year loaded (20 after a warm-up, the app in this process, an admin token):\n\n' +
    '| gateway | read | median | p95 | worst |\n|---|---|---:|---:|---:|\n' +
    `${reads.join('\n')}\n`,
);
if (failed) process.exitCode = 1;
