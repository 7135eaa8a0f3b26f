/** What the audit log and the counts say of a re-validation run, written once for the SQL and memory stores. */
import type { AuditDraft } from '../audit/chain';
import type { RevalidationResult, RevalidationRun } from './revalidation-records';

/** A delivery fails now when a record fails the rules, or when its original can no longer be read. */
export const failsNow = (r: Pick<RevalidationResult, 'outcome' | 'records'>): boolean =>
  r.outcome === 'unreadable' || (r.records?.invalid ?? 0) > 0;

export const requestedAudit = (
  run: RevalidationRun,
  actor: string,
  details: Record<string, unknown>,
): AuditDraft => ({
  actor,
  action: 'dataset.revalidation_requested',
  subject: run.dataset,
  details: { run: run.id, version: run.datasetVersion, ...details },
});

export const finishedAudit = (run: RevalidationRun, actor: string): AuditDraft => ({
  actor,
  action: 'dataset.revalidated',
  subject: run.dataset,
  details: {
    run: run.id,
    version: run.datasetVersion,
    status: run.status,
    checked: run.checked,
    nowFailing: run.nowFailing,
    missing: run.missing,
  },
});
