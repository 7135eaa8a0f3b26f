import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type SpawnedGateway, spawnGateway } from '../support/harness';

/**
 * The gateway under attack: its own process (so "never dies" is observable and a crash does
 * not take the test runner with it), started from the sources on a fresh data dir, restarted on
 * the same data if an attack kills it, so the remaining runs and the shrinking still go on.
 */

export const ATTACK_ADMIN = 'attack-admin-token-0123456789abcdef';

/** `ATTACK_SEED` replays a run; `ATTACK_RUNS` scales every property's run count (default 1). */
export const SEED = process.env.ATTACK_SEED ? Number(process.env.ATTACK_SEED) : 20261130;
const SCALE = process.env.ATTACK_RUNS ? Number(process.env.ATTACK_RUNS) : 1;
export const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/** fast-check settings every property shares: fixed seed, bounded runs, bounded time, the seed in the report. */
export function settings(numRuns: number, seconds: number): fc.Parameters<unknown> {
  return {
    seed: SEED,
    numRuns: runs(numRuns),
    // Shrinking an HTTP round trip is slow: stop after the time budget, keeping the failure found so far.
    interruptAfterTimeLimit: seconds * 1000,
    markInterruptAsFailure: false,
    reporter: (out) => {
      if (out.failed)
        throw new Error(
          `${fc.defaultReportMessage(out)}\n\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}\n\nReplay: ATTACK_SEED=${out.seed} npx vitest run test/attack (seed ${out.seed}, path ${out.counterexamplePath})`,
        );
    },
  };
}

/**
 * Fails the run with the broken promises and a reproduction, or, with ATTACK_FINDINGS=<file>,
 * appends them there and lets the run go on (to survey every failing promise at once).
 */
export async function fail(what: string, broken: string[], repro: string): Promise<void> {
  if (!broken.length) return;
  const file = process.env.ATTACK_FINDINGS;
  if (file) {
    await appendFile(file, `${JSON.stringify({ what, broken, repro, seed: SEED })}\n`);
    return;
  }
  throw new Error(`${what}: ${broken.join('\n')}\n${repro}`);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Set when no HTTP answer came at all. */
  error?: string;
}

