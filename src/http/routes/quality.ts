import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { consolidationScope, statusScope } from '../../auth/visibility';
import { CADENCES } from '../../core/dataset';
import { REVALIDATION_OUTCOMES } from '../../core/vocabulary';
import { consolidationReport, dataQuality } from '../../pipeline/quality';
import type { AuthVariables } from '../auth';
import { problem } from '../openapi';
import type { Services } from '../services';

const ratio = z.number().nullable();

/** What the items and the totals of a quality answer share. */
const comparison = {
  period: z.string(),
  records: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'Valid records of the current accepted delivery' }),
  previousPeriod: z.string(),
  previousRecords: z.number().int().nullable(),
  change: ratio.openapi({
    description:
      '(records − previousRecords) / previousRecords, 4 decimals; null when either is missing or previousRecords is 0',
  }),
  yearBeforePeriod: z.string(),
  yearBeforeRecords: z.number().int().nullable(),
  changeYearBefore: ratio,
  anomaly: z.boolean().openapi({ description: 'records moved outside the band against the previous period' }),
  errorsByRule: z.record(z.string(), z.number().int()),
  rejectedAttempts: z.number().int(),
  droppedShare: ratio.openapi({ description: 'records.invalid / records.total of the current delivery' }),
  revalidation: z
    .object({
      run: z.string(),
      datasetVersion: z.number().int(),
      checkedAt: z.string(),
      outcome: z.enum(REVALIDATION_OUTCOMES),
      records: z
        .object({ total: z.number().int(), valid: z.number().int(), invalid: z.number().int() })
        .nullable(),
      errorsByRule: z.record(z.string(), z.number().int()),
      nowFailing: z.boolean(),
    })
    .nullable()
    .openapi({
      description:
        'The current delivery checked again against the rules now in force (POST /v1/datasets/{id}/revalidate); null when no run has checked it, and in the totals',
    }),
};

const QualityItem = z
  .object({
    municipality: z.string(),
    delivery: z.string().nullable(),
    source: z.string().nullable(),
    ...comparison,
  })
  .openapi('QualityItem');

const QualityTotal = z.object({ municipalities: z.number().int(), ...comparison }).openapi('QualityTotal');

const quality = createRoute({
  method: 'get',
  path: '/v1/quality',
  operationId: 'getDataQuality',
  tags: ['Status'],
  summary: 'Data quality of a dataset per municipality and period, with the totals per period',
  description:
    "For each municipality (the one asked for, or every one the token may read) and each period from..to (at most 120, in the dataset cadence): the valid records of the slot's current accepted delivery, the change against the previous period and the same period a year before, whether it is an anomaly (outside the band), errors by rule, rejected attempts and the share a partial acceptance dropped. `totals` sums the items per period.",
  request: {
    query: z.object({
      dataset: z.string().min(1).max(64),
      municipality: z.string().min(1).max(16).optional(),
      from: z.string().min(1).max(16),
      to: z.string().min(1).max(16),
    }),
  },
  responses: {
    200: {
      description: 'The quality series',
      content: {
        'application/json': {
          schema: z
            .object({
              dataset: z.string(),
              cadence: z.enum(CADENCES),
              from: z.string(),
              to: z.string(),
              band: z.number().openapi({
                description:
                  "the obligation's anomalyBand: the share records may move from the previous period (0.2 = ±20 %)",
              }),
              items: z.array(QualityItem),
              totals: z.array(QualityTotal),
            })
            .openapi('DataQuality'),
        },
      },
    },
    422: problem(
      422,
      'Unknown dataset or municipality, a period that does not fit the cadence, or a range backwards or over 120 periods',
    ),
  },
});

const count = z.number().int();
const ConsolidationCount = z.object({ deliveries: count, extracts: count, avoided: count });

const consolidation = createRoute({
  method: 'get',
  path: '/v1/reports/consolidation',
  operationId: 'getConsolidationReport',
  tags: ['Status'],
  summary:
    'Deliveries accepted, extracts made and parallel deliveries avoided, per municipality and in total',
  description:
    'Over the periods counted in the months from..to (YYYY-MM, at most 120 months; a week counts in the month of its Thursday), every dataset: accepted deliveries (each once, corrections included), the extracts made from them, and avoided = extracts − deliveries.',
  request: { query: z.object({ from: z.string().min(1).max(16), to: z.string().min(1).max(16) }) },
  responses: {
    200: {
      description: 'The consolidation report',
      content: {
        'application/json': {
          schema: z
            .object({
              from: z.string(),
              to: z.string(),
              items: z.array(z.object({ municipality: z.string() }).merge(ConsolidationCount)),
              total: ConsolidationCount,
            })
            .openapi('ConsolidationReport'),
        },
      },
    },
    422: problem(422, 'A month that is not YYYY-MM, or a range backwards or over 120 months'),
  },
});

export function qualityRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(quality, async (c) => {
    const q = c.req.valid('query');
    return c.json(await dataQuality(services, q, statusScope(c.get('principal'), services.catalogue)), 200);
  });
  app.openapi(consolidation, async (c) => {
    const q = c.req.valid('query');
    return c.json(await consolidationReport(services, q, consolidationScope(c.get('principal'))), 200);
  });
  return app;
}
