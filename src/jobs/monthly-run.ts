import type { AuditDraft } from '../audit/chain';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import { buildRun, type DeadlinesPassed, type RunRecord, type SlotStatusSource } from '../core/run-report';
import type { RunTrigger } from '../core/vocabulary';
import type { MetadataStore } from '../stores/metadata-store';

export interface RunDeps {
  metadata: MetadataStore;
  now: Clock;
  /** The status of every obligated slot of a period. */
  slotStatuses: SlotStatusSource;
  log?: { info(o: object, msg: string): void };
}

export const RUN_ACTOR = 'gateway (monthly run)';

/**
 * Makes a run of a period now: the status of its obligated slots is taken, one report per
 * municipality put together, and the whole stored with the audit event `run.completed`. Null
 * when it is a scheduled run and the period already has one (another node made it first), or
 * has no obligated slot at all (nothing known yet must not take the period's one scheduled run).
 */
export async function makeRun(
  deps: RunDeps,
  period: string,
  trigger: RunTrigger,
  actor: string,
): Promise<RunRecord | null> {
  const items = await deps.slotStatuses(period);
  const built = buildRun(
    { id: newId('run'), period, trigger, ranAt: deps.now().toISOString(), actor },
    items,
  );
  const { run } = built;
  if (trigger === 'scheduled' && run.counts.slots === 0) return null;
  // The scheduled run, once a period's deadline has passed, names each slot still missing
  // (`obligation.missing`, which webhooks tell of); a manual run only reports.
  const missing: AuditDraft[] =
    trigger === 'scheduled'
      ? items
          .filter((i) => i.status === 'missing')
          .map((i) => ({
            actor,
            action: 'obligation.missing',
            subject: `${i.dataset}/${i.municipality}/${i.period}`,
            details: {
              dataset: i.dataset,
              municipality: i.municipality,
              period: i.period,
              deadline: i.deadline,
              run: run.id,
            },
          }))
      : [];
  return deps.metadata.createRun(built, [
    {
      actor,
      action: 'run.completed',
      subject: run.id,
      details: { period, trigger, municipalities: run.municipalities, ...run.counts },
    },
    ...missing,
  ]);
}

/**
 * The scheduler's job: the run of every period whose deadline has passed and that has no
 * scheduled run yet. Several nodes may call it at the same moment: the store keeps one
 * scheduled run per period, so each period is run once.
 */
export async function runDueRuns(
  deps: RunDeps,
  deadlinesPassed: DeadlinesPassed,
): Promise<{ made: RunRecord[] }> {
  const made: RunRecord[] = [];
  for (const period of deadlinesPassed(deps.now())) {
    const done = await deps.metadata.listRuns({ period, trigger: 'scheduled' }, null, 1);
    if (done.items.length) continue;
    const run = await makeRun(deps, period, 'scheduled', RUN_ACTOR);
    if (!run) continue;
    made.push(run);
    deps.log?.info(
      { run: run.id, period, municipalities: run.municipalities, ...run.counts },
      'monthly run made',
    );
  }
  return { made };
}
