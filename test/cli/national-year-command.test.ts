import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { submissionBody } from '../../src/cli/national-load';
import type { NationalYearPlan } from '../../src/cli/national-plan';
import { ADMIN_TOKEN, startGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;

function generate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/generate.ts', ...args],
      { cwd: ROOT, env: { ...process.env, GATEWAY_ADMIN_TOKEN: '' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run -s generate -- --national-year', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says how in --help, and refuses what it cannot do with 2', async () => {
    const help = await generate(['--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--national-year',
      '--load',
      '--data-dir',
      '--as-of',
      '--months',
      '--municipalities',
    ])
      expect(help.stdout).toContain(option);
    // Neither --out nor --load: the plan on standard output.
    const alone = await generate(['--national-year', '2026', '--months', '1']);
    expect(alone.code).toBe(0);
    const plan = JSON.parse(alone.stdout) as NationalYearPlan;
    expect(plan.slots).toHaveLength(98 * 2);
    expect(alone.stderr).toContain(`${plan.counts.slots} slots`);
    expect((await generate(['--national-year', '2026', '--data-dir', '/tmp/x'])).code).toBe(2); // --data-dir without --load
    expect((await generate(['--national-year', '26x', '--out', '/tmp/x'])).code).toBe(2);
    expect((await generate(['--national-year', '2026', '--months', '13', '--out', '/tmp/x'])).code).toBe(2);
    expect(
      (await generate(['--national-year', '2026', '--municipalities', '999', '--out', '/tmp/x'])).code,
    ).toBe(2);
  });

  it('writes the plan and its bodies, and loads them into the embedded gateway on a data dir', async () => {
    dir = await mkdtemp(join(tmpdir(), 'national-year-'));
    const out = join(dir, 'out');
    const data = join(dir, 'data');
    const run = await generate([
      ...['--national-year', '2026', '--months', '2', '--municipalities', '101,147'],
      ...['--out', out, '--load', '--data-dir', data],
    ]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as NationalYearPlan;
    expect(plan.slots).toHaveLength(2 * 2 * 2);
    const c = plan.counts;
    expect(run.stdout).toContain(
      `${c.submissions} submissions (${c.accepted} to accept, ${c.rejected} to reject)`,
    );
    expect(run.stdout).toContain(`${c.accepted} accepted, ${c.rejected} rejected, 0 not as planned`);
    for (const slot of plan.slots)
      for (const sub of slot.submissions)
        expect(await readFile(join(out, sub.file), 'utf8')).toBe(submissionBody(slot, sub));

    // The data dir holds the year as planned when a gateway is started on it.
    const gw = await startGateway({}, { dataDir: data });
    try {
      const res = await gw.request('/v1/deliveries?limit=100', { token: ADMIN_TOKEN });
      const items = ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
      const seen = items
        .map((d) => `${d.dataset}/${d.municipality}/${d.period} ${d.status} ${d.receivedAt}`)
        .sort();
      const planned = plan.slots
        .flatMap((s) =>
          s.submissions.map((x) => `${s.dataset}/${s.municipality}/${s.period} ${x.outcome} ${x.at}`),
        )
        .sort();
      expect(seen).toEqual(planned);
    } finally {
      await gw.close();
    }

    // A second load into the same data dir: the same bytes again are answered 200, not as planned.
    const again = await generate([
      '--national-year',
      '2026',
      '--months',
      '2',
      '--municipalities',
      '101,147',
      '--load',
      '--data-dir',
      data,
    ]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`0 accepted, ${c.rejected} rejected, ${c.accepted} not as planned`);
    expect(again.stdout).toMatch(/(daycare|eldercare) (101|147) 2026-0[12] #\d: 200, planned accepted/);
  }, 300_000);
});
