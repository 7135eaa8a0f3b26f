/**
 * What end-to-end encryption costs: one delivery of 1,000,000 daycare records through a
 * gateway whose catalogue holds FLIS and a second FLIS recipient, that one's copy either plain
 * or encrypted with age. The difference between the two runs is the cost of encrypting; the
 * encrypted extract is then decrypted with the `age` tool and compared byte for byte with the
 * plain one of the same delivery.
 *
 *   npm run bench:encryption                       # 1,000,000 records
 *   BENCH_RECORDS=100000 npm run bench:encryption  # quicker
 *
 * Prints a Markdown section for bench/RESULTS.md. Needs the built bundle (npm run build) and `age`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fmt, generate, mib, ROOT, rssOf, startServer, token } from './harness';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);

/** A deliveries folder with a second FLIS recipient, plain or encrypted to `recipient`. */
async function catalogue(encryptTo: string | null): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-encryption-'));
  await cp(join(ROOT, 'deliveries'), dir, { recursive: true });
  for (const other of ['dst', 'stuk', 'rigsarkivet']) await rm(join(dir, 'daycare', `${other}.json`));
  const recipients = JSON.parse(await readFile(join(dir, 'recipients.json'), 'utf8'));
  recipients.recipients.push({ id: 'flis-copy', name: 'FLIS copy', description: 'The same profile again.' });
  await writeFile(join(dir, 'recipients.json'), JSON.stringify(recipients));
  const flis = JSON.parse(await readFile(join(dir, 'daycare', 'flis.json'), 'utf8'));
  await writeFile(
    join(dir, 'daycare', 'flis-copy.json'),
    JSON.stringify({
      ...flis,
      id: 'daycare/flis-copy',
      recipient: 'flis-copy',
      ...(encryptTo ? { encryption: { format: 'age', recipients: [encryptTo] } } : {}),
    }),
  );
  return dir;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

interface Run {
  label: string;
  seconds: number;
  idleMiB: number;
  peakMiB: number;
  copyBytes: number;
  plainSha: string;
  copySha: string;
}

async function run(label: string, xml: string, deliveries: string, work: string): Promise<Run> {
  // At info: the server says it is ready in its log.
  const server = await startServer({
    LOG_LEVEL: 'info',
    GATEWAY_DELIVERIES_DIR: deliveries,
  });
  try {
    const source = await token(server.url, {
      role: 'source',
      subject: 'bench',
      municipalities: ['*'],
      datasets: ['*'],
    });
    const idle = rssOf(server.child.pid as number).rss;
    const start = performance.now();
    const out = execFileSync('curl', [
      '-sS',
      '-X',
      'POST',
      '-T',
      xml,
      '-H',
      `authorization: Bearer ${source}`,
      '-H',
      'content-type: application/xml',
      `${server.url}/v1/deliveries?dataset=daycare&municipality=101&period=2026-10`,
    ]).toString();
    const seconds = (performance.now() - start) / 1000;
    const peak = server.peakRss();
    const d = JSON.parse(out) as { extracts: Array<{ id: string; recipient: string }> };
    const fetchTo = async (recipient: string) => {
      const t = await token(server.url, { role: 'recipient', subject: `bench-${recipient}`, recipient });
      const id = d.extracts.find((e) => e.recipient === recipient)?.id as string;
      const file = join(work, `${label}-${recipient}`);
      execFileSync('curl', [
        '-sS',
        '-o',
        file,
        '-H',
        `authorization: Bearer ${t}`,
        `${server.url}/v1/extracts/${id}/content`,
      ]);
      return file;
    };
    const plain = await fetchTo('flis');
    const copy = await fetchTo('flis-copy');
    return {
      label,
      seconds,
      idleMiB: mib(idle),
      peakMiB: mib(peak),
      copyBytes: statSync(copy).size,
      plainSha: await sha256File(plain),
      copySha: await sha256File(copy),
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  const xml = await generate('daycare', 'xml', RECORDS);
  const work = await mkdtemp(join(tmpdir(), 'gateway-bench-encryption-out-'));
  const identity = join(work, 'flis-copy.key');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
  const recipient = /public key: (age1\w+)/.exec(await readFile(identity, 'utf8'))?.[1] as string;
  try {
    process.stderr.write('plain copy…\n');
    const plain = await run('plain', xml, await catalogue(null), work);
    process.stderr.write('encrypted copy…\n');
    const sealed = await run('encrypted', xml, await catalogue(recipient), work);
    // Decrypted by the age tool, streamed, and compared with the plain FLIS extract of the same delivery.
    const start = performance.now();
    const decrypted = join(work, 'decrypted');
    await new Promise<void>((resolve, reject) => {
      const c = spawn('age', ['-d', '-i', identity, '-o', decrypted, join(work, 'encrypted-flis-copy')]);
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`age exited ${code}`))));
    });
    const decryptSeconds = (performance.now() - start) / 1000;
    const same = (await sha256File(decrypted)) === sealed.plainSha;
    const cost = sealed.seconds - plain.seconds;
    const lines = [
      '## End-to-end encryption (issue 15)',
      '',
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench:encryption\` (${RECORDS.toLocaleString('en-GB')} synthetic daycare records, ${fmt(mib(statSync(xml).size))} MiB of XML). Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
      'One delivery through a gateway (the built bundle, embedded data dir) whose daycare catalogue holds FLIS and a second FLIS recipient with the same profile: plain in the first run, encrypted with age to one X25519 key in the second.',
      '',
      '| run | seconds | server RSS idle → peak (MiB) | second extract (MiB) |',
      '|---|---:|---:|---:|',
      `| FLIS + plain copy | ${fmt(plain.seconds, 2)} | ${fmt(plain.idleMiB, 0)} → ${fmt(plain.peakMiB, 0)} | ${fmt(mib(plain.copyBytes))} |`,
      `| FLIS + encrypted copy | ${fmt(sealed.seconds, 2)} | ${fmt(sealed.idleMiB, 0)} → ${fmt(sealed.peakMiB, 0)} | ${fmt(mib(sealed.copyBytes))} |`,
      '',
      `- Encrypting the extract cost **${fmt(cost, 2)} s** (${fmt((cost / plain.seconds) * 100)} % of the run), ${fmt(mib(plain.copyBytes) / Math.max(cost, 0.001))} MiB/s of plaintext; the ciphertext is ${fmt(((sealed.copyBytes - plain.copyBytes) / plain.copyBytes) * 100, 2)} % larger (16 bytes a 64 KiB chunk and the header).`,
      `- Peak server RSS with encryption: **${fmt(sealed.peakMiB, 0)} MiB** against ${fmt(plain.peakMiB, 0)} MiB without: encryption holds one 64 KiB chunk at a time.`,
      `- \`age -d\` decrypted the ${fmt(mib(sealed.copyBytes))} MiB in ${fmt(decryptSeconds, 2)} s to a file ${same ? '**byte-identical**' : '**that differs from**'} with the plain FLIS extract of the same delivery (sha256 ${sealed.plainSha.slice(0, 16)}…).`,
      `- The plain copy equals the plain FLIS extract: ${plain.copySha === plain.plainSha ? 'yes' : 'no'} (the two profiles are the same).`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!same) process.exitCode = 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
