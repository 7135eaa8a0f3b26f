import type { MunicipalityRunReport, RunReportDataset } from '../core/run-report';
import type { SlotStatus } from '../core/vocabulary';

/**
 * A municipality's run report as CSV (one row per obligated dataset) and as a printable,
 * self-contained HTML page (A4, no scripts, no external resources, Danish by default). Both are
 * made from the stored snapshot alone, so the same report always renders to the same bytes.
 */

/** The CSV's columns, in order; a value's member in the JSON report has the same name. */
export const REPORT_CSV_COLUMNS = [
  'run',
  'period',
  'ranAt',
  'municipality',
  'municipalityName',
  'dataset',
  'deadline',
  'status',
  'delivery',
  'receivedAt',
  'attempts',
  'rejectedAttempts',
  'records',
  'previousRecords',
  'change',
  'yearBeforeRecords',
  'yearBeforeChange',
  'anomaly',
  'droppedShare',
  'errorsByRule',
  'revalidationErrorsByRule',
] as const;

/** Rule counts in one cell: `rule=3;other=1`. */
const ruleCell = (r: Record<string, number> | null) =>
  r === null
    ? ''
    : Object.entries(r)
        .map(([k, n]) => `${k}=${n}`)
        .join(';');

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  // A text cell a spreadsheet would read as a formula is kept as text.
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n;]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as CSV (RFC 4180, CRLF, a header row): one row per obligated dataset. */
export function renderReportCsv(r: MunicipalityRunReport): string {
  const rows = r.datasets.map((d) => [
    r.run,
    r.period,
    r.ranAt,
    r.municipality,
    r.municipalityName,
    d.dataset,
    d.deadline,
    d.status,
    d.delivery,
    d.receivedAt,
    d.attempts,
    d.rejectedAttempts,
    d.records,
    d.previousRecords,
    d.change,
    d.yearBeforeRecords,
    d.yearBeforeChange,
    d.anomaly,
    d.droppedShare,
    ruleCell(d.errorsByRule),
    ruleCell(d.revalidationErrorsByRule),
  ]);
  return [[...REPORT_CSV_COLUMNS], ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

export type ReportLanguage = 'da' | 'en';

const WORDS = {
  da: {
    title: 'Månedskørsel',
    municipality: 'Kommune',
    period: 'Periode',
    ranAt: 'Kørt',
    run: 'Kørsel',
    overview: 'Overblik',
    datasets: 'Datasæt',
    dataset: 'Datasæt',
    deadline: 'Frist',
    status: 'Status',
    receivedAt: 'Modtaget',
    attempts: 'Forsøg',
    rejectedAttempts: 'Afviste forsøg',
    records: 'Poster',
    previousRecords: 'Forrige periode',
    change: 'Ændring',
    yearBefore: 'Samme periode sidste år',
    anomaly: 'Afvigelse',
    droppedShare: 'Frasorteret andel',
    errors: 'Fejl pr. regel',
    revalidation: 'Genvalidering efter gældende regler',
    none: 'Ingen',
    yes: 'Ja',
    no: 'Nej',
    slots: 'Forpligtelser',
    anomalies: 'Afvigelser',
    note: 'Rapporten viser antal og regelnavne, aldrig indholdet af de leverede data. Den er et øjebliksbillede fra kørslen.',
    statuses: {
      received: 'Modtaget',
      late: 'For sent',
      missing: 'Mangler',
      pending: 'Afventer',
      rejected: 'Afvist',
    } satisfies Record<SlotStatus, string>,
  },
  en: {
    title: 'Monthly run',
    municipality: 'Municipality',
    period: 'Period',
    ranAt: 'Ran',
    run: 'Run',
    overview: 'Overview',
    datasets: 'Datasets',
    dataset: 'Dataset',
    deadline: 'Deadline',
    status: 'Status',
    receivedAt: 'Received',
    attempts: 'Attempts',
    rejectedAttempts: 'Rejected attempts',
    records: 'Records',
    previousRecords: 'Previous period',
    change: 'Change',
    yearBefore: 'Same period a year before',
    anomaly: 'Anomaly',
    droppedShare: 'Share dropped',
    errors: 'Errors by rule',
    revalidation: 'Re-validation under the rules in force',
    none: 'None',
    yes: 'Yes',
    no: 'No',
    slots: 'Obligations',
    anomalies: 'Anomalies',
    note: 'The report holds counts and rule names, never the content of the delivered data. It is a snapshot taken when the run ran.',
    statuses: {
      received: 'Received',
      late: 'Late',
      missing: 'Missing',
      pending: 'Pending',
      rejected: 'Rejected',
    } satisfies Record<SlotStatus, string>,
  },
} as const;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 12345 → `12.345` (da) or `12,345` (en). */
function integer(n: number, lang: ReportLanguage): string {
  const sep = lang === 'da' ? '.' : ',';
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** 0.253 → `25,3 %` (da) or `25.3%` (en); a change carries its sign. */
function percent(share: number, lang: ReportLanguage, signed = false): string {
  const tenths = Math.round(share * 1000);
  const sign = tenths < 0 ? '−' : signed && tenths > 0 ? '+' : '';
  const abs = Math.abs(tenths);
  const text = `${Math.trunc(abs / 10)}${lang === 'da' ? ',' : '.'}${abs % 10}`;
  return lang === 'da' ? `${sign}${text} %` : `${sign}${text}%`;
}

/** `2026-10-14` → `14.10.2026` (da); an instant also gets its time in UTC. */
function date(iso: string, lang: ReportLanguage): string {
  const [y, m, d] = iso.slice(0, 10).split('-');
  const day = lang === 'da' ? `${d}.${m}.${y}` : `${y}-${m}-${d}`;
  return iso.length > 10 ? `${day} ${iso.slice(11, 16)} UTC` : day;
}

const orDash = <T>(v: T | null, f: (v: T) => string) => (v === null ? '–' : f(v));

function rulesList(r: Record<string, number> | null, lang: ReportLanguage, none: string): string {
  const entries = Object.entries(r ?? {});
  if (entries.length === 0) return esc(none);
  return `<ul>${entries.map(([k, n]) => `<li><code>${esc(k)}</code>: ${integer(n, lang)}</li>`).join('')}</ul>`;
}

function datasetRow(d: RunReportDataset, lang: ReportLanguage): string {
  const w = WORDS[lang];
  const cells = [
    `<th scope="row">${esc(d.dataset)}</th>`,
    `<td>${date(d.deadline, lang)}</td>`,
    `<td class="s-${d.status}">${esc(w.statuses[d.status])}</td>`,
    `<td>${orDash(d.receivedAt, (v) => date(v, lang))}</td>`,
    `<td class="n">${integer(d.attempts, lang)} / ${integer(d.rejectedAttempts, lang)}</td>`,
    `<td class="n">${orDash(d.records, (v) => integer(v, lang))}</td>`,
    `<td class="n">${orDash(d.previousRecords, (v) => integer(v, lang))}</td>`,
    `<td class="n">${orDash(d.change, (v) => percent(v, lang, true))}</td>`,
    `<td class="n">${orDash(d.yearBeforeRecords, (v) => integer(v, lang))}${d.yearBeforeChange === null ? '' : ` (${percent(d.yearBeforeChange, lang, true)})`}</td>`,
    `<td>${d.anomaly ? `<strong class="anomaly">${w.yes}</strong>` : w.no}</td>`,
    `<td class="n">${orDash(d.droppedShare, (v) => percent(v, lang))}</td>`,
    `<td>${rulesList(d.errorsByRule, lang, w.none)}</td>`,
    `<td>${d.revalidationErrorsByRule === null ? '–' : rulesList(d.revalidationErrorsByRule, lang, w.none)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

const STYLE = `@page{size:A4 landscape;margin:12mm}
body{font:11pt/1.4 system-ui,sans-serif;color:#111;margin:1.5rem auto;max-width:70rem;padding:0 1rem}
h1{font-size:16pt;margin:0 0 .3rem}h2{font-size:12pt;margin:1.2rem 0 .4rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:9.5pt}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{background:#eee}.n{text-align:right;white-space:nowrap}ul{margin:0;padding-left:1rem}
.s-received{color:#075e1e}.s-late{color:#8a5a00}.s-missing,.s-rejected{color:#a0001b;font-weight:600}.s-pending{color:#444}
.anomaly{color:#a0001b}.counts td{text-align:center}.note{font-size:9pt;color:#444;margin-top:1rem}
@media print{body{margin:0;max-width:none;padding:0;font-size:10pt}thead{display:table-header-group}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}`;

/** The report as a printable page: A4, no scripts, everything inline (the CSP allows inline styles only). */
export function renderReportHtml(r: MunicipalityRunReport, lang: ReportLanguage = 'da'): string {
  const w = WORDS[lang];
  const title = `${w.title} ${r.period} — ${r.municipalityName} (${r.municipality})`;
  const c = r.counts;
  const countHeads = [
    w.slots,
    ...(['received', 'late', 'missing', 'pending', 'rejected'] as const).map((s) => w.statuses[s]),
    w.anomalies,
  ];
  const countCells = [c.slots, c.received, c.late, c.missing, c.pending, c.rejected, c.anomalies];
  const heads = [
    w.dataset,
    w.deadline,
    w.status,
    w.receivedAt,
    `${w.attempts} / ${w.rejectedAttempts.toLowerCase()}`,
    w.records,
    w.previousRecords,
    w.change,
    w.yearBefore,
    w.anomaly,
    w.droppedShare,
    w.errors,
    w.revalidation,
  ];
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(title)}</h1><dl>
<dt>${w.municipality}</dt><dd>${esc(r.municipalityName)} (${esc(r.municipality)})</dd>
<dt>${w.period}</dt><dd>${esc(r.period)}</dd>
<dt>${w.ranAt}</dt><dd>${date(r.ranAt, lang)}</dd>
<dt>${w.run}</dt><dd><code>${esc(r.run)}</code></dd></dl></header>
<main><h2>${w.overview}</h2>
<table class="counts"><thead><tr>${countHeads.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
<tbody><tr>${countCells.map((n) => `<td>${integer(n, lang)}</td>`).join('')}</tr></tbody></table>
<h2>${w.datasets}</h2>
<table class="datasets"><thead><tr>${heads.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${r.datasets.map((d) => datasetRow(d, lang)).join('\n')}</tbody></table>
<p class="note">${esc(w.note)}</p></main></body></html>
`;
}
