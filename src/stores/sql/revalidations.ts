import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import { REVALIDATION_OUTCOMES, REVALIDATION_STATUSES } from '../../core/vocabulary';
import type {
  FinishRevalidation,
  NewRevalidation,
  Page,
  RecordRevalidationResult,
  RevalidationQuery,
  RevalidationResult,
  RevalidationRun,
} from '../metadata-store';
import { failsNow, finishedAudit, requestedAudit } from '../revalidation-events';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { columns, type SqlRow } from './columns';
import { page, Select } from './query';

/** Re-validation runs and their results (migration 0009). */

export function readRevalidationRun(row: SqlRow): RevalidationRun {
  const c = columns('revalidation_runs', row);
  return {
    id: c.text('id'),
    dataset: c.text('dataset'),
    datasetVersion: c.integer('dataset_version'),
    requestedBy: c.text('requested_by'),
    requestedAt: c.timestamp('requested_at'),
    startedAt: c.optTimestamp('started_at'),
    finishedAt: c.optTimestamp('finished_at'),
    status: c.oneOf('status', REVALIDATION_STATUSES),
    total: c.optInteger('total'),
    checked: c.integer('checked'),
    nowFailing: c.integer('now_failing'),
    missing: c.integer('missing'),
    error: c.optText('error'),
  };
}

export function readRevalidationResult(row: SqlRow): RevalidationResult {
  const c = columns('revalidation_results', row);
  const total = c.optInteger('records_total');
  const errors = c.object('errors_by_rule');
  const errorsByRule: Record<string, number> = {};
  for (const [rule, n] of Object.entries(errors)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n))
      throw new Error(`revalidation_results.errors_by_rule: ${JSON.stringify(rule)} is not a count`);
    errorsByRule[rule] = n;
  }
  return {
    runId: c.text('run_id'),
    deliveryId: c.text('delivery_id'),
    dataset: c.text('dataset'),
    municipality: c.text('municipality'),
    period: c.text('period'),
    deliveryVersion: c.integer('delivery_version'),
    datasetVersion: c.integer('dataset_version'),
    outcome: c.oneOf('outcome', REVALIDATION_OUTCOMES),
    records:
      total === null
        ? null
        : { total, valid: c.integer('records_valid'), invalid: c.integer('records_invalid') },
    errorsByRule,
    problem: c.optText('problem'),
    checkedAt: c.timestamp('checked_at'),
  };
}

async function insertRun(tx: SqlExecutor, r: NewRevalidation): Promise<RevalidationRun> {
  const [row] = await tx.query(
    `INSERT INTO revalidation_runs (id, dataset, dataset_version, requested_by, requested_at, status)
     VALUES ($1, $2, $3, $4, $5, 'queued') RETURNING *`,
    [r.id, r.dataset, r.datasetVersion, r.requestedBy, r.requestedAt],
  );
  if (!row) throw new Error('revalidation_runs: the insert returned no row');
  return readRevalidationRun(row);
}

export function createRevalidation(
  db: SqlClient,
  now: Clock,
  r: NewRevalidation,
  audit: AuditDraft,
): Promise<RevalidationRun> {
  return db.transaction(async (tx) => {
    const run = await insertRun(tx, r);
    await appendAuditIn(tx, now, [{ ...audit, details: { ...audit.details, run: run.id } }]);
    return run;
  });
}

export function recordDatasetVersion(
  db: SqlClient,
  now: Clock,
  d: { id: string; version: number; sha256: string },
  at: string,
  next: { id: string; requestedBy: string },
): Promise<{ previousVersion: number | null; run: RevalidationRun | null }> {
  return db.transaction(async (tx) => {
    // One node at a time per dataset, so two nodes starting together queue one run.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dataset:${d.id}`]);
    const [last] = await tx.query(
      'SELECT version, sha256 FROM dataset_versions WHERE dataset = $1 ORDER BY seq DESC LIMIT 1',
      [d.id],
    );
    const previous = last ? columns('dataset_versions', last) : null;
    const previousVersion = previous ? previous.integer('version') : null;
    if (previous && previousVersion === d.version && previous.text('sha256') === d.sha256)
      return { previousVersion, run: null };
    await tx.query(
      'INSERT INTO dataset_versions (dataset, version, sha256, recorded_at) VALUES ($1, $2, $3, $4)',
      [d.id, d.version, d.sha256, at],
    );
    if (previousVersion === null || previousVersion === d.version) return { previousVersion, run: null };
    const run = await insertRun(tx, {
      id: next.id,
      dataset: d.id,
      datasetVersion: d.version,
      requestedBy: next.requestedBy,
      requestedAt: at,
    });
    await appendAuditIn(tx, now, [
      requestedAudit(run, next.requestedBy, { previousVersion, reason: 'version-changed' }),
    ]);
    return { previousVersion, run };
  });
}

export async function getRevalidation(db: SqlExecutor, id: string): Promise<RevalidationRun | null> {
  const [row] = await db.query('SELECT * FROM revalidation_runs WHERE id = $1', [id]);
  return row ? readRevalidationRun(row) : null;
}

