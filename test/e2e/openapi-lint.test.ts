import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{
    ruleId: string;
    severity: string;
    message: string;
    location: Array<{ pointer?: string }>;
  }>;
}

/** The served document passes `redocly lint` with the rules of redocly.yaml: no error, no warning. */
describe('the OpenAPI document', () => {
  let gw: Gateway;
  let dir = '';
  beforeAll(async () => {
    gw = await startGateway();
    dir = await mkdtemp(join(tmpdir(), 'gateway-openapi-'));
  });
  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes redocly lint', async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, await (await gw.request('/openapi.json')).text());
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/redocly'),
      ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((e: { stdout?: string; stderr?: string }) => {
      if (e.stdout?.trim().startsWith('{')) return { stdout: e.stdout };
      throw new Error(`redocly lint did not run: ${e.stderr ?? e}`);
    });
    const report = JSON.parse(stdout) as LintReport;
    const found = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(found).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('names every operation, tags it and says which refusals it can answer', async () => {
    const doc = (await (await gw.request('/openapi.json')).json()) as {
      servers?: unknown[];
      paths: Record<
        string,
        Record<
          string,
          { operationId?: string; tags?: string[]; responses: Record<string, unknown>; security?: unknown[] }
        >
      >;
    };
    expect(doc.servers?.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        ids.add(op.operationId as string);
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        // The published schemas and examples need no token (security: []): no 401, 403 or 429.
        const open = op.security !== undefined && op.security.length === 0;
        if (path.startsWith('/v1/'))
          for (const status of open ? ['400'] : ['400', '401', '403', '429'])
            expect(Object.keys(op.responses), `${method} ${path}`).toContain(status);
        if (open && path.startsWith('/v1/')) {
          expect(path, `${method} ${path} is open`).toMatch(
            /^\/v1\/datasets\/\{id\}\/(schema|example)\.\w+$/,
          );
          expect(Object.keys(op.responses)).not.toContain('401');
        }
      }
    expect(ids.size).toBe(Object.values(doc.paths).flatMap((i) => Object.keys(i)).length);
    for (const path of ['/health', '/metrics', '/.well-known/jwks.json'])
      expect(doc.paths[path]?.get).toBeTruthy();
    expect(doc.paths['/v1/extracts/{id}/content']?.head).toBeTruthy();
  });
});
