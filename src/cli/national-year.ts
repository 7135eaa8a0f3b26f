/**
 * `npm run -s generate -- --national-year 2026 [--out DIR] [--load --data-dir DIR]`: the plan
 * written out as files, and/or loaded into the embedded gateway on a data dir (PGlite and
 * files, as `npm start` runs it) through its HTTP app, the clock at each planned instant.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { settableClock } from '../core/clock';
import { createApp } from '../http/app';
import { readConfig } from '../runtime/config';
import { restrictUmask } from '../runtime/data-dir';
import { buildNodeServices, createLogger, PROJECT_ROOT } from '../runtime/node-services';
import { type LoadSummary, loadNationalYear, writeNationalYear } from './national-load';
import { makeNationalYearPlan, type NationalYearPlan, type PlanOptions } from './national-plan';

export interface NationalYearArgs {
  plan: PlanOptions;
  out?: string;
  load: boolean;
  dataDir?: string;
}

export async function nationalYear(args: NationalYearArgs): Promise<void> {
  const plan = makeNationalYearPlan(args.plan);
  const c = plan.counts;
  // The plan itself on standard output when it is not written or loaded; what it holds goes to standard error.
  const say = (text: string) => (args.out || args.load ? process.stdout : process.stderr).write(text);
  if (!args.out && !args.load) process.stdout.write(`${JSON.stringify(plan)}\n`);
  say(
    `national year ${plan.year}, ${plan.municipalities.length} municipalities x ${plan.periods.length} months (seed ${plan.seed}, as of ${plan.asOf}): ${c.slots} slots — ` +
      `${c.expected.received} received, ${c.expected.late} late, ${c.expected.missing} missing, ` +
      `${c.expected.rejected} rejected, ${c.expected.pending} pending; ${c.anomalies} anomalies, ` +
      `${c.corrected} corrected; ${c.submissions} submissions (${c.accepted} to accept, ` +
      `${c.rejected} to reject), ${c.records} records\n`,
  );
  if (args.out) {
    const files = await writeNationalYear(args.out, plan);
    process.stdout.write(`wrote ${join(args.out, 'plan.json')} and ${files} delivery files\n`);
  }
  if (args.load) {
    const summary = await loadIntoDataDir(
      resolve(args.dataDir ?? process.env.GATEWAY_DATA_DIR ?? 'data'),
      plan,
    );
    process.stdout.write(
      `loaded ${summary.submissions} submissions in ${(summary.ms / 1000).toFixed(1)} s: ` +
        `${summary.accepted} accepted, ${summary.rejected} rejected, ${summary.unexpected.length} not as planned\n`,
    );
    for (const u of summary.unexpected.slice(0, 20))
      process.stdout.write(
        `  ${u.dataset} ${u.municipality} ${u.period} #${u.n}: ${u.status}, planned ${u.outcome}\n`,
      );
    if (summary.unexpected.length) process.exitCode = 1;
  }
}

/**
 * The embedded gateway on `dataDir` (its settings from the environment, like `npm start`), with
 * a clock the loader sets and a one-off admin token that is gone with this process.
 */
export async function loadIntoDataDir(dataDir: string, plan: NationalYearPlan): Promise<LoadSummary> {
  restrictUmask();
  const config = readConfig({ ...process.env, GATEWAY_DATA_DIR: dataDir, GATEWAY_ADMIN_TOKEN: undefined });
  const clock = settableClock(new Date(`${plan.year}-01-01T00:00:00.000Z`));
  const version = (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const built = await buildNodeServices(config, createLogger('warn', process.stderr), version, {
    now: clock.now,
  });
  try {
    const adminToken = `gw_${randomBytes(32).toString('base64url')}`;
    built.services.adminTokenHash = built.services.hashToken(adminToken);
    const app = createApp(built.services);
    let shown = 0;
    return await loadNationalYear(
      {
        adminToken,
        setTime: clock.set,
        request: (path, init = {}) => {
          const { token, ...rest } = init;
          const headers = new Headers(rest.headers);
          if (token) headers.set('authorization', `Bearer ${token}`);
          return Promise.resolve(app.request(`http://gateway.local${path}`, { ...rest, headers }));
        },
      },
      plan,
      {
        progress: (done) => {
          if (done - shown >= 500) {
            shown = done;
            process.stderr.write(`  ${done} submissions sent\n`);
          }
        },
      },
    );
  } finally {
    built.services.adminTokenHash = null;
    await built.close();
  }
}
