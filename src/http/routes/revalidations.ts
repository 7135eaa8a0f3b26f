import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '../../auth/principal';
import { GatewayError } from '../../core/errors';
import { REVALIDATION_OUTCOMES, REVALIDATION_STATUSES } from '../../core/vocabulary';
import { requestRevalidation } from '../../pipeline/revalidate';
import { revalidationByMunicipality } from '../../pipeline/revalidation-report';
import type { RevalidationRun } from '../../stores/metadata-store';
import type { AuthVariables } from '../auth';
import { HEADERS, problem } from '../openapi';
import type { Services } from '../services';
import { PageQuery } from '../views';

const DatasetParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const RunParams = DatasetParam.extend({
  runId: z
    .string()
    .regex(/^rvl_[0-9A-Z]{26}$/)
    .openapi({ param: { name: 'runId', in: 'path' } }),
});

const Counts = z.object({ total: z.number(), valid: z.number(), invalid: z.number() });
const ErrorsByRule = z
  .record(z.string(), z.number())
  .openapi({ description: 'Issues by rule id: counts only' });

const RunView = z
  .object({
    id: z.string(),
    dataset: z.string(),
    datasetVersion: z
      .number()
      .openapi({ description: 'The dataset version the deliveries are checked against' }),
    status: z.enum(REVALIDATION_STATUSES),
    requestedBy: z.string(),
    requestedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    total: z.number().nullable().openapi({ description: 'Deliveries to check; null until a node began' }),
    checked: z.number(),
    nowFailing: z.number().openapi({ description: 'Deliveries checked with a record that fails now' }),
    missing: z.number().openapi({ description: 'Deliveries checked whose stored original is gone' }),
    error: z.string().nullable(),
  })
  .openapi('RevalidationRun');

const MunicipalityView = z
  .object({
    municipality: z.string(),
    checked: z.number(),
    nowFailing: z.number(),
    missing: z.number(),
    records: Counts,
    errorsByRule: ErrorsByRule,
    deliveries: z.array(
      z.object({
        delivery: z.string(),
        period: z.string(),
        outcome: z.enum(REVALIDATION_OUTCOMES),
        records: Counts.nullable(),
        errorsByRule: ErrorsByRule,
        problem: z.string().nullable(),
      }),
    ),
  })
  .openapi('RevalidationMunicipality');

const request = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/revalidate',
  operationId: 'revalidateDataset',
  tags: ['Datasets'],
  summary:
    "Re-checks the dataset's current deliveries of past periods against its rules now in force (admin)",
  description:
    'Each current accepted delivery of a period that has ended is read again from its stored original and validated against the dataset version in force; nothing is re-sent, no extract, receipt or delivery changes. The run is worked in the background by one node.',
  request: { params: DatasetParam },
  responses: {
    202: {
      description: 'The run, queued',
      headers: { Location: HEADERS.Location },
      content: { 'application/json': { schema: RunView } },
    },
    404: problem(404, 'No such dataset'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/revalidations',
  operationId: 'listRevalidations',
  tags: ['Datasets'],
  summary: "The dataset's re-validation runs, newest first",
  request: { params: DatasetParam, query: z.object(PageQuery) },
  responses: {
    200: {
      description: 'A page of runs',
      content: {
        'application/json': { schema: z.object({ items: z.array(RunView), next: z.string().nullable() }) },
      },
    },
    404: problem(404, 'No such dataset'),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/revalidations/{runId}',
  operationId: 'getRevalidation',
  tags: ['Datasets'],
  summary: 'One re-validation run: its progress, and per municipality what would now fail, by rule',
  request: { params: RunParams },
  responses: {
    200: {
      description: 'The run',
      content: {
        'application/json': { schema: RunView.extend({ municipalities: z.array(MunicipalityView) }) },
      },
    },
    404: problem(404, 'No such dataset or run'),
  },
});

const runView = (r: RevalidationRun) => ({ ...r });

export function revalidationRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const dataset = (id: string) => {
    const d = services.catalogue.datasets.get(id);
    if (!d) throw new GatewayError('not_found', 'there is no such dataset');
    return d.dataset.id;
  };

  app.openapi(request, async (c) => {
    const id = dataset(c.req.valid('param').id);
    const run = await requestRevalidation(services, id, actorOf(c.get('principal')));
    services.revalidations?.kick();
    c.header('location', `/v1/datasets/${id}/revalidations/${run.id}`);
    return c.json(runView(run), 202);
  });

  app.openapi(list, async (c) => {
    const id = dataset(c.req.valid('param').id);
    const q = c.req.valid('query');
    const page = await services.metadata.listRevalidations(id, q.cursor ?? null, q.limit);
    return c.json({ items: page.items.map(runView), next: page.next }, 200);
  });

  app.openapi(get, async (c) => {
    const { id, runId } = c.req.valid('param');
    const ds = dataset(id);
    const run = await services.metadata.getRevalidation(runId);
    if (!run || run.dataset !== ds) throw new GatewayError('not_found', 'there is no such re-validation run');
    const municipalities = await revalidationByMunicipality(services.metadata, run);
    return c.json(
      {
        ...runView(run),
        municipalities: municipalities.map(({ deliveries, ...m }) => ({
          ...m,
          deliveries: deliveries.map(({ deliveryId, ...d }) => ({ delivery: deliveryId, ...d })),
        })),
      },
      200,
    );
  });

  return app;
}
