/**
 * The intake benchmark: how fast one delivery goes through the gateway, against the floor of
 * merely parsing it, what each added profile costs, and the server's peak memory.
 *
 *   npm run bench                      # 1,000,000 records (the figures in bench/RESULTS.md)
 *   BENCH_RECORDS=200000 npm run bench # a quicker run
 *
 * Writes bench/RESULTS.md. Each gateway run is a fresh process on a fresh embedded data dir.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { SaxesParser } from 'saxes';
import type { SyntheticDataset } from '../src/cli/synthetic';
import { createTestDatabase, postgresAvailable } from '../test/support/postgres';
import { startS3rver } from '../test/support/s3rver';
import { fmt, generate, mib, OUT, ROOT, rssOf, startServer, token } from './harness';
import { hasXsltproc, xsltprocBaseline, xsltprocVersion } from './xsltproc';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const SMALL = Math.max(1000, Math.round(RECORDS / 10));

/** (a) The floor: saxes alone reading the file and counting records. */
async function parseFloor(path: string): Promise<{ seconds: number; records: number }> {
  const start = performance.now();
  const parser = new SaxesParser({ xmlns: true, position: false });
  let records = 0;
  parser.on('closetag', (t) => {
    if (t.local === 'Enrolment') records++;
  });
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    parser.write(decoder.decode(chunk as Buffer, { stream: true }));
  }
  parser.close();
  return { seconds: (performance.now() - start) / 1000, records };
}

/** The CSV floor: csv-parse alone reading the file into rows (arrays) and counting them. */
async function csvFloor(path: string): Promise<{ seconds: number; records: number }> {
  const start = performance.now();
  let rows = 0;
  for await (const _ of createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(parseCsv())) rows++;
  return { seconds: (performance.now() - start) / 1000, records: rows - 1 };
}

/** The NDJSON floor: the file split into lines, each given to JSON.parse. */
async function ndjsonFloor(path: string): Promise<{ seconds: number; records: number }> {
  const start = performance.now();
  const decoder = new TextDecoder('utf-8');
  let records = 0;
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const lines = (rest + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines)
      if (line) {
        JSON.parse(line);
        records++;
      }
  }
  if (rest) {
    JSON.parse(rest);
    records++;
  }
  return { seconds: (performance.now() - start) / 1000, records };
}

interface IntakeRun {
  label: string;
  records: number;
  bytes: number;
  seconds: number;
  peakRssMiB: number;
  idleRssMiB: number;
  extracts: number;
}

