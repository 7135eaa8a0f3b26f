import type { Principal } from '../../auth/principal';
import { type StatusScope, statusScope } from '../../auth/visibility';
import { danishDate } from '../../core/holidays';
import type { CompiledObligation } from '../../core/obligations';
import { latestDuePeriod } from '../../core/obligations';
import { parsePeriod, previousPeriod } from '../../core/period';
import type { DashboardServices } from '../services';

/**
 * What the national picture and the municipality page share: the monthly obligations a
 * principal may see (its status scope, as GET /v1/status), which month is shown by default,
 * and a checked `?period=`.
 */
export interface MonthlyView {
  scope: StatusScope | null;
  /** The obligated monthly datasets within the scope, in the catalogue's order. */
  obligations: CompiledObligation[];
}

export function monthlyView(services: DashboardServices, p: Principal): MonthlyView {
  const scope = statusScope(p, services.catalogue);
  const obligations = [...services.catalogue.obligations.values()].filter(
    (o) =>
      o.obligation.cadence === 'monthly' &&
      !!scope &&
      (scope.datasets === undefined || scope.datasets.includes(o.obligation.dataset)),
  );
  return { scope, obligations };
}

/**
 * The month shown when none is asked for: the latest one whose deadline has passed for every
 * monthly obligation (so each column of the national picture is due); null when none has.
 */
export function defaultMonth(services: DashboardServices, obligations: readonly CompiledObligation[]) {
  const today = danishDate(services.now());
  let month: string | null = null;
  for (const o of obligations) {
    const due = latestDuePeriod(o, today)?.id ?? null;
    if (due && (month === null || due < month)) month = due;
  }
  return month;
}

/** `?period=` as a month (YYYY-MM); undefined when absent; null when it is not a month. */
export function askedMonth(value: string | undefined): string | undefined | null {
  if (value === undefined || value === '') return undefined;
  return value.length <= 16 && parsePeriod(value, 'monthly') ? value : null;
}

/** The `n` months ending with `last`, oldest first. */
export function monthsEnding(last: string, n: number): string[] {
  const out = [last];
  try {
    while (out.length < n) {
      const before = previousPeriod(out[0] as string, 'monthly');
      // Before the first month there is (PERIOD_YEARS): the months there are.
      if (!parsePeriod(before, 'monthly')) break;
      out.unshift(before);
    }
  } catch {
    // Before the first month there is: the months there are.
  }
  return out;
}
