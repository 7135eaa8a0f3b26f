import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '../../auth/principal';
import { runReportScope, statusScope } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { PERIOD_YEARS, parsePeriod } from '../../core/period';
import type { RunRecord } from '../../core/run-report';
import { RUN_TRIGGERS, SLOT_STATUSES } from '../../core/vocabulary';
import { makeRun } from '../../jobs/monthly-run';
import { renderReportCsv, renderReportHtml } from '../../pipeline/run-documents';
import { runReportFor, runSummaryFor } from '../../pipeline/run-views';
import type { AuthVariables } from '../auth';
import { negotiate } from '../negotiate';
import { HEADERS, ownProblem, problem } from '../openapi';
import type { Services } from '../services';
import { PageQuery } from '../views';

const Counts = {
  slots: z.number().int().openapi({ description: 'Obligated slots (dataset × municipality) of the period' }),
  received: z.number().int(),
  late: z.number().int(),
  missing: z.number().int(),
  pending: z.number().int(),
  rejected: z.number().int(),
  anomalies: z.number().int().openapi({ description: 'Slots whose record count is outside the band' }),
};
const CountsView = z.object(Counts).openapi('RunCounts');

const RunView = z
  .object({
    id: z.string().openapi({ example: 'run_01JBX7Z4Q0M3T6W9C2H5K8N1PR' }),
    period: z.string().openapi({ example: '2026-09' }),
    ranAt: z.string(),
    trigger: z.enum(RUN_TRIGGERS),
    municipalities: z.number().int().openapi({ description: 'Municipalities with a report in the run' }),
    ...Counts,
  })
  .openapi('Run');

const ReportDataset = z.object({
  dataset: z.string(),
  deadline: z.string(),
  status: z.enum(SLOT_STATUSES),
  delivery: z.string().nullable(),
  receivedAt: z.string().nullable(),
  attempts: z.number().int(),
  rejectedAttempts: z.number().int(),
  records: z.number().nullable(),
  previousRecords: z.number().nullable(),
  change: z.number().nullable(),
  yearBeforeRecords: z.number().nullable(),
  yearBeforeChange: z.number().nullable(),
  anomaly: z.boolean(),
  droppedShare: z.number().nullable(),
  errorsByRule: z.record(z.string(), z.number()),
  revalidationErrorsByRule: z.record(z.string(), z.number()).nullable(),
});

const ReportView = z
  .object({
    run: z.string(),
    period: z.string(),
    ranAt: z.string(),
    municipality: z.string(),
    municipalityName: z.string(),
    counts: CountsView,
    datasets: z.array(ReportDataset),
  })
  .openapi('MunicipalityRunReport');

const SummaryView = z
  .object({
    run: z.string(),
    period: z.string(),
    ranAt: z.string(),
    counts: CountsView,
    datasets: z.array(z.object({ dataset: z.string(), records: z.number(), ...Counts })),
    municipalities: z.array(z.object({ municipality: z.string(), municipalityName: z.string(), ...Counts })),
  })
  .openapi('RunSummary');

const runView = (r: RunRecord): z.infer<typeof RunView> => ({
  id: r.id,
  period: r.period,
  ranAt: r.ranAt,
  trigger: r.trigger,
  municipalities: r.municipalities,
  ...r.counts,
});

/** A month, YYYY-MM, in the years every period lies in (core/period.ts, PERIOD_YEARS). */
const MONTH = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .refine((p) => parsePeriod(p, 'monthly') !== null, {
    message: `a month YYYY-MM in the years ${PERIOD_YEARS.first}–${PERIOD_YEARS.last}`,
  })
  .openapi({
    description: `A month, YYYY-MM, in the years ${PERIOD_YEARS.first}–${PERIOD_YEARS.last}`,
    example: '2026-09',
  });
const RunParams = z.object({ id: z.string().min(1).max(64) });

const list = createRoute({
  method: 'get',
  path: '/v1/runs',
  operationId: 'listRuns',
  tags: ['Status'],
  summary: 'The monthly runs, newest first',
  request: {
    query: z.object({
      period: MONTH.optional(),
      trigger: z.enum(RUN_TRIGGERS).optional(),
      ...PageQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of runs',
      content: {
        'application/json': { schema: z.object({ items: z.array(RunView), next: z.string().nullable() }) },
      },
    },
  },
});

const create = createRoute({
  method: 'post',
  path: '/v1/runs',
  operationId: 'createRun',
  tags: ['Status'],
  summary: "Runs a period's monthly run now (also a past period); an earlier run is kept",
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ period: MONTH }).strict(),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'The run, made and stored; its reports are at /v1/runs/{id}/municipalities/{code}',
      headers: { Location: HEADERS.Location },
      content: { 'application/json': { schema: RunView } },
    },
    422: problem(422, 'A period that has not begun (period_not_open)'),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/runs/{id}',
  operationId: 'getRun',
  tags: ['Status'],
  summary: 'One run: its period, when it ran and its national counts',
  request: { params: RunParams },
  responses: {
    200: { description: 'The run', content: { 'application/json': { schema: RunView } } },
    404: problem(404),
  },
});

