/**
 * Re-validation: the current accepted deliveries of a dataset's past periods, read again from
 * their stored originals and checked against the dataset's rules now in force — the intake's
 * own reader and validator, one chunk at a time — with counts of what would now fail, by rule.
 * Nothing else changes: no extract, receipt, push or delivery status. A run is claimed by one
 * node with a lease; a node that dies leaves the lease to expire and another goes on, skipping
 * the deliveries already checked in the run.
 */

import { randomUUID } from 'node:crypto';
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { GatewayError } from '../core/errors';
import { newId } from '../core/ids';
import { parsePeriod } from '../core/period';
import type { CompiledDataset, RawRecord, ValidationIssue } from '../core/validator';
import { createReader, readerFor } from '../formats/readers';
import type {
  DeliveryRecord,
  MetadataStore,
  RevalidationResult,
  RevalidationRun,
} from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';
import { originalKey } from './intake-types';

export interface RevalidationDeps {
  metadata: MetadataStore;
  objects: ObjectStore;
  catalogue: Catalogue;
  now: Clock;
  log?: { info(o: object, msg: string): void; error(o: object, msg: string): void };
}

export interface RevalidationOptions {
  /** How long a claim holds without news from its node (renewed as the work goes on). */
  leaseMs?: number;
  /** Stop taking new deliveries after this long (the Workers cron's budget); the run goes on later. */
  budgetMs?: number;
}

const DEFAULT_LEASE_MS = 120_000;

/** Queues a run of the dataset against its version in force, with the audit event, for `actor`. */
export async function requestRevalidation(
  deps: Pick<RevalidationDeps, 'metadata' | 'catalogue' | 'now'>,
  dataset: string,
  actor: string,
): Promise<RevalidationRun> {
  const compiled = deps.catalogue.datasets.get(dataset);
  if (!compiled) throw new GatewayError('not_found', 'there is no such dataset');
  const run = {
    id: newId('rvl'),
    dataset,
    datasetVersion: compiled.dataset.version,
    requestedBy: actor,
    requestedAt: deps.now().toISOString(),
  };
  return deps.metadata.createRevalidation(run, {
    actor,
    action: 'dataset.revalidation_requested',
    subject: dataset,
    details: { version: run.datasetVersion, reason: 'requested' },
  });
}

/** Whether a period (in the dataset's cadence) has ended by `at`: its last day is over (UTC). */
export function periodEnded(period: string, compiled: CompiledDataset, at: Date): boolean {
  const p = parsePeriod(period, compiled.dataset.cadence);
  if (!p) return false;
  return new Date(`${p.end}T00:00:00Z`).getTime() + 86_400_000 <= at.getTime();
}