export class Target {
  url = '';
  deaths: string[] = [];
  private g!: SpawnedGateway;
  private constructor(
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}) {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-attack-'));
    const t = new Target(dataDir, {
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_ADMIN_TOKEN: ATTACK_ADMIN,
      GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
      GATEWAY_AUTH_FAILURES_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
      ...env,
    });
    await t.boot();
    return t;
  }

  private async boot() {
    this.g = spawnGateway(this.env);
    this.url = await this.g.ready;
  }

  get pid() {
    return this.g.child.pid as number;
  }

  alive() {
    return this.g.child.exitCode === null && this.g.child.signalCode === null;
  }

  /** False (and the gateway started again on the same data) when the process had died. */
  async ensureUp(): Promise<boolean> {
    if (this.alive()) return true;
    const out = this.g.output();
    this.deaths.push(
      `exit ${this.g.child.exitCode ?? this.g.child.signalCode}: ${out.slice(-1500).replace(/\s+/g, ' ')}`,
    );
    await this.boot();
    return false;
  }

  output() {
    return this.g.output();
  }

  /**
   * One request on a connection of its own (no keep-alive: a pooled socket the server is closing
   * would show up as "no answer" and blame the gateway for the client's race).
   */
  call(
    path: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      body?: Uint8Array | string;
      token?: string;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const body = init.body;
    // Always framed: without Content-Length, Node sends a DELETE's body unframed (a broken request).
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve) => {
      let done = false;
      const finish = (a: Answer) => {
        if (!done) resolve(a);
        done = true;
      };
      const req = request(
        `${this.url}${path}`,
        { method: init.method ?? 'GET', headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) =>
            finish({ status: 0, headers: new Headers(), text: '', error: `response: ${e.message}` }),
          );
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
            finish({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.setTimeout(120_000, () => req.destroy(new Error('no answer within 120 s')));
      // An early answer (a refusal before the whole body is read) may reset the upload: the answer still counts.
      req.on('error', (e) =>
        setTimeout(() => finish({ status: 0, headers: new Headers(), text: '', error: e.message }), 200),
      );
      // The body in pieces, stopping once an answer has come (as a client that reads while it sends).
      let answered = false;
      req.once('response', () => {
        answered = true;
      });
      const bytes = body === undefined ? undefined : Buffer.from(body);
      (async () => {
        for (let i = 0; bytes && i < bytes.length && !answered && !req.destroyed; i += 65_536)
          if (!req.write(bytes.subarray(i, i + 65_536)))
            await new Promise((r) => {
              req.once('drain', r);
              req.once('close', r);
            });
        if (!req.destroyed) req.end();
      })();
    });
  }

  async issueToken(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
    const res = await this.call('/v1/admin/tokens', {
      method: 'POST',
      token: ATTACK_ADMIN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`token issue failed: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as { id: string; token: string };
  }

  async stop() {
    await this.g.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * What every answer must be: no 5xx, an answer at all, every 4xx an RFC 9457 problem document,
 * and no planted CPR number anywhere in it. Returns the broken promises.
 */
export function answerViolations(res: Answer, planted: ReadonlySet<string>, method = 'GET'): string[] {
  const out: string[] = [];
  if (res.status === 0) out.push(`no answer (${res.error})`);
  if (res.status >= 500) out.push(`answered ${res.status}: ${res.text.slice(0, 300)}`);
  if (res.status >= 400 && res.status < 600 && method !== 'HEAD') {
    const ct = res.headers.get('content-type') ?? '';
    if (!ct.includes('application/problem+json'))
      out.push(`${res.status} is not application/problem+json (content-type ${JSON.stringify(ct)})`);
    else {
      try {
        const p = JSON.parse(res.text) as { type?: unknown; title?: unknown; status?: unknown };
        if (typeof p.type !== 'string' || typeof p.title !== 'string' || p.status !== res.status)
          out.push(`${res.status} problem lacks type/title/status: ${res.text.slice(0, 200)}`);
      } catch {
        out.push(`${res.status} problem is not JSON: ${res.text.slice(0, 200)}`);
      }
    }
  }
  const leaked = plantedIn(res.text, planted);
  if (leaked) out.push(`the answer (${res.status}) holds the planted CPR number ${leaked}`);
  return out;
}

/** The first planted CPR number in a text: every 10-digit window of every run of digits. */
export function plantedIn(text: string, planted: ReadonlySet<string>): string | null {
  for (const m of text.matchAll(/\d{10,}/g))
    for (let i = 0; i + 10 <= m[0].length; i++) {
      const w = m[0].slice(i, i + 10);
      if (planted.has(w)) return w;
    }
  return null;
}

/**
 * A shell reproduction of one request: the body goes to a file beside the findings (bodies can be
 * megabytes or binary), the command names it.
 */
export async function curlRepro(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): Promise<string> {
  const h = Object.entries(headers)
    .map(([k, v]) => ` -H ${shellQuote(`${k}: ${v}`)}`)
    .join('');
  let data = '';
  if (body !== undefined && body.length > 0) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    if (bytes.length <= 300 && /^[\x20-\x7e]*$/.test(bytes.toString('latin1')))
      data = ` --data-binary ${shellQuote(bytes.toString('latin1'))}`;
    else {
      const file = join(
        process.env.ATTACK_BODIES ?? tmpdir(),
        `attack-body-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`,
      );
      await writeFile(file, bytes);
      data = ` --data-binary @${file}  # ${bytes.length} bytes`;
    }
  }
  return `curl -si -X ${method} "$GW${path}"${h}${data}`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
