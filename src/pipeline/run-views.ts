import type { StatusScope } from '../auth/visibility';
import { type MunicipalityRunReport, type RunSummary, reportWithin } from '../core/run-report';
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
 * The national summary within the scope: the dataset rows it covers and the municipality rows
 * it may read, each counted over the scope's datasets only (from the municipality's report
 * when the scope leaves datasets out); null when there is no such run.
 */
export async function runSummaryFor(
  metadata: Pick<MetadataStore, 'getRunSummary' | 'getRunReport'>,
  id: string,
  scope: StatusScope | null,
): Promise<RunSummary | null> {
  const s = await metadata.getRunSummary(id);
  if (!s) return null;
  if (!scope) return { ...s, datasets: [], municipalities: [] };
  const rows = s.municipalities.filter(
    (m) => !scope.municipalities || scope.municipalities.includes(m.municipality),
  );
  const seen = scope.datasets;
  if (!seen) return { ...s, municipalities: rows };
  const municipalities: RunSummary['municipalities'] = [];
  for (const m of rows) {
    const r = await runReportFor(metadata, id, m.municipality, scope);
    if (r)
      municipalities.push({
        municipality: r.municipality,
        municipalityName: r.municipalityName,
        ...r.counts,
      });
  }
  return { ...s, datasets: s.datasets.filter((d) => seen.includes(d.dataset)), municipalities };
}
