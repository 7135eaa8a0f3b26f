import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import { decodeCursor, page } from '../paging';
import type { Page } from '../records';
import { failsNow, finishedAudit, requestedAudit } from '../revalidation-events';
import type {
  FinishRevalidation,
  NewRevalidation,
  RecordRevalidationResult,
  RevalidationQuery,
  RevalidationResult,
  RevalidationRun,
} from '../revalidation-records';
import { appendAudit, copy, instant, iso, json, type Tables } from './tables';

/** Re-validation runs and results in memory, held to the same contract as the SQL store. */

type StoredRun = Tables['revalidationRuns'] extends Map<string, infer R> ? R : never;

const publicRun = ({ claimedBy: _c, leaseUntil: _l, ...run }: StoredRun): RevalidationRun => copy(run);
const resultKey = (runId: string, deliveryId: string) => JSON.stringify([runId, deliveryId]);

function insertRun(t: Tables, r: NewRevalidation): StoredRun {
  if (t.revalidationRuns.has(r.id)) throw new Error(`revalidation_runs: duplicate id ${r.id}`);
  const run: StoredRun = {
    id: r.id,
    dataset: r.dataset,
    datasetVersion: r.datasetVersion,
    requestedBy: r.requestedBy,
    requestedAt: iso(r.requestedAt),
    startedAt: null,
    finishedAt: null,
    status: 'queued',
    total: null,
    checked: 0,
    nowFailing: 0,
    missing: 0,
    error: null,
    claimedBy: null,
    leaseUntil: null,
  };
  t.revalidationRuns.set(run.id, run);
  return run;
}

export function createRevalidation(t: Tables, now: Clock, r: NewRevalidation, audit: AuditDraft) {
  const run = insertRun(t, r);
  appendAudit(t, now, [{ ...audit, details: { ...audit.details, run: run.id } }]);
  return publicRun(run);
}

export function recordDatasetVersion(
  t: Tables,
  now: Clock,
  d: { id: string; version: number; sha256: string },
  at: string,
  next: { id: string; requestedBy: string },
): { previousVersion: number | null; run: RevalidationRun | null } {
  const last = t.datasetVersions.filter((v) => v.dataset === d.id).pop();
  const previousVersion = last ? last.version : null;
  if (last && last.version === d.version && last.sha256 === d.sha256) return { previousVersion, run: null };
  t.datasetVersions.push({ dataset: d.id, version: d.version, sha256: d.sha256, recordedAt: iso(at) });
  if (previousVersion === null || previousVersion === d.version) return { previousVersion, run: null };
  const run = insertRun(t, {
    id: next.id,
    dataset: d.id,
    datasetVersion: d.version,
    requestedBy: next.requestedBy,
    requestedAt: at,
  });
  const out = publicRun(run);
  appendAudit(t, now, [
    requestedAudit(out, next.requestedBy, { previousVersion, reason: 'version-changed' }),
  ]);
  return { previousVersion, run: out };
}

export function getRevalidation(t: Tables, id: string): RevalidationRun | null {
  const run = t.revalidationRuns.get(id);
  return run ? publicRun(run) : null;
}

export function listRevalidations(
  t: Tables,
  dataset: string,
  cursor: string | null,
  limit: number,
): Page<RevalidationRun> {
  const after = decodeCursor(cursor);
  const rows = [...t.revalidationRuns.values()]
    .filter((r) => r.dataset === dataset && (after === null || r.id < String(after)))
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit + 1);
  return page(rows.map(publicRun), limit, (r) => r.id);
}

export function claimRevalidation(
  t: Tables,
  now: string,
  leaseUntil: string,
  claim: string,
  versions: ReadonlyArray<{ dataset: string; version: number }>,
): RevalidationRun | null {
  const due = [...t.revalidationRuns.values()]
    .filter(
      (r) =>
        (r.status === 'queued' || r.status === 'running') &&
        (r.leaseUntil === null || instant(r.leaseUntil) <= instant(now)) &&
        versions.some((v) => v.dataset === r.dataset && v.version === r.datasetVersion),
    )
    .sort((a, b) => instant(a.requestedAt) - instant(b.requestedAt) || (a.id < b.id ? -1 : 1))[0];
  if (!due) return null;
  const run: StoredRun = {
    ...due,
    status: 'running',
    startedAt: due.startedAt ?? iso(now),
    claimedBy: claim,
    leaseUntil: iso(leaseUntil),
  };
  t.revalidationRuns.set(run.id, run);
  return publicRun(run);
}

