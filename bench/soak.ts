/**
 * `npm run soak`: one gateway (the built bundle, as `npm start` runs it, on a fresh embedded data
 * dir) under a bounded mixed load for SOAK_SECONDS (default 600): valid deliveries in every
 * format and encoding, invalid ones, hostile ones (gzip bombs, huge text nodes, truncated gzip,
 * malformed JSON, bad tokens, NUL in queries), bursts of identical concurrent uploads, for
 * several sources, municipalities and datasets, while recipients list, fetch and acknowledge
 * their extracts. Samples the gateway's RSS from /proc, prints a Markdown summary and exits
 * non-zero on any 5xx, a crash, /health not 200 or a broken audit chain.
 *
 * SOAK_SECONDS, SOAK_CONCURRENCY (default 6), SOAK_SEED, SOAK_OUT (also write the summary
 * there), SOAK_ENTRY=src (run the TypeScript sources through tsx instead of the bundle).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { prng, type SyntheticDataset, type SyntheticFormat, syntheticDelivery } from '../src/cli/synthetic';
import { spawnGateway } from '../test/support/harness';

const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 6);
const ADMIN = 'soak-admin-token-0123456789abcdef';
const rnd = prng(Number(process.env.SOAK_SEED ?? 11));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const MiB = 1024 * 1024;

interface Answer {
  status: number;
  text: string;
  error?: string;
}

let base = '';
/** One request on its own connection; status 0 when no answer came. */
function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Uint8Array | string,
): Promise<Answer> {
  if (body !== undefined) headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (!done) resolve(a);
      done = true;
    };
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish({ status: 0, text: '', error: e.message }));
      res.on('end', () =>
        finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.setTimeout(300_000, () => req.destroy(new Error('no answer within 300 s')));
    req.on('error', (e) => setTimeout(() => finish({ status: 0, text: '', error: e.message }), 500));
    req.end(body);
  });
}

// ---- what is counted
const byKind = new Map<string, Map<number, number>>();
const noAnswer: string[] = [];
const fivexx: string[] = [];
let deliveriesSent = 0;
let deliveriesAccepted = 0;
let bytesSent = 0;
let extractsFetched = 0;
let extractBytes = 0;
let acknowledged = 0;
/** Identical uploads sent at once that were each accepted anew (the same bytes must answer 200). */
let duplicateAccepts = 0;
let bursts = 0;
function count(kind: string, a: Answer, what = '') {
  const m = byKind.get(kind) ?? new Map<number, number>();
  m.set(a.status, (m.get(a.status) ?? 0) + 1);
  byKind.set(kind, m);
  if (a.status === 0 && noAnswer.length < 20) noAnswer.push(`${kind} ${what}: ${a.error}`);
  if (a.status >= 500 && fivexx.length < 20)
    fivexx.push(`${kind} ${what}: ${a.status} ${a.text.slice(0, 300)}`);
}

// ---- principals
const SOURCES = [
  { subject: 'sys-dagtilbud-a', municipalities: ['101', '147'], datasets: ['daycare'] },
  { subject: 'sys-omsorg-b', municipalities: ['151', '153', '155'], datasets: ['eldercare', 'daycare'] },
  { subject: 'sys-fælles-c', municipalities: ['157', '159', '161'], datasets: ['daycare', 'eldercare'] },
];
const RECIPIENTS = ['dst', 'stuk', 'flis', 'sds', 'rigsarkivet'];
const tokens: Record<string, string> = {};
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function issue(body: Record<string, unknown>): Promise<string> {
  const a = await call(
    'POST',
    '/v1/admin/tokens',
    { ...auth(ADMIN), 'content-type': 'application/json' },
    JSON.stringify(body),
  );
  if (a.status !== 201) throw new Error(`token: ${a.status} ${a.text}`);
  return (JSON.parse(a.text) as { token: string }).token;
}

// ---- bodies made once
const CT: Record<SyntheticFormat, string> = {
  xml: 'application/xml',
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};
function hostileBodies() {
  const ns = 'urn:flis-gateway:daycare:1';
  const good = [...syntheticDelivery({ dataset: 'daycare', records: 50, format: 'xml', seed: 3 })].join('');
  // The issue's reproductions: 10 MB of zeros gzipped, one 256 MiB text node gzipped (ratio-bounded),
  // a 24 MiB text node sent as it is, a gzip with a syntax error near its start, a truncated gzip.
  const textNode = (n: number) =>
    Buffer.concat([
      Buffer.from(`<Delivery xmlns="${ns}"><Enrolment><InstitutionName>`),
      Buffer.alloc(n, 'x'),
      Buffer.from('</InstitutionName></Enrolment></Delivery>'),
    ]);
  return {
    zeros: gzipSync(Buffer.alloc(10_000_000), { level: 9 }),
    gzText: gzipSync(textNode(256 * MiB), { level: 9 }),
    rawText: textNode(24 * MiB),
    gzSyntax: gzipSync(Buffer.from(good.replace('<Delivery', '<Delivery <<'))),
    gzTruncated: gzipSync(Buffer.from(good)).subarray(0, 300),
    good,
  };
}
let H: ReturnType<typeof hostileBodies>;

