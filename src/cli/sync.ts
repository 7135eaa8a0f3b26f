/**
 * `gateway extracts sync --dir DIR [--ack]`: a recipient's nightly job. Every new current
 * extract is downloaded (resuming a part left by an interrupted run), its sha256 checked, its
 * delivery's signed receipt checked against the JWKS (it must name this extract with these
 * bytes), written into DIR under its file name with its metadata beside it (`NAME.json`), each
 * by rename, so a file in DIR is always whole; then, with --ack, acknowledged. A second run does
 * nothing new; one DIR is synced by one run at a time (a lock file that a dead run leaves
 * behind is taken over).
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyReceipt } from './receipt-verify';

export type Call = (path: string, init?: RequestInit) => Promise<Response>;

interface ExtractMeta {
  id: string;
  delivery: string;
  recipient: string;
  dataset: string;
  municipality: string;
  period: string;
  status: string;
  sha256: string;
  bytes: number;
  fileName: string;
  version: number;
  replaces: string | null;
  replacedBy: string | null;
  partial: boolean;
  receipt?: string | null;
}

export interface SyncReport {
  /** Extracts written into the folder by this run. */
  downloaded: Array<{ extract: string; file: string; bytes: number; replaces: string | null }>;
  /** Extracts acknowledged by this run. */
  acknowledged: string[];
  /** Extracts already in the folder. */
  unchanged: number;
  /** Corrections: an extract in the folder (or never fetched) that a new one replaces. */
  superseded: Array<{ extract: string; file: string | null; replacedBy: string }>;
  /** Extracts that could not be synced, with why; the next run tries them again. */
  failed: Array<{ extract: string; reason: string }>;
}

const LOCK = '.gateway-sync.lock';
const PARTS = '.gateway-sync-parts';

/** A process's state and start time (clock ticks after boot), where /proc tells; null otherwise. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/** This process as its lock names it: its pid and, where /proc tells, when it started. */
const me = () => `${process.pid} ${procStat(process.pid)?.start ?? ''}`.trim();

/**
 * Whether the run a lock names is alive: the process exists, is not a zombie (one whose parent
 * died lingers here unreaped), and started when the lock says (a reused pid is another process).
 */
function alive(owner: string): boolean {
  const [pidText, start] = owner.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(pid);
  if (!stat) return true;
  return stat.state !== 'Z' && (start === undefined || start === stat.start);
}

/** Takes the folder's lock, or null when a live run holds it. A dead run's lock is taken over. */
async function lock(dir: string): Promise<(() => Promise<void>) | null> {
  const path = join(dir, LOCK);
  for (let i = 0; i < 2; i++) {
    try {
      const f = await open(path, 'wx', 0o600);
      await f.writeFile(me());
      await f.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (alive(await readFile(path, 'utf8').catch(() => ''))) return null;
      await rm(path, { force: true });
    }
  }
  return null;
}

/**
 * A name the server gave, as a plain file name in the folder: never a path, never hidden, no
 * control character; otherwise the extract's id.
 */
export function safeName(name: string, id: string): string {
  const b = basename(name.replace(/\\/g, '/'));
  return b && b === name && !b.startsWith('.') && !/\p{Cc}/u.test(b) && b.length <= 200 ? b : id;
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Every current extract not yet acknowledged (available or fetched), oldest first. */
async function pending(call: Call): Promise<ExtractMeta[]> {
  const out: ExtractMeta[] = [];
  for (const status of ['available', 'fetched']) {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ status, current: 'true', limit: '500' });
      if (cursor) q.set('cursor', cursor);
      const page = (await (await call(`/v1/extracts?${q}`)).json()) as {
        items: ExtractMeta[];
        next: string | null;
      };
      out.push(...page.items);
      cursor = page.next;
    } while (cursor);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Downloads into the part file, resuming it when the server still has the same bytes. */
async function download(call: Call, e: ExtractMeta, part: string): Promise<void> {
  const have = existsSync(part) ? (await lstat(part)).size : 0;
  const resume = have > 0 && have < e.bytes;
  const res = await call(`/v1/extracts/${encodeURIComponent(e.id)}/content`, {
    headers: resume ? { range: `bytes=${have}-`, 'if-range': `"${e.sha256}"` } : {},
  });
  const append = resume && res.status === 206;
  // Never through a link: the part is this run's own file.
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (append ? constants.O_APPEND : constants.O_TRUNC);
  const file = await open(part, flags, 0o600);
  await pipeline(Readable.fromWeb(res.body as never), file.createWriteStream());
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/**
 * A folder only this user can change: made (0700) when missing; refused when it is a link, is
 * another user's, or others may write in it, since anyone who can plant a link in it could
 * have the sync write through that link or read back what it wrote.
 */
async function ownFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const s = await lstat(path);
  const uid = process.getuid?.();
  if (!s.isDirectory()) throw new Error(`${path} is not a folder (a link or a file)`);
  if (uid !== undefined && s.uid !== uid)
    throw new Error(`${path} belongs to another user (uid ${s.uid}); sync into a folder of your own`);
  if (s.mode & 0o022)
    throw new Error(
      `others may write in ${path} (mode ${(s.mode & 0o777).toString(8)}); make it 0700 or 0750 (chmod go-w)`,
    );
}

