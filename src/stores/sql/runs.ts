import type { AuditDraft } from '../../audit/chain';
import type { Clock } from '../../core/clock';
import type {
  MunicipalityRunReport,
  NewRun,
  Page,
  RunFilter,
  RunRecord,
  RunSummary,
} from '../metadata-store';
import { appendAuditIn } from './audit';
import type { SqlClient, SqlExecutor } from './client';
import { page, Select } from './query';
import { readRun, readRunReport, readRunSummary } from './rows';

/**
 * Stores a run, its summary, its reports and its audit event in one transaction. A second
 * scheduled run of a period meets the unique index (on another node, after the first commits)
 * and stores nothing.
 */
export function createRun(
  db: SqlClient,
  now: Clock,
  r: NewRun,
  audit: AuditDraft[],
): Promise<RunRecord | null> {
  const { run, summary, reports } = r;
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO runs (id, period, trigger, ran_at, actor, municipalities, slots, received, late, missing, pending, rejected, anomalies, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        run.id,
        run.period,
        run.trigger,
        run.ranAt,
        run.actor,
        run.municipalities,
        run.counts.slots,
        run.counts.received,
        run.counts.late,
        run.counts.missing,
        run.counts.pending,
        run.counts.rejected,
        run.counts.anomalies,
        JSON.stringify(summary),
      ],
    );
    if (inserted.length === 0) return null;
    for (const report of reports)
      await tx.query('INSERT INTO run_reports (run_id, municipality, report) VALUES ($1, $2, $3)', [
        run.id,
        report.municipality,
        JSON.stringify(report),
      ]);
    await appendAuditIn(tx, now, audit);
    const [row] = await tx.query('SELECT * FROM runs WHERE id = $1', [run.id]);
    if (!row) throw new Error(`${db.name}: run ${run.id} missing after insert`);
    return readRun(row);
  });
}

export async function getRun(db: SqlExecutor, id: string): Promise<RunRecord | null> {
  const [row] = await db.query('SELECT * FROM runs WHERE id = $1', [id]);
  return row ? readRun(row) : null;
}

export async function listRuns(
  db: SqlExecutor,
  filter: RunFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<RunRecord>> {
  const q = new Select('runs').where('period = ?', filter.period).where('trigger = ?', filter.trigger);
  const rows = await db.query(q.page('id', 'desc', cursor, limit), q.params);
  return page(rows.map(readRun), limit, (r) => r.id);
}

export async function getRunSummary(db: SqlExecutor, id: string): Promise<RunSummary | null> {
  const [row] = await db.query('SELECT summary FROM runs WHERE id = $1', [id]);
  return row ? readRunSummary(row) : null;
}

export async function getRunReport(
  db: SqlExecutor,
  id: string,
  municipality: string,
): Promise<MunicipalityRunReport | null> {
  const [row] = await db.query('SELECT report FROM run_reports WHERE run_id = $1 AND municipality = $2', [
    id,
    municipality,
  ]);
  return row ? readRunReport(row) : null;
}