// ---- tasks
/** A month from 2000-01 to 2026-09: one that has begun (a later one is 422 period_not_open). */
function nextPeriod() {
  const m = Math.floor(rnd() * 321);
  return `${2000 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

async function deliver(kind: 'valid' | 'invalid') {
  const s = pick(SOURCES);
  const dataset = pick(s.datasets) as SyntheticDataset;
  const format = pick(['xml', 'csv', 'ndjson'] as const);
  const records = Math.floor(50 + rnd() * (rnd() < 0.1 ? 20_000 : 2_000));
  let body: Buffer = Buffer.from(
    [
      ...syntheticDelivery({
        dataset,
        records,
        format,
        seed: Math.floor(rnd() * 1e6),
        invalidShare: kind === 'invalid' ? 0.02 : 0,
      }),
    ].join(''),
  );
  const headers: Record<string, string> = {
    ...auth(tokens[s.subject] as string),
    'content-type': CT[format],
  };
  if (rnd() < 0.4) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const period = nextPeriod(); // some slots come round again: the later delivery supersedes
  const q = `dataset=${dataset}&municipality=${pick(s.municipalities)}&period=${period}`;
  const a = await call('POST', `/v1/deliveries?${q}`, headers, body);
  deliveriesSent++;
  bytesSent += body.length;
  if (a.status === 201) deliveriesAccepted++;
  count(`${kind} delivery`, a, q);
}

/** Identical uploads at the same moment: the database decides (one 201, the others 200). */
async function burst() {
  const s = SOURCES[0] as (typeof SOURCES)[number];
  const body = Buffer.from(
    [
      ...syntheticDelivery({
        dataset: 'daycare',
        records: 300,
        format: 'xml',
        seed: Math.floor(rnd() * 1e6),
      }),
    ].join(''),
  );
  const q = `dataset=daycare&municipality=101&period=${nextPeriod()}`;
  const answers = await Promise.all(
    Array.from({ length: 6 }, () =>
      call(
        'POST',
        `/v1/deliveries?${q}`,
        { ...auth(tokens[s.subject] as string), 'content-type': CT.xml },
        body,
      ),
    ),
  );
  bursts++;
  duplicateAccepts += Math.max(0, answers.filter((a) => a.status === 201).length - 1);
  for (const a of answers) {
    count('concurrent identical upload', a, q);
    deliveriesSent++;
    bytesSent += body.length;
    if (a.status === 201) deliveriesAccepted++;
  }
}

async function hostile() {
  const src = tokens[SOURCES[2]?.subject as string] as string;
  const q = `dataset=daycare&municipality=157&period=${nextPeriod()}`;
  const xml = { ...auth(src), 'content-type': CT.xml };
  const gz = { ...xml, 'content-encoding': 'gzip' };
  const which = Math.floor(rnd() * 10);
  let a: Answer;
  let kind: string;
  switch (which) {
    case 0:
      kind = 'gzip bomb (10 MB of zeros)';
      a = await call('POST', `/v1/deliveries?${q}`, gz, H.zeros);
      break;
    case 1:
      kind = 'gzip of a 256 MiB text node';
      a = await call('POST', `/v1/deliveries?${q}`, gz, H.gzText);
      break;
    case 2:
      kind = '24 MiB text node';
      a = await call('POST', `/v1/deliveries?${q}`, xml, H.rawText);
      break;
    case 3:
      kind = 'gzip with a syntax error near its start';
      a = await call('POST', `/v1/deliveries?${q}`, gz, H.gzSyntax);
      break;
    case 4:
      kind = 'truncated gzip';
      a = await call('POST', `/v1/deliveries?${q}`, gz, H.gzTruncated);
      break;
    case 5:
      kind = 'malformed JSON';
      a = await call(
        'POST',
        pick(['/v1/admin/tokens', '/v1/extracts/ext_x/receipts']),
        {
          ...auth(pick([ADMIN, tokens.dst as string])),
          'content-type': pick(['application/json', 'text/plain']),
        },
        pick(['{"role":', '{"status": "accepted"', 'nonsense', '\u0000', '[[[[[[', '']),
      );
      break;
    case 6:
      kind = 'bad token';
      a = await call('GET', '/v1/deliveries', {
        authorization: pick(['Bearer gw_nope', 'bearer x', 'Basic eA==']),
      });
      break;
    case 7:
      kind = 'NUL and junk in query and path';
      a = await call(
        'GET',
        pick([
          '/v1/deliveries?municipality=1%000',
          '/v1/deliveries?cursor=%ff%fe',
          '/v1/deliveries/%00',
          '/problems/__proto__',
          '/v1/extracts?limit=-1',
        ]),
        auth(ADMIN),
      );
      break;
    case 8:
      kind = 'NUL in an NDJSON key';
      a = await call(
        'POST',
        `/v1/deliveries?${q}`,
        { ...auth(src), 'content-type': CT.ndjson },
        '{"cpr\u0000":"0101215123","institutionId":"1012345678","careType":"vuggestue","startDate":"2022-08-01","weeklyHours":"30"}\n',
      );
      break;
    default:
      kind = 'cut-off XML';
      a = await call('POST', `/v1/deliveries?${q}`, xml, H.good.slice(0, Math.floor(rnd() * H.good.length)));
  }
  count(`hostile: ${kind}`, a);
}

async function recipient() {
  const r = pick(RECIPIENTS);
  const t = tokens[r] as string;
  const list = await call('GET', '/v1/extracts?status=available&limit=20', auth(t));
  count('recipient list', list);
  if (list.status !== 200) return;
  const items = (JSON.parse(list.text) as { items: Array<{ id: string }> }).items;
  const e = items.length ? pick(items) : undefined;
  if (!e) return;
  const content = await call('GET', `/v1/extracts/${e.id}/content`, auth(t));
  count('recipient fetch', content);
  if (content.status === 200) {
    extractsFetched++;
    extractBytes += Buffer.byteLength(content.text);
  }
  const ack = await call(
    'POST',
    `/v1/extracts/${e.id}/receipts`,
    { ...auth(t), 'content-type': 'application/json' },
    JSON.stringify(rnd() < 0.9 ? { status: 'accepted' } : { status: 'refused', reason: 'soak test refusal' }),
  );
  count('recipient acknowledge', ack);
  if (ack.status === 201) acknowledged++;
}

async function reader() {
  const a = await call(
    'GET',
    pick([
      '/v1/deliveries?limit=50',
      '/v1/audit?limit=50',
      '/v1/status?dataset=daycare&period=2026-10',
      '/metrics',
    ]),
    auth(pick([ADMIN, tokens.auditor as string])),
  );
  count('auditor read', a);
}

const TASKS: Array<[number, () => Promise<void>]> = [
  [35, () => deliver('valid')],
  [12, () => deliver('invalid')],
  [18, hostile],
  [3, burst],
  [24, recipient],
  [8, reader],
];
const TOTAL = TASKS.reduce((s, [w]) => s + w, 0);
function task() {
  let x = rnd() * TOTAL;
  for (const [w, f] of TASKS) {
    x -= w;
    if (x < 0) return f;
  }
  return reader;
}

function memory(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (n: string) => Number(new RegExp(`${n}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

async function main() {
  const fromSources = process.env.SOAK_ENTRY === 'src';
  if (!fromSources) {
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-soak-'));
  const g = spawnGateway(
    {
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'info',
      // Every client here is 127.0.0.1: the per-address sign-in limit would lock the load out with
      // the bad tokens, and the per-token limit would measure itself. Both are tested elsewhere.
      GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
      GATEWAY_AUTH_FAILURES_PER_MINUTE: '1000000',
    },
    fromSources ? undefined : ['--enable-source-maps', 'dist/node.mjs'],
  );
  base = await g.ready;
  const pid = g.child.pid as number;
  let exit: string | null = null;
  g.child.once('exit', (code, signal) => {
    exit = `exit ${code ?? signal}`;
  });
  process.stderr.write(`soak: gateway pid ${pid} at ${base}; ${SECONDS} s, ${CONCURRENCY} clients\n`);
  for (const s of SOURCES) tokens[s.subject] = await issue({ role: 'source', ...s });
  for (const r of RECIPIENTS)
    tokens[r] = await issue({ role: 'recipient', subject: `${r}-intake`, recipient: r });
  tokens.auditor = await issue({ role: 'auditor', subject: 'soak-audit' });
  H = hostileBodies();

  const samples: Array<{ t: number; rss: number }> = [];
  let peak = 0;
  const sampler = setInterval(() => {
    const m = memory(pid);
    if (!m) return;
    samples.push({ t: performance.now(), rss: m.rss });
    peak = Math.max(peak, m.hwm, m.rss);
  }, 250);
  const start = performance.now();
  const until = start + SECONDS * 1000;
  let lastReport = start;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until && exit === null) {
        await task()();
        if (performance.now() - lastReport > 30_000) {
          lastReport = performance.now();
          const m = memory(pid);
          process.stderr.write(
            `  ${Math.round((lastReport - start) / 1000)} s: ${deliveriesSent} deliveries, ${fivexx.length} 5xx, rss ${Math.round((m?.rss ?? 0) / MiB)} MiB\n`,
          );
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const last = memory(pid);
  const alive = exit === null && g.child.exitCode === null;
  const health = alive ? await call('GET', '/health') : { status: 0, text: '' };
  const verify = alive ? await call('GET', '/v1/audit/verify', auth(ADMIN)) : { status: 0, text: '' };
  const chain =
    verify.status === 200 ? (JSON.parse(verify.text) as { valid: boolean; events: number }) : null;
  const code = alive ? await g.stop() : null;
  await rm(dataDir, { recursive: true, force: true });

  const total5xx = [...byKind.values()].reduce(
    (s, m) => s + [...m].filter(([k]) => k >= 500).reduce((a, [, v]) => a + v, 0),
    0,
  );
  const totalNone = [...byKind.values()].reduce((s, m) => s + (m.get(0) ?? 0), 0);
  const requests = [...byKind.values()].reduce((s, m) => s + [...m.values()].reduce((a, v) => a + v, 0), 0);
  const ok = alive && total5xx === 0 && health.status === 200 && chain?.valid === true;
  const f = (n: number, d = 1) =>
    n.toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: d });
  const statusCols = [...new Set([...byKind.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const lines = [
    `### Soak ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${ok ? 'passed' : 'FAILED'}`,
    '',
    `${f(seconds, 0)} s, ${CONCURRENCY} concurrent clients, one gateway (${fromSources ? 'sources through tsx' : 'the built bundle'}, embedded PGlite + files, fresh data dir). Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f(totalmem() / 1024 ** 3, 0)} GiB, Node ${process.version}.`,
    '',
    '| figure | value |',
    '|---|---:|',
    `| requests answered | ${requests.toLocaleString('en-GB')} |`,
    `| deliveries sent (valid, invalid, concurrent) | ${deliveriesSent.toLocaleString('en-GB')} (${f(deliveriesSent / seconds, 2)}/s) |`,
    `| deliveries accepted (201) | ${deliveriesAccepted.toLocaleString('en-GB')} (${f(deliveriesAccepted / seconds, 2)}/s) |`,
    `| delivery bytes sent | ${f(bytesSent / MiB)} MiB (${f(bytesSent / MiB / seconds, 2)} MiB/s) |`,
    `| extracts fetched / acknowledged | ${extractsFetched} (${f(extractBytes / MiB)} MiB) / ${acknowledged} |`,
    `| bursts of 6 identical uploads at once / extra 201s among them (want 0) | ${bursts} / ${duplicateAccepts} |`,
    `| peak RSS (VmHWM) | ${f(peak / MiB, 0)} MiB |`,
    `| RSS at the end | ${last ? `${f(last.rss / MiB, 0)} MiB` : 'n/a (process gone)'} |`,
    `| 5xx answers | ${total5xx} |`,
    `| requests without an answer | ${totalNone} |`,
    `| process stayed up | ${alive ? 'yes' : `no (${exit})`} |`,
    `| /health at the end | ${health.status} |`,
    `| audit chain at the end | ${chain ? `${chain.valid ? 'valid' : 'BROKEN'} (${chain.events} events)` : `not verified (${verify.status})`} |`,
    `| shutdown (SIGTERM) exit code | ${code ?? 'n/a'} |`,
    '',
    `| kind | ${statusCols.map((s) => (s === 0 ? 'no answer' : String(s))).join(' | ')} |`,
    `|---|${statusCols.map(() => '---:').join('|')}|`,
    ...[...byKind]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, m]) => `| ${k} | ${statusCols.map((s) => m.get(s) ?? '').join(' | ')} |`),
  ];
  if (fivexx.length)
    lines.push('', '5xx answers (first few):', '', ...fivexx.map((x) => `- ${x.replace(/\n/g, ' ')}`));
  if (noAnswer.length) lines.push('', 'No answer (first few):', '', ...noAnswer.map((x) => `- ${x}`));
  if (!alive) lines.push('', 'Last output of the gateway:', '', '```', g.output().slice(-2000), '```');
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  if (process.env.SOAK_OUT) writeFileSync(process.env.SOAK_OUT, `${md}\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`soak: ${(e as Error).stack}\n`);
  process.exit(2);
});
