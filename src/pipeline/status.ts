/**
 * The status of obligated slots, shared by the API (`GET /v1/status`) and the dashboard:
 * gathers the obligations and the deliveries of the periods asked for (one listing per
 * dataset and period, and one for the period before), and hands them to the pure
 * `core/status`. Tokens play no part: issuing or revoking one changes no row.
 */
import type { StatusScope } from '../auth/visibility';
import { withinStatusScope } from '../auth/visibility';
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { CADENCES } from '../core/dataset';
import { GatewayError } from '../core/errors';
import { danishDate } from '../core/holidays';
import { isMunicipalityCode } from '../core/municipalities';
import { type CompiledObligation, deadlineOf, latestDuePeriod, obliges } from '../core/obligations';
import { PERIOD_FORMATS, type Period, parsePeriod, previousPeriod } from '../core/period';
import { type DeliveryFact, type SlotState, slotState } from '../core/status';
import { nameAsShown, shapeOf } from '../core/value-shape';
import { SLOT_STATUSES, type SlotStatus } from '../core/vocabulary';
import type { DeliveryFilter, DeliveryRecord, MetadataStore } from '../stores/metadata-store';

export interface StatusDeps {
  catalogue: Catalogue;
  metadata: MetadataStore;
  now: Clock;
}

export interface StatusQuery {
  /** A period in the dataset's cadence; absent: for each dataset the period most recently due. */
  period?: string;
  dataset?: string;
  municipality?: string;
}

export interface StatusReport {
  items: SlotState[];
  summary: Record<SlotStatus, number>;
}

const PAGE = 500;

async function deliveriesOf(metadata: MetadataStore, filter: DeliveryFilter): Promise<DeliveryRecord[]> {
  const out: DeliveryRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await metadata.listDeliveries(filter, cursor, PAGE);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

function factOf(d: DeliveryRecord): DeliveryFact {
  return {
    id: d.id,
    status: d.status,
    receivedAt: d.receivedAt,
    supersededBy: d.supersededBy,
    validRecords: d.records?.valid ?? null,
    errorsByRule: d.errorsByRule,
  };
}

function byMunicipality(list: DeliveryRecord[]): Map<string, DeliveryFact[]> {
  const out = new Map<string, DeliveryFact[]>();
  for (const d of list) {
    const facts = out.get(d.municipality) ?? [];
    facts.push(factOf(d));
    out.set(d.municipality, facts);
  }
  return out;
}

/** Checks the query; the obligations it covers, each with its period. */
function selected(deps: StatusDeps, q: StatusQuery, today: string): Array<[CompiledObligation, Period]> {
  const { catalogue } = deps;
  if (q.dataset !== undefined && !catalogue.datasets.has(q.dataset))
    throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(q.dataset)}`);
  if (q.municipality !== undefined && !isMunicipalityCode(q.municipality))
    throw new GatewayError(
      'invalid_municipality',
      `${nameAsShown(q.municipality)} is not a municipality code`,
    );
  const obligations = [...catalogue.obligations.values()].filter(
    (o) => q.dataset === undefined || o.obligation.dataset === q.dataset,
  );
  if (q.period !== undefined) {
    const period = q.period;
    const cadences = q.dataset ? [catalogue.datasets.get(q.dataset)?.dataset.cadence ?? 'monthly'] : CADENCES;
    if (!cadences.some((c) => parsePeriod(period, c)))
      throw new GatewayError(
        'invalid_period',
        `the period (${shapeOf(period)}) is not a ${cadences.join(', ')} period (${cadences.map((c) => PERIOD_FORMATS[c]).join(', ')})`,
      );
  }
  const out: Array<[CompiledObligation, Period]> = [];
  for (const o of obligations) {
    const p =
      q.period === undefined ? latestDuePeriod(o, today) : parsePeriod(q.period, o.obligation.cadence);
    if (p && obliges(o, p)) out.push([o, p]);
  }
  return out;
}

/** One item per obligated slot of the period(s) asked for, within the scope; null scope: none. */
export async function slotStatuses(
  deps: StatusDeps,
  q: StatusQuery,
  scope: StatusScope | null,
): Promise<StatusReport> {
  const today = danishDate(deps.now());
  const items: SlotState[] = [];
  for (const [o, period] of selected(deps, q, today)) {
    const dataset = o.obligation.dataset;
    const municipalities = o.municipalities.filter(
      (m) =>
        (q.municipality === undefined || q.municipality === m) &&
        withinStatusScope(scope, { dataset, municipality: m }),
    );
    if (!municipalities.length) continue;
    const filter: DeliveryFilter =
      municipalities.length === 1 ? { dataset, municipality: municipalities[0] } : { dataset };
    const before = previousPeriod(period.id, period.cadence);
    const [now, then] = await Promise.all([
      deliveriesOf(deps.metadata, { ...filter, period: period.id }),
      deliveriesOf(deps.metadata, { ...filter, period: before }),
    ]);
    const current = byMunicipality(now);
    const previous = byMunicipality(then);
    const deadline = deadlineOf(period, o.obligation.deadline);
    for (const municipality of municipalities)
      items.push(
        slotState({
          dataset,
          municipality,
          period: period.id,
          deadline,
          today,
          attempts: current.get(municipality) ?? [],
          previous: previous.get(municipality) ?? [],
          anomalyBand: o.obligation.anomalyBand,
        }),
      );
  }
  const summary = Object.fromEntries(SLOT_STATUSES.map((s) => [s, 0])) as Record<SlotStatus, number>;
  for (const i of items) summary[i.status]++;
  return { items, summary };
}
