/**
 * A worker thread that makes one delivery's extracts: it receives the delivery's valid rows
 * from the intake thread and maps, writes, encodes, packages, hashes and stores them, so
 * that parsing and mapping run on two cores at once.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { DocumentText } from '../core/archival-context';
import type { Dataset } from '../core/dataset';
import { type CompiledProfile, compileProfile } from '../core/mapper';
import type { Profile } from '../core/profile';
import type { DeliveryContext } from '../core/projection';
import type { Row } from '../core/validator';
import { provideStandardSchemas, seedContextDocument } from '../pipeline/archival-package';
import { renderDocumentTiff } from '../pipeline/context-docs';
import { type FanOut, localFanOut, type PlannedExtract } from '../pipeline/fan-out';
import { createFsObjectStore } from '../stores/fs-object-store';
import { createS3ObjectStore, type S3ObjectStoreOptions } from '../stores/s3-object-store';
import { createPseudonymKeySource } from './pseudonym-keys';
import { unpackRows } from './row-batch';
import { readStandardSchemas } from './standard-schemas';

export interface FanOutWorkerData {
  /** Where extracts are stored: the data dir's objects folder, or an S3 bucket. */
  objects: { fs: string } | { s3: S3ObjectStoreOptions };
  keys: { json?: string; file?: string; dataDir?: string };
  dataset: Dataset;
  profiles: Array<{ profile: Profile; sha256: string }>;
  ctx: DeliveryContext;
  extracts: PlannedExtract[];
}

export type ToWorker =
  | { type: 'open'; documents?: Array<[profileId: string, tiff: Uint8Array]> }
  | { type: 'rows'; values: Array<Row[string]>; count: number }
  | { type: 'finish' }
  | { type: 'abort' };
export type FromWorker =
  | { type: 'done'; of: ToWorker['type']; results?: Array<[string, unknown]> }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('fan-out-worker runs as a worker thread');

if ((workerData as { render?: DocumentText[] }).render) {
  // Another use of the same thread script: draw context documentation and go, so that the font
  // outlines drawing needs are freed with the thread rather than kept by the intake process.
  const tiffs: Uint8Array[] = [];
  for (const doc of (workerData as { render: DocumentText[] }).render)
    tiffs.push(await renderDocumentTiff(doc));
  port.postMessage(tiffs);
} else {
  provideStandardSchemas(readStandardSchemas);
  await serveFanOut(port, workerData as FanOutWorkerData);
}

async function serveFanOut(port: MessagePort, data: FanOutWorkerData): Promise<void> {
  const keys = createPseudonymKeySource(data.keys);
  const fieldIds = data.dataset.fields.map((f) => f.id);
  const profiles: CompiledProfile[] = data.profiles.map((p) =>
    compileProfile(p.profile, data.dataset, p.sha256, { pseudonymiser: (ref) => keys.pseudonymiser(ref) }),
  );
  const store =
    'fs' in data.objects ? createFsObjectStore(data.objects.fs) : await createS3ObjectStore(data.objects.s3);
  const fanOut: FanOut = localFanOut(store, {
    profiles,
    ctx: data.ctx,
    extracts: data.extracts,
    bytesHint: null,
  });

  // Messages are handled one after another, in the order they were sent.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    queue = queue.then(async () => {
      try {
        if (msg.type === 'open') {
          for (const [id, tiff] of msg.documents ?? []) {
            const p = profiles.find((x) => x.profile.id === id);
            if (p) seedContextDocument(p, tiff);
          }
          await fanOut.open();
        } else if (msg.type === 'rows') await fanOut.push(unpackRows(msg.values, msg.count, fieldIds));
        else if (msg.type === 'abort') await fanOut.abort();
        else {
          const results = await fanOut.finish();
          port.postMessage({ type: 'done', of: 'finish', results: [...results] } satisfies FromWorker);
          return;
        }
        port.postMessage({ type: 'done', of: msg.type } satisfies FromWorker);
      } catch (e) {
        port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker);
      }
    });
  });
}
