import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { deliveryScope } from '../../auth/visibility';
import { SLOT_STATUSES } from '../../core/vocabulary';
import { expectedDeliveries } from '../../pipeline/expected';
import type { AuthVariables } from '../auth';
import type { Services } from '../services';
import { problemContent } from '../views';

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
    422: {
      description: 'Unknown dataset or a period that does not fit its cadence',
      content: problemContent,
    },
  },
});

export function statusRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(expected, async (c) => {
    const p = c.get('principal');
    const q = c.req.valid('query');
    return c.json(await expectedDeliveries(services, q.dataset, q.period, deliveryScope(p)), 200);
  });
  return app;
}
