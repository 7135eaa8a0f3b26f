import type { Catalogue } from '../core/catalogue';
import type { DeliveryFilter, DeliveryRecord, ExtractFilter, ExtractRecord } from '../stores/metadata-store';
import type { Principal } from './principal';

/**
 * Who may see which object: the one rule the API and the dashboard both apply, each as a store
 * filter (for listings: every page full, the cursor within it) and as a check of one object (a
 * read by id answers 404 for what another party owns). The check is the filter applied to the
 * object, so the two cannot disagree.
 *
 * - A delivery, and the issues of its validation report: auditors and admins all; a source
 *   those it sent, within the municipalities and datasets its token names now; a municipality
 *   token those of its municipalities, whoever sent them.
 * - The status of an obligated slot: auditors and admins all; a source the municipalities ×
 *   datasets its token names; a recipient the datasets it receives (the dataset has a profile
 *   for it); a municipality token its municipalities.
 * - An extract: auditors and admins all (its metadata; the access table keeps its content the
 *   recipient's); a recipient its own.
 * - An audit event: auditors and admins, as the access table says for every audit route.
 * - A slot's data quality (counts, never values): auditors and admins all; a source the
 *   municipalities × datasets its token names now, whoever sent the slot's deliveries; a
 *   recipient every municipality of the datasets it receives (a profile for it).
 * - The consolidation report: auditors and admins.
 */

/** The part of a delivery listing a principal's scope decides. */
export type DeliveryScope = Pick<DeliveryFilter, 'source' | 'municipalities' | 'datasets'>;

/** The deliveries a principal may read, as a store filter; null for none. */
export function deliveryScope(p: Principal): DeliveryScope | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role === 'municipality') return { municipalities: p.municipalities };
  if (p.role !== 'source') return null;
  return {
    source: p.subject,
    ...(p.municipalities.includes('*') ? {} : { municipalities: p.municipalities }),
    ...(p.datasets.includes('*') ? {} : { datasets: p.datasets }),
  };
}

/** Whether a delivery (or an expected one: dataset, municipality and source) is within a scope. */
export function withinDeliveryScope(
  scope: DeliveryScope | null,
  d: Pick<DeliveryRecord, 'source' | 'municipality' | 'dataset'>,
): boolean {
  return (
    !!scope &&
    (scope.source === undefined || d.source === scope.source) &&
    (scope.municipalities === undefined || scope.municipalities.includes(d.municipality)) &&
    (scope.datasets === undefined || scope.datasets.includes(d.dataset))
  );
}

/** Whether a principal may read one delivery and its report. */
export function mayReadDelivery(
  p: Principal,
  d: Pick<DeliveryRecord, 'source' | 'municipality' | 'dataset'>,
): boolean {
  return withinDeliveryScope(deliveryScope(p), d);
}

/** The slots whose status a principal may read: a filter on dataset and municipality; null for none. */
export interface StatusScope {
  datasets?: readonly string[];
  municipalities?: readonly string[];
}

export function statusScope(p: Principal, catalogue: Pick<Catalogue, 'profiles'>): StatusScope | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role === 'municipality') return { municipalities: p.municipalities };
  if (p.role === 'recipient') {
    const received = [...catalogue.profiles]
      .filter(([, list]) => list.some((c) => c.profile.recipient === p.recipient))
      .map(([dataset]) => dataset);
    return { datasets: received };
  }
  if (p.role !== 'source') return null;
  return {
    ...(p.municipalities.includes('*') ? {} : { municipalities: p.municipalities }),
    ...(p.datasets.includes('*') ? {} : { datasets: p.datasets }),
  };
}

/** Whether a slot is within a status scope. */
export function withinStatusScope(
  scope: StatusScope | null,
  slot: { dataset: string; municipality: string },
) {
  return (
    !!scope &&
    (scope.datasets === undefined || scope.datasets.includes(slot.dataset)) &&
    (scope.municipalities === undefined || scope.municipalities.includes(slot.municipality))
  );
}

/** The part of an extract listing a principal's scope decides. */
export type ExtractScope = Pick<ExtractFilter, 'recipient'>;

/** The extracts a principal may read, as a store filter; null for none. */
export function extractScope(p: Principal): ExtractScope | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role !== 'recipient' || p.recipient === null) return null;
  return { recipient: p.recipient };
}

/** Whether a principal may read one extract. */
export function mayReadExtract(p: Principal, e: Pick<ExtractRecord, 'recipient'>): boolean {
  const scope = extractScope(p);
  return !!scope && (scope.recipient === undefined || e.recipient === scope.recipient);
}

/**
 * The municipalities' run reports a principal may read: those within its status scope, except
 * that a recipient reads none (it reads the runs and their summaries): one rule for the API
 * and the dashboard.
 */
export function runReportScope(p: Principal, catalogue: Pick<Catalogue, 'profiles'>): StatusScope | null {
  return p.role === 'recipient' ? null : statusScope(p, catalogue);
}

/** The slots whose data quality a principal may read: the same rule as their status; null for none. */
export type SlotScope = StatusScope | null;

/** The municipalities whose consolidation figures a principal may read; absent: every one; null for none. */
export function consolidationScope(p: Principal): { municipalities?: readonly string[] } | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role === 'municipality') return { municipalities: p.municipalities };
  return null;
}

/** Who reads the processing register (the dashboard's page; the API's access table says the same). */
export const mayReadRegister = (p: Principal): boolean => p.role === 'auditor' || p.role === 'admin';
