import type { Clock } from '../core/clock';
import type { ExtractRecord, MetadataStore } from '../stores/metadata-store';

export const OVERDUE_ACTOR = 'gateway (overdue)';

/** Extracts marked per transaction. */
const BATCH = 500;

/**
 * Raises `extract.overdue` for every acknowledgement past its due time and not given: each
 * once, whichever node looks (the store marks each extract once). Every node may run it.
 */
export async function raiseOverdue(deps: {
  metadata: Pick<MetadataStore, 'markOverdue'>;
  now: Clock;
}): Promise<{ overdue: ExtractRecord[] }> {
  const at = deps.now().toISOString();
  const overdue: ExtractRecord[] = [];
  for (;;) {
    const marked = await deps.metadata.markOverdue(at, OVERDUE_ACTOR, BATCH);
    overdue.push(...marked);
    if (marked.length < BATCH) return { overdue };
  }
}
