import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../core/dataset';
import { GatewayError } from '../core/errors';
import type { CompiledProfile } from '../core/mapper';
import { contextTiff } from '../pipeline/archival-package';
import { type FanOut, type FanOutFactory, type FinishedExtract, localFanOut } from '../pipeline/fan-out';
import type { ObjectStore } from '../stores/object-store';
import type { FanOutWorkerData, FromWorker, ToWorker } from './fan-out-worker';
import { packRows } from './row-batch';

/** Batches of rows sent but not yet mapped: enough to keep both threads busy, few enough to bound memory. */
const MAX_BATCHES_IN_FLIGHT = 4;

/** The worker script next to this module: present in the built bundle (`dist/`), absent when run from sources. */
export function fanOutWorkerUrl(): URL | null {
  const url = new URL('./fan-out-worker.mjs', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * Runs a delivery's extracts in a worker thread when the delivery is large enough to repay
 * starting one; small deliveries stay in the intake thread. Aggregate profiles stay in the
 * intake thread beside a worker: they write nothing per record, and the two threads are
 * busier alike when the worker has only the record-level extracts.
 */
export function threadFanOut(opts: {
  workerUrl: URL;
  objects: ObjectStore;
  /** The same store, as the worker opens it. */
  objectsAt: FanOutWorkerData['objects'];
  keys: FanOutWorkerData['keys'];
  datasets: ReadonlyMap<string, { dataset: Dataset }>;
  minBytes: number;
  /** Worker threads a delivery's record-level extracts are shared out over. */
  workers: number;
}): FanOutFactory {
  return (req) => {
    if (req.profiles.length === 0 || req.bytesHint === null || req.bytesHint < opts.minBytes) return null;
    const dataset = opts.datasets.get(req.ctx.dataset)?.dataset;
    if (!dataset) return null;
    // Aggregates (cheap, nothing written per record) stay in the intake thread. The
    // record-level profiles are shared out, the costliest first, each to the least loaded of
    // the intake thread (loaded already with reading and validating) and the workers, so that
    // on two cores both threads are busy alike.
    const intake = { weight: INTAKE_WEIGHT, profiles: req.profiles.filter((p) => p.profile.aggregate) };
    const groups: Array<{ weight: number; profiles: CompiledProfile[] }> = Array.from(
      { length: Math.max(1, opts.workers) },
      () => ({ weight: 0, profiles: [] }),
    );
    const recordLevel = req.profiles.filter((p) => !p.profile.aggregate);
    for (const p of [...recordLevel].sort((a, b) => weightOf(b) - weightOf(a))) {
      const g = [intake, ...groups].reduce((x, y) => (y.weight < x.weight ? y : x));
      g.profiles.push(p);
      g.weight += weightOf(p);
    }
    const busy = groups.filter((g) => g.profiles.length > 0);
    if (busy.length === 0) return null;
    const local = intake.profiles;
    const remoteRecipients = new Set(busy.flatMap((g) => g.profiles.map((p) => p.profile.recipient)));
    const fanOuts = busy.map((g) => {
      const recipients = new Set(g.profiles.map((p) => p.profile.recipient));
      const data: FanOutWorkerData = {
        objects: opts.objectsAt,
        keys: opts.keys,
        dataset,
        profiles: g.profiles.map((p) => ({ profile: p.profile, sha256: p.sha256 })),
        ctx: req.ctx,
        extracts: req.extracts.filter((e) => recipients.has(e.recipient)),
      };
      // A worker's heap left to itself grows with garbage long before it collects; capped, the
      // process stays within its memory bound. What the worker keeps alive is small: a few
      // batches of rows, each profile's pending text, an aggregate's groups. Almost all it
      // makes dies young: a young generation of WORKER_YOUNG_MB lets it die there rather than
      // be promoted and collected again (bench/README.md).
      return workerFanOut(
        g.profiles.filter((p) => p.archival),
        new Worker(opts.workerUrl, {
          workerData: data,
          resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        }),
        dataset.fields.map((f) => f.id),
      );
    });
    const worker = fanOuts.reduce((a, b) => bothFanOuts(a, b));
    if (local.length === 0) return worker;
    const here = localFanOut(opts.objects, {
      ...req,
      profiles: local,
      extracts: req.extracts.filter((e) => !remoteRecipients.has(e.recipient)),
    });
    return bothFanOuts(here, worker);
  };
}

/**
 * A rough cost of a profile per record, to share profiles out over threads (CPU profiles of
 * the daycare profiles, bench/README.md): a record-level XML or NDJSON extract 1, one with
 * keyed pseudonyms or the archival version (a second XML rendering, deflate and MD5) 1.5.
 */
function weightOf(p: CompiledProfile): number {
  return p.archival || p.pseudonymKeyIds.length > 0 ? 1.5 : 1;
}

/** The young generation of a fan-out worker's heap, in MiB. */
const WORKER_YOUNG_MB = 24;

/** What the intake thread does of its own per record (reading, validating, hashing the original, handing rows over), in the same units. */
const INTAKE_WEIGHT = 2.5;

/** Two fan-outs fed the same rows, as one. */
function bothFanOuts(a: FanOut, b: FanOut): FanOut {
  return {
    async open() {
      await Promise.all([a.open(), b.open()]);
    },
    async push(rows) {
      await Promise.all([a.push(rows), b.push(rows)]);
    },
    async finish() {
      const [x, y] = await Promise.all([a.finish(), b.finish()]);
      return new Map([...x, ...y]);
    },
    async abort() {
      await Promise.all([a.abort(), b.abort()]);
    },
  };
}

function workerFanOut(
  archival: readonly CompiledProfile[],
  worker: Worker,
  fieldIds: readonly string[],
): FanOut {
  const waiting: Array<{ resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  let ended = false;
  const fail = (e: Error) => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.on('message', (m: FromWorker) => {
    const w = waiting.shift();
    if (m.type === 'error') {
      const e = new GatewayError('internal', `making the extracts failed: ${m.message}`);
      failure ??= e;
      w?.reject(e);
      return;
    }
    w?.resolve(m);
  });
  worker.on('error', (e) => fail(e));
  worker.on('exit', (code) => {
    if (!ended) fail(new Error(`the extract worker stopped (${code})`));
  });
  const send = (msg: ToWorker): Promise<FromWorker> => {
    if (failure) return Promise.reject(failure);
    if (ended) return Promise.reject(new Error('the extract worker has stopped'));
    const p = new Promise<FromWorker>((resolve, reject) => waiting.push({ resolve, reject }));
    worker.postMessage(msg);
    return p;
  };
  let inFlight: Array<Promise<FromWorker>> = [];
  const stop = async () => {
    ended = true;
    await worker.terminate();
  };
  return {
    async open() {
      // Context documentation is rendered here, once per profile version, not in every worker.
      const documents = await Promise.all(
        archival.map(async (p) => [p.profile.id, await contextTiff(p)] as [string, Uint8Array]),
      );
      await send({ type: 'open', documents });
    },
    async push(rows) {
      const p = send({ type: 'rows', values: packRows(rows, fieldIds), count: rows.length });
      p.catch(() => {});
      inFlight.push(p);
      if (inFlight.length >= MAX_BATCHES_IN_FLIGHT) {
        await inFlight.shift();
      }
    },
    async finish() {
      try {
        await Promise.all(inFlight);
        inFlight = [];
        const m = await send({ type: 'finish' });
        return new Map((m.type === 'done' ? (m.results ?? []) : []) as Array<[string, FinishedExtract]>);
      } finally {
        await stop();
      }
    },
    async abort() {
      if (ended) return;
      try {
        await Promise.allSettled(inFlight);
        inFlight = [];
        if (!failure) await send({ type: 'abort' }).catch(() => {});
      } finally {
        await stop();
      }
    },
  };
}
