import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CatalogueError } from '../core/catalogue';
import { loadCatalogue } from '../runtime/node-services';
import { helpOf, USAGE } from './help';
import { verifyExport } from './offline-verify';
import { reach } from './reach';
import { loadJwks, receiptIn, verifyReceipt } from './receipt-verify';
import { safeName, syncExtracts } from './sync';

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  dataset: { type: 'string' },
  municipality: { type: 'string' },
  period: { type: 'string' },
  'idempotency-key': { type: 'string' },
  status: { type: 'string' },
  out: { type: 'string' },
  ack: { type: 'boolean' },
  refuse: { type: 'string' },
  csv: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  role: { type: 'string' },
  subject: { type: 'string' },
  municipalities: { type: 'string' },
  datasets: { type: 'string' },
  recipient: { type: 'string' },
  'expires-at': { type: 'string' },
  offline: { type: 'string' },
  jwks: { type: 'string' },
  dir: { type: 'string' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const baseOf = (values: Values) =>
  (values.url ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');

function client(values: Values) {
  const base = baseOf(values);
  const token = values.token ?? process.env.GATEWAY_TOKEN;
  return async (path: string, init: RequestInit & { duplex?: 'half'; waitSeconds?: number } = {}) => {
    if (!token) throw new UsageError('no token: pass --token or set GATEWAY_TOKEN');
    const { waitSeconds, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${token}`);
    const res = await reach(`${base}${path}`, { ...rest, headers }, waitSeconds);
    if (!res.ok && res.status !== 304) {
      const text = await res.text();
      let detail = text;
      try {
        const p = JSON.parse(text) as { title?: string; detail?: string; errors?: unknown[] };
        detail = `${p.title ?? ''}: ${p.detail ?? ''}${p.errors ? `\n${JSON.stringify(p.errors, null, 2)}` : ''}`;
      } catch {}
      throw new Error(`${res.status} ${detail}`);
    }
    return res;
  };
}

const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
const need = (v: string | undefined, what: string) => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

async function submit(values: Values, file: string) {
  const call = client(values);
  const q = new URLSearchParams({
    dataset: need(values.dataset, '--dataset'),
    municipality: need(values.municipality, '--municipality'),
    period: need(values.period, '--period'),
  });
  const size = (await stat(file)).size;
  const type = file.endsWith('.csv')
    ? 'text/csv'
    : file.endsWith('.ndjson')
      ? 'application/x-ndjson'
      : 'application/xml';
  let sent = 0;
  let last = 0;
  const tty = process.stderr.isTTY;
  const progress = (final = false) => {
    const now = Date.now();
    if (!final && now - last < 200) return;
    last = now;
    const pct = size ? Math.floor((sent / size) * 100) : 100;
    const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
    process.stderr.write(
      `${tty ? '\r' : ''}[${bar}] ${pct}% ${(sent / 1048576).toFixed(1)} MiB${tty && !final ? '' : '\n'}`,
    );
  };
  const file$ = createReadStream(file, { highWaterMark: 256 * 1024 });
  const body = (async function* () {
    for await (const chunk of file$) {
      sent += (chunk as Buffer).length;
      progress();
      yield chunk as Buffer;
    }
  })();
  const headers: Record<string, string> = { 'content-type': type, 'content-length': String(size) };
  if (values['idempotency-key']) headers['idempotency-key'] = values['idempotency-key'];
  // Streamed: each chunk is read from the file when fetch asks for it.
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await body.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await body.return(undefined);
    },
  });
  // The gateway answers an upload only once it has read and checked all of it: no time limit.
  const res = await call(`/v1/deliveries?${q}`, {
    method: 'POST',
    body: stream,
    headers,
    duplex: 'half',
    waitSeconds: 0,
  });
  progress(true);
  const d = (await res.json()) as Record<string, unknown>;
  print(d);
  process.stderr.write(
    res.status === 200
      ? 'the same bytes were already accepted: this is the earlier delivery\n'
      : 'accepted\n',
  );
}

async function fetchExtract(values: Values, id: string) {
  const call = client(values);
  const res = await call(`/v1/extracts/${encodeURIComponent(id)}/content`);
  const disposition = res.headers.get('content-disposition') ?? '';
  const path = join(values.out ?? '.', safeName(/filename="([^"]*)"/.exec(disposition)?.[1] ?? id, id));
  // Written to a new file of this user's only (never through a link planted at the name), then
  // renamed over the name once whole.
  const part = `${path}.${process.pid}.part`;
  const hash = createHash('sha256');
  await pipeline(
    Readable.fromWeb(res.body as never),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        hash.update(c);
        yield c;
      }
    },
    createWriteStream(part, { flags: 'wx', mode: 0o600 }),
  );
  // The ETag is the extract's sha256: keep and acknowledge only the bytes the gateway vouched for.
  const expected = /^"([0-9a-f]{64})"$/.exec(res.headers.get('etag') ?? '')?.[1];
  const got = hash.digest('hex');
  if (got !== expected) {
    await rm(part, { force: true });
    throw new Error(
      `the bytes received have sha256 ${got}, not ${expected ?? 'the one the gateway gave'}; not kept, not acknowledged`,
    );
  }
  await rename(part, path);
  process.stderr.write(`saved ${path}\n`);
  if (values.ack) {
    await call(`/v1/extracts/${encodeURIComponent(id)}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'accepted' }),
    });
    process.stderr.write('acknowledged\n');
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [cmd, sub, arg] = positionals;
  if (values.help || !cmd) {
    const own = cmd ? (helpOf(`${cmd} ${sub ?? ''}`.trim()) ?? helpOf(cmd)) : null;
    process.stdout.write(`${own ?? USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const call = () => client(values);
  switch (`${cmd} ${cmd === 'submit' || cmd === 'status' || cmd === 'report' ? '' : (sub ?? '')}`.trim()) {
    case 'submit':
      await submit(values, need(sub, 'FILE'));
      return 0;
    case 'status':
      print(await (await call()(`/v1/deliveries/${encodeURIComponent(need(sub, 'DELIVERY_ID'))}`)).json());
      return 0;
    case 'report': {
      const res = await call()(`/v1/deliveries/${encodeURIComponent(need(sub, 'DELIVERY_ID'))}/report`, {
        headers: values.csv ? { accept: 'text/csv' } : {},
      });
      if (values.csv) process.stdout.write(await res.text());
      else print(await res.json());
      return 0;
    }
    case 'extracts list': {
      const q = new URLSearchParams();
      if (values.status) q.set('status', values.status);
      if (values.dataset) q.set('dataset', values.dataset);
      if (values.municipality) q.set('municipality', values.municipality);
      if (values.period) q.set('period', values.period);
      if (values.all) q.set('current', 'false');
      print(await (await call()(`/v1/extracts?${q}`)).json());
      return 0;
    }
    case 'extracts sync': {
      const dir = need(values.dir, '--dir');
      const jwks = await loadJwks(values.jwks ?? `${baseOf(values)}/.well-known/jwks.json`);
      const report = await syncExtracts(call(), { dir, ack: !!values.ack, jwks });
      if (!report) {
        process.stderr.write(`another sync of ${dir} is running; nothing done\n`);
        return 0;
      }
      print(report);
      return report.failed.length ? 1 : 0;
    }
    case 'receipt verify': {
      const file = need(arg, 'FILE');
      const jwks = await loadJwks(values.jwks ?? `${baseOf(values)}/.well-known/jwks.json`);
      const v = await verifyReceipt(receiptIn(await readFile(file, 'utf8')), jwks);
      print(v);
      return v.valid ? 0 : 1;
    }
    case 'extracts fetch':
      await fetchExtract(values, need(arg, 'EXTRACT_ID'));
      return 0;
    case 'extracts ack': {
      const body = values.refuse ? { status: 'refused', reason: values.refuse } : { status: 'accepted' };
      const res = await call()(`/v1/extracts/${encodeURIComponent(need(arg, 'EXTRACT_ID'))}/receipts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      print(await res.json());
      return 0;
    }
    case 'audit verify': {
      if (values.offline) {
        const v = await verifyExport(values.offline, need(values.jwks, '--jwks'));
        print(v);
        if (v.valid && !v.checkpoints)
          process.stderr.write(
            'warning: the export holds no checkpoint; the chain was checked against itself only\n',
          );
        return v.valid ? 0 : 1;
      }
      const v = (await (await call()('/v1/audit/verify')).json()) as { valid: boolean };
      print(v);
      return v.valid ? 0 : 1;
    }
    case 'audit export': {
      const q = new URLSearchParams();
      if (values.from) q.set('from', values.from);
      if (values.to) q.set('to', values.to);
      const res = await call()(`/v1/audit/export?${q}`);
      await pipeline(Readable.fromWeb(res.body as never), process.stdout);
      return 0;
    }
    case 'token issue': {
      const role = need(values.role, '--role');
      const list = (s: string | undefined) =>
        s
          ? s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : undefined;
      const body: Record<string, unknown> = { role, subject: need(values.subject, '--subject') };
      if (role === 'source') {
        body.municipalities = list(values.municipalities) ?? [];
        body.datasets = list(values.datasets) ?? [];
      }
      if (role === 'recipient') body.recipient = need(values.recipient, '--recipient');
      if (values['expires-at']) body.expiresAt = values['expires-at'];
      const res = await call()('/v1/admin/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      print(await res.json());
      process.stderr.write('the token is shown this once; keep it now\n');
      return 0;
    }
    case 'token revoke':
      await call()(`/v1/admin/tokens/${encodeURIComponent(need(arg, 'TOKEN_ID'))}`, { method: 'DELETE' });
      process.stderr.write('revoked\n');
      return 0;
    case 'profile preview': {
      const [, , dataset, recipient, file] = positionals;
      const f = need(file, 'DATASET RECIPIENT FILE');
      const type = f.endsWith('.csv')
        ? 'text/csv'
        : f.endsWith('.ndjson')
          ? 'application/x-ndjson'
          : 'application/xml';
      const res = await call()(
        `/v1/datasets/${encodeURIComponent(need(dataset, 'DATASET'))}/profiles/${encodeURIComponent(need(recipient, 'RECIPIENT'))}/preview`,
        { method: 'POST', headers: { 'content-type': type }, body: await readFile(f) },
      );
      process.stderr.write(
        `${res.headers.get('x-records')} record(s), profile ${res.headers.get('x-profile')}\n`,
      );
      await pipeline(Readable.fromWeb(res.body as never), process.stdout);
      return 0;
    }
    case 'profile lint':
      try {
        const cat = loadCatalogue(
          {
            PSEUDONYM_KEYS: process.env.PSEUDONYM_KEYS,
            PSEUDONYM_KEYS_FILE: process.env.PSEUDONYM_KEYS_FILE,
            GATEWAY_SCHEMAS_DIR: process.env.GATEWAY_SCHEMAS_DIR,
            GATEWAY_DELIVERIES_DIR: process.env.GATEWAY_DELIVERIES_DIR,
          },
          undefined,
          { offline: true },
        );
        const profiles = [...cat.profiles.values()].reduce((n, l) => n + l.length, 0);
        process.stdout.write(
          `ok: ${cat.datasets.size} dataset(s), ${cat.recipients.size} recipient(s), ${profiles} profile(s)\n`,
        );
        return 0;
      } catch (e) {
        if (!(e instanceof CatalogueError)) throw e;
        for (const p of e.problems) process.stdout.write(`${p.file} ${p.path}: ${p.message}\n`);
        return 1;
      }
    default:
      throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
