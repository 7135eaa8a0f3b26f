import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { statusScope } from '../../auth/visibility';
import { danishDate } from '../../core/holidays';
import { nextDeadlines } from '../../core/obligations';
import { SLOT_STATUSES } from '../../core/vocabulary';
import { slotStatuses } from '../../pipeline/status';
import type { AuthVariables } from '../auth';
import { problem } from '../openapi';
import type { Services } from '../services';

const day = z.string().openapi({ example: '2026-11-13', description: 'A Danish date, YYYY-MM-DD' });

const SlotStatusView = z
  .object({
    dataset: z.string(),
    municipality: z.string(),
    period: z.string(),
    deadline: day.openapi({ description: 'The last day (Danish date) on which a delivery is on time' }),
    status: z.enum(SLOT_STATUSES),
    delivery: z.string().nullable().openapi({ description: "The slot's current accepted delivery" }),
    receivedAt: z.string().nullable(),
    attempts: z.number(),
    rejectedAttempts: z.number(),
    records: z.number().nullable().openapi({ description: 'Valid records of the current delivery' }),
    previousRecords: z.number().nullable().openapi({ description: 'The same for the period before' }),
    change: z.number().nullable().openapi({ description: '(records − previousRecords) / previousRecords' }),
    anomaly: z.boolean().openapi({ description: "|change| is above the obligation's anomalyBand" }),
    errorsByRule: z.record(z.string(), z.number()),
  })
  .openapi('SlotStatus');

const status = createRoute({
  method: 'get',
  path: '/v1/status',
  operationId: 'listSlotStatus',
  tags: ['Status'],
  summary:
    'For every obligated slot (dataset, municipality, period): received, late, missing, pending or rejected',
  description:
    "One item per slot an obligation (deliveries/obligations.json) creates, whoever delivers it; from obligations and deliveries only, so issuing or revoking a token changes no item. received: the first accepted delivery arrived by the deadline (Danish date); late: after it; rejected: nothing accepted and the latest attempt was rejected or failed; missing: nothing at all and the deadline has passed; pending: nothing yet and not due. Without `period`, each dataset's most recently due period. Sources see the municipalities × datasets of their token, recipients the datasets they receive, municipality tokens their municipalities, auditors and admins all.",
  request: {
    query: z.object({
      period: z.string().min(1).max(16).optional().openapi({ example: '2026-10' }),
      dataset: z.string().min(1).max(64).optional(),
      municipality: z.string().min(1).max(8).optional(),
    }),
  },
  responses: {
    200: {
      description: 'The slots, by dataset, period and municipality',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(SlotStatusView),
            summary: z.record(z.string(), z.number()),
          }),
        },
      },
    },
    422: problem(422, 'Unknown dataset or municipality, or a period that fits no cadence'),
  },
});

const DeadlineRuleView = z
  .union([z.object({ workingDaysAfterPeriodEnd: z.number() }), z.object({ dayOfFollowingMonth: z.number() })])
  .openapi('DeadlineRule');

const ObligationView = z
  .object({
    dataset: z.string(),
    cadence: z.string(),
    deadline: DeadlineRuleView,
    municipalities: z.union([z.literal('all'), z.array(z.string())]),
    firstPeriod: z.string(),
    anomalyBand: z.number(),
    description: z.string().optional(),
    nextDeadlines: z.array(z.object({ period: z.string(), deadline: day })),
  })
  .openapi('Obligation');

const obligations = createRoute({
  method: 'get',
  path: '/v1/obligations',
  operationId: 'listObligations',
  tags: ['Status'],
  summary: 'Who owes which dataset by when: deliveries/obligations.json as served, with the next deadlines',
  responses: {
    200: {
      description: 'Every obligation, with its next three deadlines from today (Danish date)',
      content: { 'application/json': { schema: z.object({ items: z.array(ObligationView) }) } },
    },
  },
});

export function statusRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(status, async (c) => {
    const scope = statusScope(c.get('principal'), services.catalogue);
    return c.json(await slotStatuses(services, c.req.valid('query'), scope), 200);
  });
  app.openapi(obligations, async (c) => {
    const today = danishDate(services.now());
    const items = [...services.catalogue.obligations.values()].map((o) => ({
      ...o.obligation,
      nextDeadlines: nextDeadlines(o, today),
    }));
    return c.json({ items }, 200);
  });
  return app;
}
