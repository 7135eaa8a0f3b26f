import type { DeliveryScope } from '../auth/visibility';
import { withinDeliveryScope } from '../auth/visibility';
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { GatewayError } from '../core/errors';
import { slotReports, slotsFromScopes } from '../core/expectations';
import { MUNICIPALITIES } from '../core/municipalities';
import { parsePeriod, periodDeadline } from '../core/period';
import { nameAsShown, shapeOf } from '../core/value-shape';
import { SLOT_STATUSES } from '../core/vocabulary';
import type { DeliveryRecord, MetadataStore } from '../stores/metadata-store';

/** What the report reads: the catalogue's datasets, the source tokens and deliveries, the time. */
export interface ExpectedDeps {
  catalogue: Catalogue;
  metadata: MetadataStore;
  now: Clock;
}

/**
 * The expected-delivery report for one dataset and period, shared by the API and the
 * dashboard: for every source and municipality a source token names, received, late, missing
 * or pending. With a scope, only the slots and deliveries within it; null for none.
 */
export async function expectedDeliveries(
  deps: ExpectedDeps,
  dataset: string,
  period: string,
  scope: DeliveryScope | null = {},
) {
  const compiled = deps.catalogue.datasets.get(dataset);
  if (!compiled) throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(dataset)}`);
  const p = parsePeriod(period, compiled.dataset.cadence);
  if (!p)
    throw new GatewayError(
      'invalid_period',
      `the period (${shapeOf(period)}) is not a ${compiled.dataset.cadence} period`,
    );
  const now = deps.now();
  const deadline = periodDeadline(p, compiled.dataset.deadline.daysAfterPeriodEnd);
  const tokens = await deps.metadata.listTokens({ role: 'source', activeAt: now.toISOString() });
  const slots = slotsFromScopes(tokens, dataset).filter((slot) => withinDeliveryScope(scope, slot));
  const deliveries: DeliveryRecord[] = [];
  let cursor: string | null = null;
  while (scope && (scope.datasets === undefined || scope.datasets.includes(dataset))) {
    const page = await deps.metadata.listDeliveries({ dataset, period, ...scope }, cursor, 500);
    deliveries.push(...page.items);
    cursor = page.next;
    if (!cursor) break;
  }
  const items = slotReports(slots, period, deliveries, deadline, now).map((r) => ({
    ...r,
    municipalityName: MUNICIPALITIES.get(r.municipality)?.name ?? r.municipality,
  }));
  const summary: Record<string, number> = Object.fromEntries(SLOT_STATUSES.map((s) => [s, 0]));
  for (const i of items) summary[i.status] = (summary[i.status] ?? 0) + 1;
  return { dataset, period, deadline: deadline.toISOString(), summary, items };
}

/** The report expectedDeliveries gives. */
export type ExpectedReport = Awaited<ReturnType<typeof expectedDeliveries>>;
