import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { processingRegister } from '../../core/processing-register';
import { PERSONAL_DATA_CATEGORIES } from '../../core/vocabulary';
import type { AuthVariables } from '../auth';
import type { Services } from '../services';

const Entry = z
  .object({
    dataset: z.string(),
    datasetTitle: z.string(),
    recipient: z.string(),
    recipientName: z.string(),
    profile: z.string(),
    version: z.number().int().openapi({ description: 'The profile version in force' }),
    sha256: z.string(),
    purpose: z.string(),
    legalBasis: z.string(),
    personalData: z.enum(PERSONAL_DATA_CATEGORIES).openapi({
      description:
        'cpr: personal data in clear; pseudonymised: personal fields as pseudonyms only (still personal data; the keys by id in pseudonymKeyIds); none',
    }),
    personalFields: z.array(z.string()),
    pseudonymKeyIds: z.array(z.string()),
    fields: z.array(z.string()),
    level: z.enum(['record', 'aggregate']),
    format: z.string(),
    transport: z.string(),
    acknowledgement: z.object({ required: z.boolean(), withinDays: z.number().int() }),
    retention: z
      .object({
        extractsDays: z.number().int().nullable(),
        supersededExtractsDays: z.number().int().nullable(),
        originalsDays: z.number().int().nullable(),
        supersededOriginalsDays: z.number().int().nullable(),
      })
      .nullable()
      .openapi({
        description:
          "The profile's and the dataset's retention in days; null when bytes are kept until deleted",
      }),
    obligation: z
      .object({ cadence: z.string(), deadline: z.record(z.string(), z.number().int()) })
      .nullable(),
  })
  .openapi('ProcessingEntry');

const register = createRoute({
  method: 'get',
  path: '/v1/processing-register',
  operationId: 'getProcessingRegister',
  tags: ['Audit'],
  summary:
    'The processing register: per dataset × recipient, purpose, legal basis and the personal data sent',
  description:
    'Generated from the profiles and obligations in force, never kept by hand; the dashboard prints it at /processing-register.',
  responses: {
    200: {
      description: 'The register',
      content: {
        'application/json': { schema: z.object({ items: z.array(Entry) }).openapi('ProcessingRegister') },
      },
    },
  },
});

export function registerRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(register, (c) => c.json({ items: processingRegister(services.catalogue) }, 200));
  return app;
}
