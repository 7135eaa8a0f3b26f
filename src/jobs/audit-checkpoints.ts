import type { AuditCheckpoint } from '../audit/chain';
import { type AuditKey, makeCheckpoint } from '../audit/checkpoint';
import type { Clock } from '../core/clock';
import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';

export interface CheckpointDeps {
  metadata: Pick<MetadataStore, 'auditHead' | 'latestAuditCheckpoint' | 'addAuditCheckpoint'>;
  objects: Pick<ObjectStore, 'create'>;
  auditKey: AuditKey;
  now: Clock;
}

/** A checkpoint is due once this many events follow the last one… */
export const CHECKPOINT_EVERY_EVENTS = 1000;
/** …or this long after it, when any event follows it. */
export const CHECKPOINT_EVERY_MS = 10 * 60_000;

/** Where the object store keeps a checkpoint: by its sequence number, in order. */
export const checkpointKey = (seq: number) => `audit/checkpoints/${String(seq).padStart(16, '0')}.jws`;

/** The prefix of every checkpoint's object. */
export const CHECKPOINT_PREFIX = 'audit/checkpoints/';

/**
 * Signs the chain's head when a checkpoint is due (or `force`: on demand): none when no event
 * followed the last checkpoint. The object store's copy is written first, then the database's
 * row; two nodes at once sign the same head and one row is kept. Returns the checkpoint made,
 * or the latest when none was due.
 */
export async function checkpointAudit(
  deps: CheckpointDeps,
  force = false,
): Promise<{ made: boolean; checkpoint: AuditCheckpoint | null }> {
  const head = await deps.metadata.auditHead();
  const latest = await deps.metadata.latestAuditCheckpoint();
  const now = deps.now();
  if (head.seq === 0 || (latest && latest.seq >= head.seq)) return { made: false, checkpoint: latest };
  const due =
    force ||
    !latest ||
    head.seq - latest.seq >= CHECKPOINT_EVERY_EVENTS ||
    now.getTime() - Date.parse(latest.at) >= CHECKPOINT_EVERY_MS;
  if (!due) return { made: false, checkpoint: latest };
  const checkpoint = await makeCheckpoint(deps.auditKey, head, now.toISOString());
  const sink = await deps.objects.create(checkpointKey(checkpoint.seq));
  try {
    await sink.write(new TextEncoder().encode(checkpoint.jws));
    await sink.close();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  const made = await deps.metadata.addAuditCheckpoint(checkpoint);
  return { made, checkpoint: made ? checkpoint : await deps.metadata.latestAuditCheckpoint() };
}
