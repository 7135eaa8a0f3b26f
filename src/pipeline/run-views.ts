import type { StatusScope } from '../auth/visibility';
import { datasetRows, type MunicipalityRunReport, type RunSummary, reportWithin } from '../core/run-report';
import type { MetadataStore } from '../stores/metadata-store';

/**
 * A run as one reader may see it, for the API and the dashboard alike: its status scope
 * (auth/visibility.ts, the rule of GET /v1/status) decides which municipalities' and which
 * datasets' figures it reads. The run's national counts, over every dataset, name no
 * municipality and are everyone's, as in GET /v1/runs.
 */

/** One municipality's report within the scope; null when absent or outside it (the same to the reader). */
export async function runReportFor(
  metadata: Pick<MetadataStore, 'getRunReport'>,
  id: string,
  code: string,
  scope: StatusScope | null,
): Promise<MunicipalityRunReport | null> {
  if (!scope || (scope.municipalities && !scope.municipalities.includes(code))) return null;
  const r = await metadata.getRunReport(id, code);
  return r && reportWithin(r, scope);
}

/**
 * The national summary within the scope. A scope that leaves nothing out sees it as stored;
 * any other sees the rows of the municipalities and datasets within it only, each counted
 * again from the municipalities' reports within the scope (a municipality token's dataset
 * rows count its municipalities' slots, not the nation's). Null when there is no such run.
 */
export async function runSummaryFor(
  metadata: Pick<MetadataStore, 'getRunSummary' | 'getRunReport'>,
  id: string,
  scope: StatusScope | null,
): Promise<RunSummary | null> {
  const s = await metadata.getRunSummary(id);
  if (!s) return null;
  if (scope && !scope.municipalities && !scope.datasets) return s;
  const reports: MunicipalityRunReport[] = [];
  for (const m of s.municipalities) {
    const r = await runReportFor(metadata, id, m.municipality, scope);
    if (r) reports.push(r);
  }
  return { ...s, datasets: datasetRows(reports), municipalities: reports.map(municipalityRow) };
}

const municipalityRow = (r: MunicipalityRunReport): RunSummary['municipalities'][number] => ({
  municipality: r.municipality,
  municipalityName: r.municipalityName,
  ...r.counts,
});