/** The dataset's current accepted deliveries (not superseded) of periods that have ended, oldest first. */
export async function currentPastDeliveries(
  deps: Pick<RevalidationDeps, 'metadata'>,
  compiled: CompiledDataset,
  at: Date,
): Promise<DeliveryRecord[]> {
  const out: DeliveryRecord[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await deps.metadata.listDeliveries(
      { dataset: compiled.dataset.id, status: 'accepted' },
      cursor,
      500,
    );
    for (const d of page.items)
      if (d.supersededBy === null && periodEnded(d.period, compiled, at)) out.push(d);
    if (!page.next) break;
    cursor = page.next;
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Thrown when another node took the run over: this one stops quietly. */
class LostClaim extends Error {}

/**
 * Reads one delivery's stored original through the intake's reader and checks every record
 * against the compiled dataset; counts issues by rule, keeps no value. Memory holds one chunk
 * and one batch.
 */
export async function checkDelivery(
  deps: Pick<RevalidationDeps, 'objects' | 'now'>,
  compiled: CompiledDataset,
  d: DeliveryRecord,
  heartbeat: () => Promise<void> = async () => {},
): Promise<Omit<RevalidationResult, 'runId' | 'datasetVersion'>> {
  const base = {
    deliveryId: d.id,
    dataset: d.dataset,
    municipality: d.municipality,
    period: d.period,
    deliveryVersion: d.datasetVersion,
  };
  const ended = (outcome: RevalidationResult['outcome'], problem: string | null) => ({
    ...base,
    outcome,
    records: null,
    errorsByRule: {},
    problem,
    checkedAt: deps.now().toISOString(),
  });
  const body = await deps.objects.read(originalKey(d.id));
  if (!body) return ended('missing', null);
  const errorsByRule: Record<string, number> = {};
  let total = 0;
  let invalid = 0;
  const issues: ValidationIssue[] = [];
  const handle = (batch: readonly RawRecord[]) => {
    for (const raw of batch) {
      total++;
      issues.length = 0;
      if (!compiled.validate(raw, issues)) invalid++;
      for (const issue of issues) errorsByRule[issue.rule] = (errorsByRule[issue.rule] ?? 0) + 1;
    }
  };
  try {
    // The content type as the delivery recorded it (with its charset): read exactly as at intake.
    const format = readerFor(d.contentType);
    if (!format) return ended('unreadable', 'unsupported_media_type');
    const reader = createReader(format, compiled);
    for await (const chunk of body) {
      handle(reader.write(chunk));
      await heartbeat();
    }
    handle(reader.end());
  } catch (e) {
    if (e instanceof GatewayError) return ended('unreadable', e.code);
    throw e;
  }
  return {
    ...base,
    outcome: 'checked',
    records: { total, valid: total - invalid, invalid },
    errorsByRule,
    problem: null,
    checkedAt: deps.now().toISOString(),
  };
}

/** Works one claimed run to its end, or until the budget is spent or the claim is lost. */
async function workRun(
  deps: RevalidationDeps,
  run: RevalidationRun,
  claim: string,
  leaseMs: number,
  stopAt: number,
): Promise<'finished' | 'paused' | 'lost'> {
  const leaseUntil = () => new Date(deps.now().getTime() + leaseMs).toISOString();
  const compiled = deps.catalogue.datasets.get(run.dataset);
  if (!compiled || compiled.dataset.version !== run.datasetVersion) return 'paused';
  let renewedAt = deps.now().getTime();
  const heartbeat = async () => {
    const at = deps.now().getTime();
    if (at - renewedAt < leaseMs / 3) return;
    renewedAt = at;
    if (!(await deps.metadata.renewRevalidation(run.id, claim, leaseUntil()))) throw new LostClaim();
  };
  try {
    const done = new Set<string>();
    for (let cursor: string | null = null; ; ) {
      const page = await deps.metadata.listRevalidationResults(run.id, cursor, 1000);
      for (const r of page.items) done.add(r.deliveryId);
      if (!page.next) break;
      cursor = page.next;
    }
    const deliveries = await currentPastDeliveries(deps, compiled, deps.now());
    const total = new Set([...deliveries.map((d) => d.id), ...done]).size;
    for (const d of deliveries) {
      if (done.has(d.id)) continue;
      if (deps.now().getTime() >= stopAt) return 'paused';
      const result = await checkDelivery(deps, compiled, d, heartbeat);
      const held = await deps.metadata.recordRevalidationResult(run.id, {
        claim,
        leaseUntil: leaseUntil(),
        total,
        result,
      });
      if (!held) return 'lost';
      renewedAt = deps.now().getTime();
    }
    const finished = await deps.metadata.finishRevalidation({
      id: run.id,
      claim,
      status: 'done',
      at: deps.now().toISOString(),
      error: null,
      actor: 'gateway',
    });
    if (finished)
      deps.log?.info(
        { run: run.id, dataset: run.dataset, checked: finished.checked, nowFailing: finished.nowFailing },
        're-validation finished',
      );
    return finished ? 'finished' : 'lost';
  } catch (err) {
    if (err instanceof LostClaim) return 'lost';
    deps.log?.error({ err, run: run.id }, 're-validation failed');
    await deps.metadata.finishRevalidation({
      id: run.id,
      claim,
      status: 'failed',
      at: deps.now().toISOString(),
      error: 'the run stopped on an unexpected error; ask for a new run',
      actor: 'gateway',
    });
    return 'finished';
  }
}

/**
 * Claims and works the runs waiting (queued, or left by a node whose lease expired), one at a
 * time, until none is left or the budget is spent. Returns how many runs it finished.
 */
export async function runPendingRevalidations(
  deps: RevalidationDeps,
  options: RevalidationOptions = {},
): Promise<{ finished: number; paused: number }> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const stopAt =
    options.budgetMs === undefined ? Number.POSITIVE_INFINITY : deps.now().getTime() + options.budgetMs;
  const versions = [...deps.catalogue.datasets.values()].map((c) => ({
    dataset: c.dataset.id,
    version: c.dataset.version,
  }));
  const tally = { finished: 0, paused: 0 };
  // A trigger claims at least one run, so a spent budget still pauses (and keeps) the run it found.
  do {
    const at = deps.now();
    const claim = randomUUID();
    const run = await deps.metadata.claimRevalidation(
      at.toISOString(),
      new Date(at.getTime() + leaseMs).toISOString(),
      claim,
      versions,
    );
    if (!run) break;
    const outcome = await workRun(deps, run, claim, leaseMs, stopAt);
    if (outcome === 'finished') tally.finished++;
    else if (outcome === 'paused') {
      // Let the lease go now: the next trigger, on any node, takes the run up at once.
      await deps.metadata.renewRevalidation(run.id, claim, deps.now().toISOString());
      tally.paused++;
      break;
    }
  } while (deps.now().getTime() < stopAt);
  return tally;
}