export async function syncExtracts(
  call: Call,
  opts: { dir: string; ack: boolean; jwks: { keys: unknown[] } },
): Promise<SyncReport | null> {
  await ownFolder(opts.dir);
  await ownFolder(join(opts.dir, PARTS));
  const unlock = await lock(opts.dir);
  if (!unlock) return null;
  const report: SyncReport = { downloaded: [], acknowledged: [], unchanged: 0, superseded: [], failed: [] };
  try {
    for (const listed of await pending(call)) {
      try {
        await syncOne(call, listed, opts, report);
      } catch (err) {
        report.failed.push({ extract: listed.id, reason: (err as Error).message });
      }
    }
  } finally {
    await unlock();
  }
  return report;
}

async function syncOne(
  call: Call,
  listed: ExtractMeta,
  opts: { dir: string; ack: boolean; jwks: { keys: unknown[] } },
  report: SyncReport,
): Promise<void> {
  let name = safeName(listed.fileName, listed.id);
  const metaPath = () => join(opts.dir, `${name}.json`);
  const held = existsSync(metaPath())
    ? (JSON.parse(await readFile(metaPath(), 'utf8')) as { extract: ExtractMeta; acknowledgedAt?: string })
    : null;
  // Another extract under the same name: this one takes its id as its name.
  if (held && held.extract.id !== listed.id) name = `${listed.id}-${name}`;
  const mine = held?.extract.id === listed.id ? held : null;
  if (mine && (await sha256Of(join(opts.dir, name)).catch(() => null)) === listed.sha256) {
    report.unchanged++;
  } else {
    const e = (await (await call(`/v1/extracts/${encodeURIComponent(listed.id)}`)).json()) as ExtractMeta;
    const part = join(opts.dir, PARTS, `${e.id}.part`);
    await download(call, e, part);
    const got = await sha256Of(part);
    if (got !== e.sha256) {
      await rm(part, { force: true });
      throw new Error(`the bytes downloaded have sha256 ${got}, not ${e.sha256}; nothing was kept`);
    }
    const receipt = await verifyReceipt(e.receipt ?? '', opts.jwks);
    if (!receipt.valid) throw new Error(`the delivery receipt does not verify: ${receipt.reason}`);
    const named = receipt.payload.extracts?.find((x) => x.id === e.id);
    if (receipt.payload.deliveryId !== e.delivery || named?.sha256 !== e.sha256)
      throw new Error('the delivery receipt does not name this extract with these bytes');
    await rename(part, join(opts.dir, name));
    await writeAtomically(
      metaPath(),
      `${JSON.stringify({ extract: e, receipt: receipt.payload }, null, 2)}\n`,
    );
    report.downloaded.push({ extract: e.id, file: name, bytes: e.bytes, replaces: e.replaces });
    // Every earlier extract of the slot in the folder is superseded by this one: noted in its
    // metadata and reported, however many corrections came between.
    for (const old of await earlierOfSlot(opts.dir, e)) {
      await writeAtomically(
        join(opts.dir, `${old.file}.json`),
        `${JSON.stringify({ ...old.meta, replacedBy: e.id }, null, 2)}\n`,
      );
      report.superseded.push({ extract: old.meta.extract.id, file: old.file, replacedBy: e.id });
    }
  }
  if (opts.ack && !mine?.acknowledgedAt) {
    // Acknowledged already (a run that died before noting it): the gateway's word stands.
    const res = await call(`/v1/extracts/${encodeURIComponent(listed.id)}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'accepted' }),
    }).catch(async (e: Error) => {
      if (!e.message.startsWith('409')) throw e;
      return call(`/v1/extracts/${encodeURIComponent(listed.id)}`);
    });
    const acked = (await res.json()) as { acknowledgement: { at: string } | null };
    const meta = JSON.parse(await readFile(metaPath(), 'utf8')) as Record<string, unknown>;
    await writeAtomically(
      metaPath(),
      `${JSON.stringify({ ...meta, acknowledgedAt: acked.acknowledgement?.at ?? null }, null, 2)}\n`,
    );
    report.acknowledged.push(listed.id);
  }
}

/** The extracts of the same recipient and slot in the folder, older than `e` and not yet marked replaced. */
async function earlierOfSlot(
  dir: string,
  e: ExtractMeta,
): Promise<Array<{ file: string; meta: { extract: ExtractMeta; replacedBy?: string } }>> {
  const out: Array<{ file: string; meta: { extract: ExtractMeta; replacedBy?: string } }> = [];
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue;
    try {
      const meta = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
        extract: ExtractMeta;
        replacedBy?: string;
      };
      const x = meta.extract;
      if (
        x.id !== e.id &&
        !meta.replacedBy &&
        x.recipient === e.recipient &&
        x.dataset === e.dataset &&
        x.municipality === e.municipality &&
        x.period === e.period &&
        x.version < e.version
      )
        out.push({ file: f.slice(0, -'.json'.length), meta });
    } catch {}
  }
  return out;
}
