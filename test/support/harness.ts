import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Clock, systemClock } from '../../src/core/clock';
import { createApp } from '../../src/http/app';
import { provideStandardSchemas } from '../../src/pipeline/archival-package';
import { composeServices } from '../../src/runtime/compose';
import { readConfig } from '../../src/runtime/config';
import { nodeClient } from '../../src/runtime/node-client';
import { buildNodeServices, createLogger, loadCatalogue } from '../../src/runtime/node-services';
import { readStandardSchemas } from '../../src/runtime/standard-schemas';
import { createMemoryMetadataStore } from '../../src/stores/memory/metadata-store';
import { createMemoryObjectStore } from '../../src/stores/memory/object-store';
import { type Contract, contractOf } from './contract';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface Gateway {
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Every log line the gateway wrote, as text. */
  logs: string[];
  dataDir: string;
  services: Awaited<ReturnType<typeof buildNodeServices>>['services'];
  sql: Awaited<ReturnType<typeof buildNodeServices>>['sql'];
  app: ReturnType<typeof createApp>;
  issueToken(body: Record<string, unknown>): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

/** The whole gateway in this process, on the embedded stores in a temporary data dir. */
export async function startGateway(
  env: Record<string, string> = {},
  opts: {
    /** An existing data dir, kept on close: for a restart on the same data. */ dataDir?: string;
    /** The gateway's clock (default: the machine's). */ now?: Clock;
  } = {},
): Promise<Gateway> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'gateway-e2e-')));
  const logs: string[] = [];
  const config = readConfig({
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const built = await buildNodeServices(config, createLogger('debug', logSink(logs)), 'test', {
    now: opts.now,
  });
  return {
    ...served(built.services, logs),
    dataDir,
    sql: built.sql,
    async close() {
      await built.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type MemoryGateway = Omit<Gateway, 'sql'>;

/**
 * The whole gateway in this process on the in-memory stores, held to the same contract suites
 * as the real ones: for HTTP tests that need no database of their own (a fraction of the start-up).
 */
export async function startMemoryGateway(
  env: Record<string, string> = {},
  opts: { /** The gateway's clock (default: the machine's). */ now?: Clock } = {},
): Promise<MemoryGateway> {
  const now = opts.now ?? systemClock;
  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-memory-'));
  const logs: string[] = [];
  const config = readConfig({
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'debug',
    ...env,
  });
  provideStandardSchemas(readStandardSchemas);
  const composed = await composeServices({
    version: 'test',
    log: createLogger('debug', logSink(logs)),
    now,
    settings: config,
    catalogue: loadCatalogue(config, dataDir),
    metadata: createMemoryMetadataStore(now),
    objects: createMemoryObjectStore(),
    tokenKey: randomBytes(32),
    secrets: () => undefined,
    client: nodeClient([], now),
    pushWorker: false,
  });
  return {
    ...served(composed.services, logs),
    dataDir,
    async close() {
      await composed.stop();
      await composed.services.metadata.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function logSink(logs: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
}

/** The app over the services, with every answer a test receives held to the OpenAPI document it serves. */
function served(services: Gateway['services'], logs: string[]) {
  const app = createApp(services);
  let contract: Promise<Contract> | null = null;
  const request = async (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    const res = await app.request(`http://gateway.test${path}`, { ...rest, headers });
    contract ??= contractOf(async () => app.request('http://gateway.test/openapi.json'));
    await (await contract).check(rest.method ?? 'GET', path, res);
    return res;
  };
  return {
    request,
    logs,
    services,
    app,
    async issueToken(body: Record<string, unknown>) {
      const res = await request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`token issue failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; token: string };
    },
  };
}

/** Signs in to the dashboard with a token, as its form does: the session cookie (`name=value`). */
export async function dashboardCookie(gw: Pick<Gateway, 'request'>, token: string): Promise<string> {
  const res = await gw.request('/session', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://gateway.test' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

export function submit(
  gw: Pick<Gateway, 'request'>,
  token: string,
  body: BodyInit | Uint8Array,
  query = 'dataset=daycare&municipality=101&period=2026-10',
  headers: Record<string, string> = {},
) {
  return gw.request(`/v1/deliveries?${query}`, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/xml', ...headers },
    body: body as BodyInit,
  });
}

export interface SpawnedGateway {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The URL from the ready line; rejects if the process exits first. */
  ready: Promise<string>;
  /** SIGTERM, then the exit code once the process has closed its stores. */
  stop(): Promise<number | null>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/** The gateway as its own process, from the sources (tsx) or, with `entry`, from the built bundle. */
export function spawnGateway(
  env: Record<string, string>,
  entry: string[] = ['--import', 'tsx', 'src/runtime/node.ts'],
): SpawnedGateway {
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /gateway ready at (https?:\/\/[^\s"]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((code) => reject(new Error(`exited with ${code} before ready:\n${out}`)));
  });
  ready.catch(() => {});
  return {
    child,
    output: () => out,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
