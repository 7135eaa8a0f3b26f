import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { GatewayError } from '../../core/errors';
import type { AuthVariables } from '../auth';
import type { Services } from '../services';
import { problemContent } from '../views';

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const list = createRoute({
  method: 'get',
  path: '/v1/datasets',
  tags: ['Datasets'],
  summary: 'Every dataset the gateway takes',
  responses: {
    200: {
      description: 'Datasets',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                version: z.number(),
                title: z.string(),
                cadence: z.string(),
                recipients: z.array(z.string()),
              }),
            ),
          }),
        },
      },
    },
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}',
  tags: ['Datasets'],
  summary: 'The dataset schema: fields, types, code lists, rules, cadence and deadline',
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The schema',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    404: { description: 'No such dataset', content: problemContent },
  },
});

const profiles = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/profiles',
  tags: ['Datasets'],
  summary: 'The mapping profiles in force for a dataset, one per recipient',
  request: { params: IdParam },
  responses: {
    200: {
      description: 'Profiles',
      content: {
        'application/json': { schema: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) },
      },
    },
    404: { description: 'No such dataset', content: problemContent },
  },
});

export function datasetRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const { catalogue } = services;
  const find = (id: string) => {
    const d = catalogue.datasets.get(id);
    if (!d) throw new GatewayError('not_found', `there is no dataset ${id}`);
    return d;
  };

  app.openapi(list, (c) =>
    c.json(
      {
        items: [...catalogue.datasets.values()].map(({ dataset }) => ({
          id: dataset.id,
          version: dataset.version,
          title: dataset.title,
          cadence: dataset.cadence,
          recipients: (catalogue.profiles.get(dataset.id) ?? []).map((p) => p.profile.recipient),
        })),
      },
      200,
    ),
  );

  app.openapi(get, (c) => c.json(find(c.req.valid('param').id).dataset as Record<string, unknown>, 200));

  app.openapi(profiles, (c) => {
    const d = find(c.req.valid('param').id);
    const items = (catalogue.profiles.get(d.dataset.id) ?? []).map((p) => ({
      ...p.profile,
      sha256: p.sha256,
    }));
    return c.json({ items }, 200);
  });

  return app;
}
