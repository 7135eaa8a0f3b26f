import type { DeliveryFilter, DeliveryRecord } from '../stores/metadata-store';
import type { Principal } from './principal';

/** The part of a delivery listing a principal's current scope decides. */
export type DeliveryScope = Pick<DeliveryFilter, 'source' | 'municipalities' | 'datasets'>;

/**
 * The deliveries a principal may read, from the token's scope as it is now: auditors and admins
 * all; a source those it sent, and of those only the municipalities and datasets its token
 * still names; anyone else none (null).
 */
export function deliveryScope(p: Principal): DeliveryScope | null {
  if (p.role === 'admin' || p.role === 'auditor') return {};
  if (p.role !== 'source') return null;
  return {
    source: p.subject,
    ...(p.municipalities.includes('*') ? {} : { municipalities: p.municipalities }),
    ...(p.datasets.includes('*') ? {} : { datasets: p.datasets }),
  };
}

/** Whether a principal may read one delivery: the same rule as deliveryScope. */
export function mayReadDelivery(
  p: Principal,
  d: Pick<DeliveryRecord, 'source' | 'municipality' | 'dataset'>,
) {
  const scope = deliveryScope(p);
  if (!scope) return false;
  return (
    (scope.source === undefined || d.source === scope.source) &&
    (scope.municipalities === undefined || scope.municipalities.includes(d.municipality)) &&
    (scope.datasets === undefined || scope.datasets.includes(d.dataset))
  );
}
