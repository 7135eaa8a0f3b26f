import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Dataset } from '../../core/dataset';
import { GatewayError } from '../../core/errors';
import { type ExampleFormat, exampleDelivery } from '../../core/example-delivery';
import { datasetCsvColumns, datasetJsonSchema } from '../../core/published-json';
import { datasetXsd } from '../../core/published-xsd';
import { nameAsShown } from '../../core/value-shape';
import type { AuthVariables } from '../auth';
import { HEADERS, problem, RequestHeaders } from '../openapi';
import type { Services } from '../services';
import { noneMatchHits } from './extracts';

/**
 * The published schemas and examples of each dataset: public (no token, `PUBLIC_ROUTES` in
 * access.ts), made once from the dataset definition and cached by anyone (ETag, Cache-Control
 * public), since they change only with the dataset's version.
 */

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const text = { schema: z.string() };

interface Published {
  file: string;
  contentType: string;
  summary: string;
  operationId: string;
  make(dataset: Dataset, id: string): string;
}

export const PUBLISHED: readonly Published[] = [
  {
    file: 'schema.xsd',
    contentType: 'application/xml',
    operationId: 'getDatasetXsd',
    summary: 'The XML Schema of XML deliveries (public, no token)',
    make: (d) => datasetXsd(d),
  },
  {
    file: 'schema.json',
    contentType: 'application/schema+json',
    operationId: 'getDatasetJsonSchema',
    summary: 'The JSON Schema (2020-12) of one line of an NDJSON delivery (public, no token)',
    make: (d, id) => `${JSON.stringify(datasetJsonSchema(d, `/v1/datasets/${id}/schema.json`), null, 2)}\n`,
  },
  {
    file: 'schema.csv',
    contentType: 'text/csv',
    operationId: 'getDatasetCsvColumns',
    summary: 'The columns of a CSV delivery, as CSV: name, type, required, rule (public, no token)',
    make: (d) => datasetCsvColumns(d),
  },
  ...(
    [
      ['xml', 'application/xml', 'Xml'],
      ['csv', 'text/csv', 'Csv'],
      ['ndjson', 'application/x-ndjson', 'Ndjson'],
    ] as const
  ).map(([format, contentType, name]) => ({
    file: `example.${format}`,
    contentType,
    operationId: `getDatasetExample${name}`,
    summary: `A small valid ${format.toUpperCase()} delivery, synthetic data only (public, no token)`,
    make: (d: Dataset) => exampleDelivery(d, format as ExampleFormat),
  })),
];

function routeOf(p: Published) {
  return createRoute({
    method: 'get',
    path: `/v1/datasets/{id}/${p.file}`,
    operationId: p.operationId,
    tags: ['Datasets'],
    summary: p.summary,
    description:
      'Made from the dataset definition (`GET /v1/datasets/{id}`); see "Published schemas" in docs/api.md for what each says and what it cannot express. Answered without a token.',
    security: [],
    request: { params: IdParam, headers: z.object({ 'if-none-match': RequestHeaders.ifNoneMatch }) },
    responses: {
      200: {
        description: p.file,
        headers: {
          ETag: HEADERS.ETag,
          'Cache-Control': {
            description: 'public: the same for everyone until the dataset changes',
            schema: { type: 'string' as const },
            required: true,
          },
        },
        content: {
          [p.contentType]: p.contentType.endsWith('json')
            ? { schema: z.record(z.string(), z.unknown()) }
            : text,
        },
      },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: HEADERS.ETag } },
      404: problem(404, 'No such dataset'),
    },
  });
}

/** The bytes of a published document and their entity tag, made once per dataset and file. */
interface Made {
  body: string;
  etag: string;
}

/** Answers a made document with its ETag, or 304 when the client holds it. */
export function answerCached(c: Context, made: Made, contentType: string, cache: string): Response {
  const headers = { etag: made.etag, 'cache-control': cache };
  if (noneMatchHits(c.req.header('if-none-match'), made.etag)) return c.body(null, 304, headers);
  return c.body(made.body, 200, { ...headers, 'content-type': `${contentType}; charset=utf-8` });
}

export function made(body: string): Made {
  return { body, etag: `"${createHash('sha256').update(body).digest('hex')}"` };
}

export const PUBLIC_CACHE = 'public, max-age=300';

export function publishedRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const cache = new Map<string, Made>();
  for (const p of PUBLISHED) {
    app.openapi(routeOf(p), (c) => {
      const { id } = c.req.valid('param');
      const compiled = services.catalogue.datasets.get(id);
      if (!compiled) throw new GatewayError('not_found', `there is no dataset ${nameAsShown(id)}`);
      const key = `${id}/${p.file}`;
      let m = cache.get(key);
      if (!m) {
        m = made(p.make(compiled.dataset, id));
        cache.set(key, m);
      }
      return answerCached(c, m, p.contentType, PUBLIC_CACHE) as never;
    });
  }
  return app;
}