export async function listRevalidations(
  db: SqlExecutor,
  dataset: string,
  cursor: string | null,
  limit: number,
): Promise<Page<RevalidationRun>> {
  const q = new Select('revalidation_runs').where('dataset = ?', dataset);
  const rows = await db.query(q.page('id', 'desc', cursor, limit), q.params);
  return page(rows.map(readRevalidationRun), limit, (r) => r.id);
}

export async function claimRevalidation(
  db: SqlExecutor,
  now: string,
  leaseUntil: string,
  claim: string,
  versions: ReadonlyArray<{ dataset: string; version: number }>,
): Promise<RevalidationRun | null> {
  if (versions.length === 0) return null;
  const [row] = await db.query(
    `UPDATE revalidation_runs r
        SET status = 'running', started_at = COALESCE(r.started_at, $1::timestamptz),
            claimed_by = $3, lease_until = $2
       FROM (SELECT id FROM revalidation_runs
              WHERE status IN ('queued', 'running')
                AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
                AND (dataset, dataset_version) IN (SELECT * FROM unnest($4::text[], $5::int[]))
              ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) due
      WHERE r.id = due.id
      RETURNING r.*`,
    [now, leaseUntil, claim, versions.map((v) => v.dataset), versions.map((v) => v.version)],
  );
  return row ? readRevalidationRun(row) : null;
}

export async function renewRevalidation(
  db: SqlExecutor,
  id: string,
  claim: string,
  leaseUntil: string,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE revalidation_runs SET lease_until = $3 WHERE id = $1 AND claimed_by = $2 AND status = 'running' RETURNING id`,
    [id, claim, leaseUntil],
  );
  return rows.length > 0;
}

export function recordRevalidationResult(
  db: SqlClient,
  id: string,
  r: RecordRevalidationResult,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const held = await tx.query(
      `UPDATE revalidation_runs SET lease_until = $3, total = $4
        WHERE id = $1 AND claimed_by = $2 AND status = 'running' RETURNING id`,
      [id, r.claim, r.leaseUntil, r.total],
    );
    if (!held.length) return false;
    const x = r.result;
    const inserted = await tx.query(
      `INSERT INTO revalidation_results (run_id, delivery_id, dataset, municipality, period, delivery_version, outcome,
         records_total, records_valid, records_invalid, errors_by_rule, problem, checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)
       ON CONFLICT (run_id, delivery_id) DO NOTHING RETURNING delivery_id`,
      [
        id,
        x.deliveryId,
        x.dataset,
        x.municipality,
        x.period,
        x.deliveryVersion,
        x.outcome,
        x.records?.total ?? null,
        x.records?.valid ?? null,
        x.records?.invalid ?? null,
        JSON.stringify(x.errorsByRule),
        x.problem,
        x.checkedAt,
      ],
    );
    if (inserted.length)
      await tx.query(
        `UPDATE revalidation_runs SET checked = checked + 1, now_failing = now_failing + $2, missing = missing + $3 WHERE id = $1`,
        [id, failsNow(x) ? 1 : 0, x.outcome === 'missing' ? 1 : 0],
      );
    return true;
  });
}

export function finishRevalidation(
  db: SqlClient,
  now: Clock,
  f: FinishRevalidation,
): Promise<RevalidationRun | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `UPDATE revalidation_runs SET status = $3, finished_at = $4, error = $5, claimed_by = NULL, lease_until = NULL
        WHERE id = $1 AND claimed_by = $2 AND status = 'running' RETURNING *`,
      [f.id, f.claim, f.status, f.at, f.error],
    );
    if (!row) return null;
    const run = readRevalidationRun(row);
    await appendAuditIn(tx, now, [finishedAudit(run, f.actor)]);
    return run;
  });
}

const RESULT_COLUMNS = 'x.*, r.dataset_version';

export async function listRevalidationResults(
  db: SqlExecutor,
  runId: string,
  cursor: string | null,
  limit: number,
): Promise<Page<RevalidationResult>> {
  const q = new Select('revalidation_results x JOIN revalidation_runs r ON r.id = x.run_id').where(
    'x.run_id = ?',
    runId,
  );
  const sql = q.page('x.delivery_id', 'asc', cursor, limit).replace('SELECT *', `SELECT ${RESULT_COLUMNS}`);
  const rows = await db.query(sql, q.params);
  return page(rows.map(readRevalidationResult), limit, (r) => r.deliveryId);
}

export async function revalidationFor(db: SqlExecutor, f: RevalidationQuery): Promise<RevalidationResult[]> {
  // Only a result for the slot's current delivery counts: a newer delivery was checked at intake.
  const q = new Select(
    `revalidation_results x JOIN revalidation_runs r ON r.id = x.run_id
       JOIN deliveries d ON d.id = x.delivery_id AND d.superseded_by IS NULL AND d.status = 'accepted'`,
  )
    .where('x.dataset = ?', f.dataset)
    .where('x.municipality = ?', f.municipality);
  if (f.periods) q.where('x.period = ANY(?::text[])', [...f.periods]);
  const rows = await db.query(
    `${q.sql().replace('SELECT *', `SELECT DISTINCT ON (x.municipality, x.period) ${RESULT_COLUMNS}`)}
      ORDER BY x.municipality, x.period, x.checked_at DESC, x.run_id DESC`,
    q.params,
  );
  return rows.map(readRevalidationResult);
}
