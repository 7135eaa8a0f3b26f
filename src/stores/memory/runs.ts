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
import { decodeCursor, page } from '../paging';
import { appendAudit, copy, iso, type Tables } from './tables';

/** The monthly runs in memory: the same rules as the SQL store (one scheduled run per period). */
export function createRun(t: Tables, now: Clock, r: NewRun, audit: AuditDraft[]): RunRecord | null {
  const { run } = r;
  if (t.runs.has(run.id)) return null;
  if (run.trigger === 'scheduled')
    for (const other of t.runs.values())
      if (other.run.trigger === 'scheduled' && other.run.period === run.period) return null;
  const stored: RunRecord = { ...copy(run), ranAt: iso(run.ranAt) };
  t.runs.set(run.id, {
    run: stored,
    summary: JSON.stringify(r.summary),
    reports: new Map(r.reports.map((report) => [report.municipality, JSON.stringify(report)])),
  });
  appendAudit(t, now, audit);
  return copy(stored);
}

export function getRun(t: Tables, id: string): RunRecord | null {
  return copy(t.runs.get(id)?.run ?? null);
}

export function listRuns(t: Tables, f: RunFilter, cursor: string | null, limit: number): Page<RunRecord> {
  const after = decodeCursor(cursor);
  const rows = [...t.runs.values()]
    .map((r) => r.run)
    .filter(
      (r) =>
        (!f.period || r.period === f.period) &&
        (!f.trigger || r.trigger === f.trigger) &&
        (after === null || r.id < String(after)),
    )
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit + 1);
  return page(rows.map(copy), limit, (r) => r.id);
}

export function getRunSummary(t: Tables, id: string): RunSummary | null {
  const text = t.runs.get(id)?.summary;
  return text === undefined ? null : JSON.parse(text);
}

export function getRunReport(t: Tables, id: string, municipality: string): MunicipalityRunReport | null {
  const text = t.runs.get(id)?.reports.get(municipality);
  return text === undefined ? null : JSON.parse(text);
}
