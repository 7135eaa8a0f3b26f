import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';

export interface JobDeps {
  metadata: MetadataStore;
  objects: ObjectStore;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export const JANITOR_ACTOR = 'gateway (janitor)';

/**
 * Ends deliveries whose upload never finished (the process died, the client went away
 * without the request ending) as failed, and deletes what they had staged. A delivery counts
 * as abandoned when it has been receiving for longer than `olderThanMs`.
 */
export async function reapAbandonedDeliveries(
  deps: JobDeps,
  now: Date,
  olderThanMs: number,
): Promise<{ reaped: string[] }> {
  const stale = await deps.metadata.listStaleReceiving(new Date(now.getTime() - olderThanMs).toISOString());
  const reaped: string[] = [];
  for (const d of stale) {
    await deps.objects.deletePrefix(`deliveries/${d.id}/`);
    try {
      await deps.metadata.endDelivery({
        id: d.id,
        status: 'failed',
        outcome: { completedAt: now.toISOString() },
        problem: {
          code: 'abandoned',
          detail: 'the upload did not finish; nothing was accepted. Send the delivery again.',
        },
        issues: [],
        errorCount: 0,
        actor: JANITOR_ACTOR,
      });
      reaped.push(d.id);
    } catch {
      // Finished by its own process in the meantime: nothing to do.
    }
  }
  if (reaped.length)
    deps.log?.warn(
      { deliveries: reaped },
      'abandoned deliveries marked failed and their staged objects deleted',
    );
  return { reaped };
}
