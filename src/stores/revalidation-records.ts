/** The records of re-validation: runs that re-check current deliveries against a dataset's rules now in force. */
import type { RevalidationOutcome, RevalidationStatus } from '../core/vocabulary';

/** Records: how many a delivery held, and how many of them pass (or fail) the rules checked against. */
export interface RecordCounts {
  total: number;
  valid: number;
  invalid: number;
}

export interface RevalidationRun {
  id: string;
  dataset: string;
  /** The dataset version the deliveries are checked against (the one in force when the run was asked for). */
  datasetVersion: number;
  /** The token that asked, or `gateway` for a run queued at start because the dataset's version changed. */
  requestedBy: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  status: RevalidationStatus;
  /** Deliveries to check, as the node working the run last counted them; null before a node began. */
  total: number | null;
  /** Deliveries checked so far (each once, whichever node did it). */
  checked: number;
  /** Of those, the ones with a record that fails now, or that can no longer be read. */
  nowFailing: number;
  /** Of those, the ones whose stored original is gone. */
  missing: number;
  /** Why the run failed (the gateway's words, never a value from a delivery). */
  error: string | null;
}

export interface NewRevalidation {
  id: string;
  dataset: string;
  datasetVersion: number;
  requestedBy: string;
  requestedAt: string;
}

/** One delivery as a run re-checked it. */
export interface RevalidationResult {
  runId: string;
  deliveryId: string;
  dataset: string;
  municipality: string;
  period: string;
  /** The version the delivery was accepted under. */
  deliveryVersion: number;
  /** The version it was checked against (the run's). */
  datasetVersion: number;
  outcome: RevalidationOutcome;
  /** Null when the original could not be read (missing, unreadable). */
  records: RecordCounts | null;
  /** Issues found now, by rule id: counts only, never values. */
  errorsByRule: Record<string, number>;
  /** The problem code when the original can no longer be read. */
  problem: string | null;
  checkedAt: string;
}

/** A result as the worker hands it to the store, while it holds the run. */
export interface RecordRevalidationResult {
  claim: string;
  /** The lease, renewed with each result. */
  leaseUntil: string;
  /** The deliveries to check, as counted when the worker began. */
  total: number;
  result: Omit<RevalidationResult, 'datasetVersion' | 'runId'>;
}

export interface FinishRevalidation {
  id: string;
  claim: string;
  status: 'done' | 'failed';
  at: string;
  error: string | null;
  actor: string;
}

/** Which current results to read: per slot, the latest any run recorded. */
export interface RevalidationQuery {
  dataset: string;
  municipality?: string;
  /** Only these periods; every period when absent. */
  periods?: readonly string[];
}
