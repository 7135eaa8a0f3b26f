import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { dataDictionary } from '../../core/dictionary';
import { GatewayError } from '../../core/errors';
import type { CompiledProfile } from '../../core/mapper';
import {
  profileCsvColumns,
  profileJsonSchema,
  profileSchemaFiles,
  profileXsd,
} from '../../core/profile-schema';
import { nameAsShown } from '../../core/value-shape';
import type { AuthVariables } from '../auth';
import { HEADERS, problem, RequestHeaders } from '../openapi';
import type { Services } from '../services';
import { answerCached, made } from './published';

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const ProfileParams = IdParam.extend({
  recipient: z
    .string()
    .max(64)
    .openapi({ param: { name: 'recipient', in: 'path' } }),
});

const dictionary = createRoute({
  method: 'get',
  path: '/v1/datasets/{id}/dictionary',
  operationId: 'getDataDictionary',
  tags: ['Datasets'],
  summary:
    'The data dictionary: fields, types, codes, rules, and which recipient gets which field, how and why',
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The dictionary (no personal data); the dashboard shows it at /datasets/{id}',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    404: problem(404, 'No such dataset'),
  },
});

const FILES = [
  ['schema.xsd', 'application/xml', 'getProfileXsd', 'The XML Schema of an XML extract'],
  [
    'schema.json',
    'application/schema+json',
    'getProfileJsonSchema',
    'The JSON Schema of an NDJSON line or a JSON extract',
  ],
  ['schema.csv', 'text/csv', 'getProfileCsvColumns', 'The columns of a CSV extract, as CSV'],
] as const;
type ProfileFile = (typeof FILES)[number][0];

function profileRoute([file, contentType, operationId, summary]: (typeof FILES)[number]) {
  return createRoute({
    method: 'get',
    path: `/v1/datasets/{id}/profiles/{recipient}/${file}`,
    operationId,
    tags: ['Datasets'],
    summary: `${summary}: what a recipient receives (its own token, auditor, admin)`,
    description:
      "Made from the profile in force. A recipient token reads its own profile's only (another answers 404). The archival version has the State Archives' own schemas, in its package: 404 says so.",
    request: { params: ProfileParams, headers: z.object({ 'if-none-match': RequestHeaders.ifNoneMatch }) },
    responses: {
      200: {
        description: file,
        headers: {
          ETag: HEADERS.ETag,
          'Cache-Control': { description: 'private', schema: { type: 'string' as const }, required: true },
        },
        content: {
          [contentType]: {
            schema: contentType.endsWith('json') ? z.record(z.string(), z.unknown()) : z.string(),
          },
        },
      },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: HEADERS.ETag } },
      404: problem(404, 'No such dataset or profile (or not yours), or its output has no such schema'),
    },
  });
}

function profileDocument(cp: CompiledProfile, file: ProfileFile): string {
  const files = profileSchemaFiles(cp);
  const at = `/v1/datasets/${cp.profile.dataset}/profiles/${cp.profile.recipient}`;
  if (files === null)
    throw new GatewayError(
      'not_found',
      `${cp.profile.id} writes the State Archives' archival version (bek. nr. 128 af 12. februar 2020): its schemas are the standard's own (tableIndex.xsd, the table XSDs in the package), not published here`,
    );
  if (!files.includes(file))
    throw new GatewayError(
      'not_found',
      `${cp.profile.id} writes ${cp.profile.output.format}; its schema is ${at}/${files[0]}`,
    );
  if (file === 'schema.xsd') return profileXsd(cp);
  if (file === 'schema.csv') return profileCsvColumns(cp);
  return `${JSON.stringify(profileJsonSchema(cp, `${at}/schema.json`), null, 2)}\n`;
}

export function dictionaryRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const { catalogue } = services;
  const find = (id: string) => {
    const d = catalogue.datasets.get(id);
    if (!d) throw new GatewayError('not_found', `there is no dataset ${nameAsShown(id)}`);
    return d;
  };

  app.openapi(dictionary, (c) =>
    c.json(dataDictionary(catalogue, find(c.req.valid('param').id)) as Record<string, unknown>, 200),
  );

  for (const f of FILES) {
    app.openapi(profileRoute(f), (c) => {
      const { id, recipient } = c.req.valid('param');
      const d = find(id);
      const p = c.get('principal');
      const cp = (catalogue.profiles.get(d.dataset.id) ?? []).find((x) => x.profile.recipient === recipient);
      // Another recipient's profile is answered as one that does not exist, as for extracts.
      if (!cp || (p.role === 'recipient' && p.recipient !== recipient))
        throw new GatewayError('not_found', `there is no profile ${d.dataset.id}/${nameAsShown(recipient)}`);
      return answerCached(c, made(profileDocument(cp, f[0])), f[1], 'private, max-age=300') as never;
    });
  }
  return app;
}
