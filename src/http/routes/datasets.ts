import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { GatewayError } from '../../core/errors';
import { nameAsShown } from '../../core/value-shape';
import { DEFAULT_BODY_LIMITS, deliveryBytes } from '../../pipeline/body';
import { previewExtract } from '../../pipeline/preview';
import type { AuthVariables } from '../auth';
import { EXTRACT_CONTENT, HEADERS, problem, RequestHeaders } from '../openapi';
import type { Services } from '../services';
import { deliveryBody } from '../views';

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const list = createRoute({
  method: 'get',
  path: '/v1/datasets',
  operationId: 'listDatasets',
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
  operationId: 'getDataset',
  tags: ['Datasets'],
  summary: 'The dataset schema: fields, types, code lists, rules, cadence and deadline',
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The schema',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    404: problem(404, 'No such dataset'),
  },
});

const profiles = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/profiles',
  operationId: 'listProfiles',
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
    404: problem(404, 'No such dataset'),
  },
});

const ProfileParams = IdParam.extend({
  recipient: z
    .string()
    .max(64)
    .openapi({ param: { name: 'recipient', in: 'path' } }),
});

const versions = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/profiles/{recipient}/versions',
  operationId: 'listProfileVersions',
  tags: ['Datasets'],
  summary: 'Every version of a profile that has been in force, newest first, with from when until when',
  request: {
    params: ProfileParams,
  },
  responses: {
    200: {
      description: 'Versions; activeUntil is null for the one in force',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                version: z.number(),
                sha256: z.string(),
                activeFrom: z.string(),
                activeUntil: z.string().nullable(),
                profile: z.record(z.string(), z.unknown()),
              }),
            ),
          }),
        },
      },
    },
    404: problem(404, 'No such dataset or profile'),
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/profiles/{recipient}/preview',
  operationId: 'previewExtract',
  tags: ['Datasets'],
  summary: 'The extract a profile would make from a small delivery; nothing is stored (admin)',
  description:
    'The body is a delivery in any accepted format, at most 10 MiB. Pseudonymised columns use a one-off key, so a preview never shows the pseudonym a recipient will get.',
  request: {
    params: ProfileParams,
    headers: z.object({ 'content-encoding': RequestHeaders.contentEncoding }),
    body: deliveryBody,
  },
  responses: {
    200: {
      description: "The extract, in the profile's format and with its Content-Type",
      headers: {
        'Content-Disposition': HEADERS.ContentDisposition,
        'X-Records': {
          description: 'How many records the extract holds',
          schema: { type: 'integer' },
          required: true,
        },
        'X-Profile': {
          description: 'The profile: <id>;version=<n>;sha256=<hex>',
          schema: { type: 'string' },
          required: true,
        },
      },
      content: EXTRACT_CONTENT,
    },
    404: problem(404, 'No such dataset or profile'),
    422: problem(422, 'The sample has invalid records'),
  },
});

export const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;

/** Bytes as a response body: a view of an ArrayBuffer as it is, of any other buffer copied into one. */
function asBody(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
}

export function datasetRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const { catalogue } = services;
  const find = (id: string) => {
    const d = catalogue.datasets.get(id);
    // A name from the path is repeated only when it cannot hold personal data.
    if (!d) throw new GatewayError('not_found', `there is no dataset ${nameAsShown(id)}`);
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

  app.openapi(versions, async (c) => {
    const { id, recipient } = c.req.valid('param');
    const d = find(id);
    const profileId = `${d.dataset.id}/${recipient}`;
    const items = await services.metadata.listProfileVersions(profileId);
    const inCatalogue = (catalogue.profiles.get(d.dataset.id) ?? []).some((p) => p.profile.id === profileId);
    if (!inCatalogue && items.length === 0)
      throw new GatewayError('not_found', `there is no profile ${d.dataset.id}/${nameAsShown(recipient)}`);
    return c.json(
      {
        items: items.map((v) => ({
          version: v.version,
          sha256: v.sha256,
          activeFrom: v.activeFrom,
          activeUntil: v.activeUntil,
          profile: v.content as Record<string, unknown>,
        })),
      },
      200,
    );
  });

  app.openapi(previewRoute, async (c) => {
    const { id, recipient } = c.req.valid('param');
    const d = find(id);
    if (!(catalogue.profiles.get(d.dataset.id) ?? []).some((p) => p.profile.recipient === recipient))
      throw new GatewayError('not_found', `there is no profile ${d.dataset.id}/${nameAsShown(recipient)}`);
    const raw = c.req.raw.body;
    if (!raw) throw new GatewayError('not_well_formed', 'the sample is empty');
    const result = await previewExtract(
      catalogue,
      {
        dataset: id,
        recipient,
        contentType: c.req.header('content-type') ?? '',
        body: deliveryBytes(raw, c.req.header('content-encoding'), {
          ...DEFAULT_BODY_LIMITS,
          maxBytes: PREVIEW_MAX_BYTES,
        }),
        maxBytes: PREVIEW_MAX_BYTES,
      },
      services.now,
    );
    return new Response(asBody(result.bytes), {
      status: 200,
      headers: {
        'content-type': result.contentType,
        'content-disposition': `inline; filename="${result.fileName}"`,
        'x-records': String(result.records),
        'x-profile': `${result.profile.id};version=${result.profile.version};sha256=${result.profile.sha256}`,
        'cache-control': 'no-store',
      },
    });
  });

  return app;
}
