import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { GatewayError } from '../../core/errors';
import { slotReports, slotsFromScopes } from '../../core/expectations';
import { MUNICIPALITIES } from '../../core/municipalities';
import { parsePeriod, periodDeadline } from '../../core/period';
import { nameAsShown, shapeOf } from '../../core/value-shape';
import { SLOT_STATUSES } from '../../core/vocabulary';
import type { DeliveryRecord } from '../../stores/metadata-store';
import { type AuthVariables, type DeliveryScope, deliveryScope } from '../auth';
import { problem } from '../openapi';
import type { Services } from '../services';

const SlotView = z
  .object({
    dataset: z.string(),
    municipality: z.string(),
    municipalityName: z.string(),
    period: z.string(),
    source: z.string(),
    status: z.enum(SLOT_STATUSES),
    delivery: z.string().nullable(),
    receivedAt: z.string().nullable(),
    attempts: z.number(),
    rejected: z.number(),
    lastProblem: z.string().nullable(),
  })
  .openapi('ExpectedDelivery');

const expected = createRoute({
  method: 'get',
  path: '/v1/status/expected',
  operationId: 'listExpectedDeliveries',
  tags: ['Status'],
  summary:
    'For every source and municipality expected to deliver in a period: received, late, missing or pending',
  description:
    'A source is expected to deliver a dataset for each municipality its token names (a token scoped to every municipality sets no expectation). received: accepted by the deadline; late: first accepted after it; missing: nothing accepted and the deadline has passed; pending: not yet due.',
  request: { query: z.object({ dataset: z.string().min(1).max(64), period: z.string().min(1).max(16) }) },
  responses: {
    200: {
      description: 'The expected deliveries',
      content: {
        'application/json': {
          schema: z.object({
            dataset: z.string(),
            period: z.string(),
            deadline: z.string(),
            summary: z.record(z.string(), z.number()),
            items: z.array(SlotView),
          }),
        },
      },
    },
    422: problem(422, 'Unknown dataset or a period that does not fit its cadence'),
  },
});

/**
 * The expected-delivery report for one dataset and period, shared by the API and the
 * dashboard; with a scope, only the slots and deliveries within it.
 */
export async function expectedDeliveries(
  services: Services,
  dataset: string,
  period: string,
  scope: DeliveryScope | null = {},
) {
  const compiled = services.catalogue.datasets.get(dataset);
  if (!compiled) throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(dataset)}`);
  const p = parsePeriod(period, compiled.dataset.cadence);
  if (!p)
    throw new GatewayError(
      'invalid_period',
      `the period (${shapeOf(period)}) is not a ${compiled.dataset.cadence} period`,
    );
  const now = services.now?.() ?? new Date();
  const deadline = periodDeadline(p, compiled.dataset.deadline.daysAfterPeriodEnd);
  const tokens = await services.metadata.listTokens({ role: 'source', activeAt: now.toISOString() });
  const inView = (s: { dataset: string; municipality: string; source: string }) =>
    !!scope &&
    (scope.source === undefined || s.source === scope.source) &&
    (scope.municipalities === undefined || scope.municipalities.includes(s.municipality)) &&
    (scope.datasets === undefined || scope.datasets.includes(s.dataset));
  const slots = slotsFromScopes(tokens, dataset).filter(inView);
  const deliveries: DeliveryRecord[] = [];
  let cursor: string | null = null;
  while (scope && (scope.datasets === undefined || scope.datasets.includes(dataset))) {
    const page = await services.metadata.listDeliveries({ dataset, period, ...scope }, cursor, 500);
    deliveries.push(...page.items);
    cursor = page.next;
    if (!cursor) break;
  }
  const items = slotReports(slots, period, deliveries, deadline, now).map((r) => ({
    ...r,
    municipalityName: MUNICIPALITIES.get(r.municipality)?.name ?? r.municipality,
  }));
  const summary: Record<string, number> = { received: 0, late: 0, missing: 0, pending: 0 };
  for (const i of items) summary[i.status] = (summary[i.status] ?? 0) + 1;
  return { dataset, period, deadline: deadline.toISOString(), summary, items };
}

export function statusRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(expected, async (c) => {
    const p = c.get('principal');
    const q = c.req.valid('query');
    return c.json(await expectedDeliveries(services, q.dataset, q.period, deliveryScope(p)), 200);
  });
  return app;
}