async function intakeRun(
  label: string,
  path: string,
  dataset: SyntheticDataset,
  contentType: string,
  env: Record<string, string> = {},
): Promise<IntakeRun> {
  const server = await startServer({ LOG_LEVEL: 'info', ...env });
  try {
    const source = await token(server.url, {
      role: 'source',
      subject: 'bench',
      municipalities: ['*'],
      datasets: ['*'],
    });
    const idle = rssOf(server.child.pid as number).rss;
    const bytes = statSync(path).size;
    // curl sends the file: a client that costs little CPU, so the figures are the server's.
    const start = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn('curl', [
        '-sS',
        '-X',
        'POST',
        '-T',
        path,
        '-H',
        `authorization: Bearer ${source}`,
        '-H',
        `content-type: ${contentType}`,
        '-w',
        '\n%{http_code}',
        `${server.url}/v1/deliveries?dataset=${dataset}&municipality=101&period=2026-10`,
      ]);
      let text = '';
      c.stdout.on('data', (d) => {
        text += d;
      });
      c.on('error', reject);
      c.on('exit', () => resolve(text));
    });
    const seconds = (performance.now() - start) / 1000;
    const status = Number(out.slice(out.lastIndexOf('\n') + 1));
    const body = JSON.parse(out.slice(0, out.lastIndexOf('\n'))) as {
      status: string;
      records: { total: number };
      extracts: unknown[];
    };
    const res = { status };
    if (res.status !== 201) throw new Error(`${label}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    return {
      label,
      records: body.records.total,
      bytes,
      seconds,
      peakRssMiB: mib(server.peakRss()),
      idleRssMiB: mib(idle),
      extracts: body.extracts.length,
    };
  } finally {
    await server.stop();
  }
}

async function onlyProfile(dataset: string, recipient: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-profiles-'));
  await mkdir(join(dir, dataset), { recursive: true });
  await cp(join(ROOT, 'deliveries', 'recipients.json'), join(dir, 'recipients.json'));
  await cp(join(ROOT, 'deliveries', dataset, `${recipient}.json`), join(dir, dataset, `${recipient}.json`));
  return dir;
}

async function main() {
  await new Promise<void>((resolve, reject) => {
    const b = spawn('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    b.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`build failed: ${c}`))));
  });
  process.stderr.write(`generating ${RECORDS} records in each format…\n`);
  const xml = await generate('daycare', 'xml', RECORDS);
  const xmlSmall = await generate('daycare', 'xml', SMALL);
  const csv = await generate('daycare', 'csv', RECORDS);
  const ndjson = await generate('daycare', 'ndjson', RECORDS);

  process.stderr.write('(a) the floors: saxes, csv-parse, JSON.parse…\n');
  const floor = await parseFloor(xml);
  const csvParse = await csvFloor(csv);
  const jsonParse = await ndjsonFloor(ndjson);
  const xmlBytes = statSync(xml).size;
  const profiles = (await import('node:fs'))
    .readdirSync(join(ROOT, 'deliveries', 'daycare'))
    .filter((f) => f.endsWith('.json')).length;

  process.stderr.write('(b) intake, every profile…\n');
  const all = await intakeRun(`XML, ${profiles} profiles`, xml, 'daycare', 'application/xml');
  process.stderr.write('(b′) intake, every profile, one thread…\n');
  const oneThread = await intakeRun(
    `(b′) XML, ${profiles} profiles, one thread`,
    xml,
    'daycare',
    'application/xml',
    {
      GATEWAY_THREAD_FANOUT_MIN_BYTES: '0',
    },
  );
  process.stderr.write('(c) intake, one profile…\n');
  const oneDir = await onlyProfile('daycare', 'dst');
  const one = await intakeRun('XML, 1 profile (dst)', xml, 'daycare', 'application/xml', {
    GATEWAY_DELIVERIES_DIR: oneDir,
  });
  await rm(oneDir, { recursive: true, force: true });
  process.stderr.write('(d) intake of the small delivery…\n');
  const small = await intakeRun(
    `XML, ${profiles} profiles, ${SMALL} records`,
    xmlSmall,
    'daycare',
    'application/xml',
  );
  process.stderr.write(
    '(b3) intake, the record-level and aggregate profiles without the archival version…\n',
  );
  const noAvDir = await mkdtemp(join(tmpdir(), 'gateway-bench-profiles-'));
  await mkdir(join(noAvDir, 'daycare'), { recursive: true });
  await cp(join(ROOT, 'deliveries', 'recipients.json'), join(noAvDir, 'recipients.json'));
  for (const r of ['dst', 'stuk', 'flis'])
    await cp(join(ROOT, 'deliveries', 'daycare', `${r}.json`), join(noAvDir, 'daycare', `${r}.json`));
  const noAv = await intakeRun('XML, 3 profiles (dst, stuk, flis)', xml, 'daycare', 'application/xml', {
    GATEWAY_DELIVERIES_DIR: noAvDir,
  });
  await rm(noAvDir, { recursive: true, force: true });

  process.stderr.write('(e) intake on PostgreSQL + S3…\n');
  let onPg: IntakeRun | null = null;
  if (await postgresAvailable('the PostgreSQL + S3 run')) {
    const [db, s3] = await Promise.all([createTestDatabase(), startS3rver(['gateway-bench'])]);
    try {
      onPg = await intakeRun(
        `XML, ${profiles} profiles, PostgreSQL + S3 (s3rver)`,
        xml,
        'daycare',
        'application/xml',
        {
          DATABASE_URL: db.url,
          GATEWAY_TOKEN_KEY: Buffer.alloc(32, 3).toString('base64'),
          S3_BUCKET: 'gateway-bench',
          S3_ENDPOINT: s3.endpoint,
          S3_FORCE_PATH_STYLE: 'true',
          S3_ACCESS_KEY_ID: s3.accessKeyId,
          S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        },
      );
    } finally {
      await s3.stop();
      await db.drop();
    }
  }

  process.stderr.write('CSV and NDJSON…\n');
  const csvRun = await intakeRun(`CSV, ${profiles} profiles`, csv, 'daycare', 'text/csv');
  const ndjsonRun = await intakeRun(
    `NDJSON, ${profiles} profiles`,
    ndjson,
    'daycare',
    'application/x-ndjson',
  );

  let xslt: Awaited<ReturnType<typeof xsltprocBaseline>> | null = null;
  if (hasXsltproc()) {
    process.stderr.write('(x) xsltproc with the four stylesheets, one after another…\n');
    xslt = await xsltprocBaseline(xml, join(OUT, 'xslt'));
  }

  const floorMiBs = mib(xmlBytes) / floor.seconds;
  const tput = (r: IntakeRun) => mib(r.bytes) / r.seconds;
  const ratio = tput(all) / floorMiBs;
  const csvRatio = csvParse.seconds / csvRun.seconds;
  const ndjsonRatio = jsonParse.seconds / ndjsonRun.seconds;
  const xsltSeconds = (xslt ?? []).reduce((sum, x) => sum + x.seconds, 0);
  const perProfile = profiles > 1 ? (all.seconds / one.seconds - 1) / (profiles - 1) : 0;
  const runs = [all, oneThread, one, small, noAv, ...(onPg ? [onPg] : []), csvRun, ndjsonRun];
  const cpu = cpus()[0]?.model ?? 'unknown';
  const lines = [
    '# Intake benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\` (${RECORDS.toLocaleString('en-GB')} synthetic daycare records;`,
    `small run ${SMALL.toLocaleString('en-GB')}). Machine: ${cpus().length} × ${cpu}, ${fmt(totalmem() / 1024 ** 3, 0)} GiB, Node ${process.version}.`,
    'Each gateway run is a fresh process as `npm start` runs it (the built bundle) on a fresh embedded data dir (PGlite + files);',
    'the delivery is streamed over HTTP on loopback by curl (`-T`).',
    '',
    '| run | records | MiB | seconds | MiB/s | records/s | extracts | server RSS idle → peak (MiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| (a) saxes floor: parse and count | ${floor.records.toLocaleString('en-GB')} | ${fmt(mib(xmlBytes))} | ${fmt(floor.seconds, 2)} | ${fmt(floorMiBs)} | ${fmt(floor.records / floor.seconds, 0)} | – | – |`,
    `| (a-csv) csv-parse floor: parse and count | ${csvParse.records.toLocaleString('en-GB')} | ${fmt(mib(csvRun.bytes))} | ${fmt(csvParse.seconds, 2)} | ${fmt(mib(csvRun.bytes) / csvParse.seconds)} | ${fmt(csvParse.records / csvParse.seconds, 0)} | – | – |`,
    `| (a-ndjson) line split + JSON.parse floor | ${jsonParse.records.toLocaleString('en-GB')} | ${fmt(mib(ndjsonRun.bytes))} | ${fmt(jsonParse.seconds, 2)} | ${fmt(mib(ndjsonRun.bytes) / jsonParse.seconds)} | ${fmt(jsonParse.records / jsonParse.seconds, 0)} | – | – |`,
    ...runs.map(
      (r) =>
        `| ${r === all ? '(b) ' : r === one ? '(c) ' : r === small ? '(d) ' : r === noAv ? '(b3) ' : r === onPg ? '(e) ' : ''}${r.label} | ${r.records.toLocaleString('en-GB')} | ${fmt(mib(r.bytes))} | ${fmt(r.seconds, 2)} | ${fmt(tput(r))} | ${fmt(r.records / r.seconds, 0)} | ${r.extracts} | ${fmt(r.idleRssMiB, 0)} → ${fmt(r.peakRssMiB, 0)} |`,
    ),
    '',
    '(b), (c), (d), CSV and NDJSON run as `npm start` does: a delivery of 8 MiB or more has its extracts made in a',
    'worker thread beside the parsing. (b′) is (b) with that turned off (`GATEWAY_THREAD_FANOUT_MIN_BYTES=0`).',
    '(b3) is (b) without the archival version, whose table XML and deflate are the costliest extract.',
    onPg
      ? '(e) is (b) on the national deployment’s stores: PostgreSQL 15 on this machine and S3 through s3rver on loopback (s3rver, a Node process, takes its share of the same 2 cores).'
      : '(e), PostgreSQL + S3, was skipped: no PostgreSQL server answered.',
    ...(xslt
      ? [
          '',
          `The status quo, (x): the same ${RECORDS.toLocaleString('en-GB')}-record delivery through the four recipients’ XSLT stylesheets (bench/xslt/), one after another, by xsltproc (${xsltprocVersion().replace(/^Using /, '')}):`,
          '',
          '| stylesheet | seconds | output MiB |',
          '|---|---:|---:|',
          ...xslt.map((x) => `| ${x.stylesheet} | ${fmt(x.seconds, 2)} | ${fmt(mib(x.bytes))} |`),
          `| all four | ${fmt(xsltSeconds, 2)} | |`,
        ]
      : ['', '(x), the four stylesheets through xsltproc, was skipped: xsltproc is not installed.']),
    '',
    '## Against the targets',
    '',
    `- XML: (b) ÷ (a), intake with every profile against the saxes floor: **${fmt(ratio, 2)}** (target ≥ 0.5): ${ratio >= 0.5 ? 'met' : 'not met'}.`,
    `- CSV: intake with every profile against csv-parse reading the same file: **${fmt(csvRatio, 2)}** (target ≥ 0.5): ${csvRatio >= 0.5 ? 'met' : 'not met'}.`,
    `- NDJSON: intake with every profile against line-split \`JSON.parse\` of the same file: **${fmt(ndjsonRatio, 2)}** (target ≥ 0.5): ${ndjsonRatio >= 0.5 ? 'met' : 'not met'}.`,
    xslt
      ? `- Against xsltproc making the four extracts one after another (x): the gateway is **${fmt(xsltSeconds / all.seconds, 1)} ×** faster (target ≥ 7 ×): ${xsltSeconds / all.seconds >= 7 ? 'met' : 'not met'}.`
      : '- Against xsltproc: not measured (xsltproc is not installed).',
    `- Idle server RSS, before the delivery of (b): **${fmt(all.idleRssMiB, 0)} MiB** (target ≤ 150 MiB): ${all.idleRssMiB <= 150 ? 'met' : 'not met'}.`,
    `- Marginal cost of a profile, ((b) ÷ (c) − 1) ÷ ${profiles - 1} added profiles: **${fmt(perProfile * 100)} %** of a one-profile intake (target ≤ 15 %): ${perProfile <= 0.15 ? 'met' : 'not met'}.`,
    `- Without the archival version (b3): ${fmt(tput(noAv) / floorMiBs, 2)} of the floor, ${fmt(((noAv.seconds / one.seconds - 1) / 2) * 100)} % a profile, peak ${fmt(noAv.peakRssMiB, 0)} MiB.`,
    `- With one thread (b′): ${fmt(tput(oneThread) / floorMiBs, 2)} of the floor, ${fmt(((oneThread.seconds / one.seconds - 1) / Math.max(profiles - 1, 1)) * 100)} % a profile, peak ${fmt(oneThread.peakRssMiB, 0)} MiB.`,
    `- Peak server RSS: **${fmt(all.peakRssMiB, 0)} MiB** for ${RECORDS.toLocaleString('en-GB')} records and **${fmt(small.peakRssMiB, 0)} MiB** for ${SMALL.toLocaleString('en-GB')} (target ≤ 300 MiB and the same for both): ${all.peakRssMiB <= 300 && Math.abs(all.peakRssMiB - small.peakRssMiB) <= 0.15 * small.peakRssMiB ? 'met' : 'not met'}.`,
    '',
  ];
  // The soak's section (npm run soak, bench/soak.ts) is kept as it was.
  const resultsFile = join(ROOT, 'bench', 'RESULTS.md');
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const soak = previous.indexOf('\n## Soak');
  await writeFile(resultsFile, lines.join('\n') + (soak >= 0 ? previous.slice(soak) : ''));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