const summary = createRoute({
  method: 'get',
  path: '/v1/runs/{id}/summary',
  operationId: 'getRunSummary',
  tags: ['Status'],
  summary: "A run's national summary: totals, per dataset and per municipality",
  description:
    "`counts` are the run's national counts, everyone's. The dataset and municipality rows follow the reader's status scope (as GET /v1/status): auditors and admins every row, a recipient its datasets, a source its municipalities and datasets, a municipality token its municipalities; a municipality's row counts only the datasets within the scope.",
  request: { params: RunParams },
  responses: {
    200: { description: 'The summary', content: { 'application/json': { schema: SummaryView } } },
    404: problem(404),
  },
});

/** Keyed by a plain string: the route typing would otherwise insist on JSON for every type. */
const reportContent: Record<string, { schema: z.ZodTypeAny }> = {
  'application/json': { schema: ReportView },
  'text/csv': {
    schema: z.string().openapi({ description: 'One row per obligated dataset, with a header row' }),
  },
  'text/html': {
    schema: z.string().openapi({ description: 'A printable page (A4), Danish unless lang=en' }),
  },
};

const REPORT_TYPES = ['application/json', 'text/csv', 'text/html'] as const;

const report = createRoute({
  method: 'get',
  path: '/v1/runs/{id}/municipalities/{code}',
  operationId: 'getRunReport',
  tags: ['Status'],
  summary:
    "One municipality's report of a run: JSON, CSV (Accept: text/csv) or a printable page (Accept: text/html)",
  description:
    'The snapshot taken when the run ran: for each obligated dataset its status and quality figures. Counts and rule names only, never a delivered value.',
  request: {
    params: z.object({
      id: z.string().min(1).max(64),
      code: z
        .string()
        .regex(/^\d{3}$/)
        .openapi({ description: 'The municipality code', example: '101' }),
    }),
    query: z.object({ lang: z.enum(['da', 'en']).optional().openapi({ description: 'The page language' }) }),
  },
  responses: {
    200: {
      description: 'The report',
      headers: { Vary: HEADERS.VaryAccept },
      content: reportContent,
    },
    404: problem(404, 'No such run, no report for the municipality in it, or not one this token may see'),
    406: ownProblem('Accept names none of application/json, text/csv and text/html', {
      Vary: HEADERS.VaryAccept,
    }),
  },
});

export function runRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await services.metadata.listRuns(
      { period: q.period, trigger: q.trigger },
      q.cursor ?? null,
      q.limit,
    );
    return c.json({ items: page.items.map(runView), next: page.next }, 200);
  });

  app.openapi(create, async (c) => {
    const { period } = c.req.valid('json');
    const start = parsePeriod(period, 'monthly')?.start;
    if (!start || start > services.now().toISOString().slice(0, 10))
      throw new GatewayError('period_not_open', `the period ${period} has not begun`);
    const run = await makeRun(
      {
        metadata: services.metadata,
        now: services.now,
        slotStatuses: services.slotStatuses ?? (async () => []),
      },
      period,
      'manual',
      actorOf(c.get('principal')),
    );
    if (!run) throw new Error(`the manual run of ${period} was not stored`);
    return c.json(runView(run), 202, { location: `/v1/runs/${run.id}` });
  });

  app.openapi(get, async (c) => {
    const run = await services.metadata.getRun(c.req.valid('param').id);
    if (!run) throw new GatewayError('not_found', 'no such run');
    return c.json(runView(run), 200);
  });

  app.openapi(summary, async (c) => {
    const scope = statusScope(c.get('principal'), services.catalogue);
    const s = await runSummaryFor(services.metadata, c.req.valid('param').id, scope);
    if (!s) throw new GatewayError('not_found', 'no such run');
    return c.json(s, 200);
  });

  app.openapi(report, async (c) => {
    const { id, code } = c.req.valid('param');
    // Another municipality's report, or one of datasets outside the scope, is as absent as none.
    const scope = runReportScope(c.get('principal'), services.catalogue);
    const r = await runReportFor(services.metadata, id, code, scope);
    if (!r) throw new GatewayError('not_found', `no report for municipality ${code} in this run`);
    const type = negotiate(c.req.header('accept'), REPORT_TYPES);
    c.header('vary', 'accept');
    if (type === 'text/csv')
      return c.body(renderReportCsv(r), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${r.run}-${r.municipality}.csv"`,
      });
    if (type === 'text/html')
      return c.body(renderReportHtml(r, c.req.valid('query').lang ?? 'da'), 200, {
        'content-type': 'text/html; charset=utf-8',
      });
    if (type === 'application/json') return c.json(r, 200);
    throw new GatewayError(
      'not_acceptable',
      'this report is offered as application/json, text/csv and text/html',
    );
  });

  return app;
}