function held(t: Tables, id: string, claim: string): StoredRun | null {
  const run = t.revalidationRuns.get(id);
  return run && run.claimedBy === claim && run.status === 'running' ? run : null;
}

export function renewRevalidation(t: Tables, id: string, claim: string, leaseUntil: string): boolean {
  const run = held(t, id, claim);
  if (!run) return false;
  t.revalidationRuns.set(id, { ...run, leaseUntil: iso(leaseUntil) });
  return true;
}

export function recordRevalidationResult(t: Tables, id: string, r: RecordRevalidationResult): boolean {
  const run = held(t, id, r.claim);
  if (!run) return false;
  const key = resultKey(id, r.result.deliveryId);
  const fresh = !t.revalidationResults.has(key);
  if (fresh)
    t.revalidationResults.set(key, {
      ...json(r.result),
      checkedAt: iso(r.result.checkedAt),
      runId: id,
      datasetVersion: run.datasetVersion,
    });
  t.revalidationRuns.set(id, {
    ...run,
    leaseUntil: iso(r.leaseUntil),
    total: r.total,
    checked: run.checked + (fresh ? 1 : 0),
    nowFailing: run.nowFailing + (fresh && failsNow(r.result) ? 1 : 0),
    missing: run.missing + (fresh && r.result.outcome === 'missing' ? 1 : 0),
  });
  return true;
}

export function finishRevalidation(t: Tables, now: Clock, f: FinishRevalidation): RevalidationRun | null {
  const run = held(t, f.id, f.claim);
  if (!run) return null;
  const ended: StoredRun = {
    ...run,
    status: f.status,
    finishedAt: iso(f.at),
    error: f.error,
    claimedBy: null,
    leaseUntil: null,
  };
  t.revalidationRuns.set(f.id, ended);
  const out = publicRun(ended);
  appendAudit(t, now, [finishedAudit(out, f.actor)]);
  return out;
}

export function listRevalidationResults(
  t: Tables,
  runId: string,
  cursor: string | null,
  limit: number,
): Page<RevalidationResult> {
  const after = decodeCursor(cursor);
  const rows = [...t.revalidationResults.values()]
    .filter((r) => r.runId === runId && (after === null || r.deliveryId > String(after)))
    .sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1))
    .slice(0, limit + 1);
  return page(rows.map(copy), limit, (r) => r.deliveryId);
}

export function revalidationFor(t: Tables, q: RevalidationQuery): RevalidationResult[] {
  const latest = new Map<string, RevalidationResult>();
  for (const r of t.revalidationResults.values()) {
    if (r.dataset !== q.dataset) continue;
    if (q.municipality !== undefined && r.municipality !== q.municipality) continue;
    if (q.periods && !q.periods.includes(r.period)) continue;
    // Only a result for the slot's current delivery counts: a newer delivery was checked at intake.
    const d = t.deliveries.get(r.deliveryId);
    if (d?.status !== 'accepted' || d.supersededBy !== null) continue;
    const key = JSON.stringify([r.municipality, r.period]);
    const seen = latest.get(key);
    const newer =
      !seen ||
      instant(r.checkedAt) > instant(seen.checkedAt) ||
      (instant(r.checkedAt) === instant(seen.checkedAt) && r.runId > seen.runId);
    if (newer) latest.set(key, r);
  }
  return [...latest.values()]
    .sort((a, b) =>
      a.municipality < b.municipality
        ? -1
        : a.municipality > b.municipality
          ? 1
          : a.period < b.period
            ? -1
            : 1,
    )
    .map(copy);
}
