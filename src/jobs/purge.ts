import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { originalKey } from '../pipeline/intake-types';
import type { DeliveryRecord, ExtractRecord, MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';

export interface PurgeDeps {
  catalogue: Pick<Catalogue, 'datasets' | 'profiles'>;
  metadata: Pick<
    MetadataStore,
    'listDeliveries' | 'getDelivery' | 'listExtracts' | 'purgeOriginal' | 'purgeExtract'
  >;
  objects: Pick<ObjectStore, 'delete'>;
  now: Clock;
}

export const PURGE_ACTOR = 'gateway (retention)';

const DAY_MS = 86_400_000;
const PAGE = 500;

/** What a purge run deleted. */
export interface PurgeOutcome {
  originals: string[];
  extracts: string[];
}

async function* all<T>(page: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>) {
  for (let cursor: string | null = null; ; ) {
    const p = await page(cursor);
    yield* p.items;
    cursor = p.next;
    if (!cursor) return;
  }
}

/**
 * Deletes the bytes the retention rules (a dataset's `retention`, a profile's `retention`) no
 * longer let the gateway keep, and marks each purged with its audit event. Metadata, sha256,
 * receipts and the audit chain stay, so lineage and receipts still verify; a purged extract's
 * content answers 410. The bytes go first, then the mark: a run cut off between leaves no byte
 * kept that should not be, and the next run marks it. Nodes may run it at once: an item is
 * marked once (the store's conditional update), deleting twice is harmless.
 */
export async function runPurge(deps: PurgeDeps): Promise<PurgeOutcome> {
  const now = deps.now();
  const at = now.toISOString();
  const out: PurgeOutcome = { originals: [], extracts: [] };
  const passed = (since: string | null | undefined, days: number | undefined) =>
    days !== undefined && !!since && Date.parse(since) + days * DAY_MS <= now.getTime();
  // When a delivery stopped being current: the end of the delivery that superseded it; null
  // while it is current. (A rejected or failed delivery's bytes are deleted when it ends.)
  const deliveries = new Map<string, DeliveryRecord | null>();
  const delivery = async (id: string) => {
    if (!deliveries.has(id)) deliveries.set(id, await deps.metadata.getDelivery(id));
    return deliveries.get(id) ?? null;
  };
  const endedBeingCurrent = async (d: DeliveryRecord): Promise<string | null> => {
    if (!d.supersededBy) return null;
    const next = await delivery(d.supersededBy);
    return next?.completedAt ?? next?.receivedAt ?? null;
  };

  for (const [dataset, compiled] of deps.catalogue.datasets) {
    const rule = compiled.dataset.retention;
    if (!rule) continue;
    for await (const d of all((c) => deps.metadata.listDeliveries({ dataset }, c, PAGE))) {
      if (d.originalPurgedAt !== null || d.status !== 'accepted') continue;
      deliveries.set(d.id, d);
      const which = passed(d.receivedAt, rule.originalsDays)
        ? `${dataset}.retention.originalsDays = ${rule.originalsDays}`
        : passed(await endedBeingCurrent(d), rule.supersededOriginalsDays)
          ? `${dataset}.retention.supersededOriginalsDays = ${rule.supersededOriginalsDays}`
          : null;
      if (!which) continue;
      await deps.objects.delete(originalKey(d.id));
      if (await deps.metadata.purgeOriginal({ id: d.id, at, actor: PURGE_ACTOR, rule: which }))
        out.originals.push(d.id);
    }
  }

  for (const [dataset, profiles] of deps.catalogue.profiles)
    for (const cp of profiles) {
      const rule = cp.profile.retention;
      if (!rule) continue;
      const extracts = all<ExtractRecord>((c) =>
        deps.metadata.listExtracts({ dataset, recipient: cp.profile.recipient }, c, PAGE),
      );
      for await (const e of extracts) {
        if (e.status === 'purged') continue;
        const own = e.status === 'superseded' ? await delivery(e.deliveryId) : null;
        const which = passed(e.createdAt, rule.extractsDays)
          ? `${cp.profile.id}.retention.extractsDays = ${rule.extractsDays}`
          : own && passed(await endedBeingCurrent(own), rule.supersededExtractsDays)
            ? `${cp.profile.id}.retention.supersededExtractsDays = ${rule.supersededExtractsDays}`
            : null;
        if (!which) continue;
        await deps.objects.delete(e.objectKey);
        if (await deps.metadata.purgeExtract({ id: e.id, at, actor: PURGE_ACTOR, rule: which }))
          out.extracts.push(e.id);
      }
    }
  return out;
}
