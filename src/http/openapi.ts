import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';

/**
 * The parts of the OpenAPI document every operation shares: the problem document, the
 * refusals answered by the guards in front of the routes, and the headers of every answer.
 * Route modules describe what their own handler answers; `apiDocument` adds what the
 * middleware answers, so the document says everything the server can say.
 */

export const Problem = z
  .object({
    type: z
      .string()
      .openapi({ description: '`/problems/<code>`, a page of the gateway that documents the code' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z
      .string()
      .optional()
      .openapi({ description: '`urn:request:<id>`, the X-Request-Id of the answer' }),
  })
  .passthrough()
  .openapi('Problem', { description: 'An RFC 9457 problem document' });

export const problemContent = { 'application/problem+json': { schema: Problem } };

/** The refusals written once as shared responses, by status. */
const SHARED = {
  400: ['BadRequest', 'The request does not fit the interface: a broken URL, a bad parameter or body'],
  401: ['Unauthorized', 'No valid token (or certificate)'],
  403: ['Forbidden', "Outside this token's role or scope"],
  404: ['NotFound', 'No such object, or not one this token may see'],
  405: ['MethodNotAllowed', 'The path does not take this method; Allow lists the methods it takes'],
  409: ['Conflict', 'The request conflicts with the state of the object'],
  413: ['PayloadTooLarge', 'The body is larger than allowed'],
  415: ['UnsupportedMediaType', 'The body has a content type this operation does not take'],
  422: ['Unprocessable', 'The request is well-formed but cannot be processed'],
  429: [
    'TooManyRequests',
    'Too many requests, or too many failed sign-ins from this address; Retry-After says when to try again',
  ],
} as const;

export type SharedStatus = keyof typeof SHARED;

/** A shared refusal, optionally with what it means for this operation. */
export function problem(status: SharedStatus, description?: string) {
  return {
    $ref: `#/components/responses/${SHARED[status][0]}`,
    ...(description ? { description } : {}),
  };
}

/** A refusal with no shared response (410, 416, 503): the problem document all the same. */
export function ownProblem(description: string, headers?: Record<string, { $ref: string }>) {
  return { description, content: problemContent, ...(headers ? { headers } : {}) };
}

const bytes = { schema: z.string().openapi({ format: 'binary' }) };

/** What an extract is, by its profile's output and package: the Content-Type it is served with. */
export const EXTRACT_CONTENT = {
  'application/xml': bytes,
  'text/csv': bytes,
  'application/x-ndjson': bytes,
  'application/json': bytes,
  'application/zip': bytes,
  'application/gzip': bytes,
  // An extract its profile encrypts to the recipient (age).
  'application/octet-stream': bytes,
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Response headers the document names by reference. */
export const HEADERS = {
  ETag: header('ETag'),
  Location: header('Location'),
  ContentRange: header('ContentRange'),
  ContentDisposition: header('ContentDisposition'),
  RetryAfter: header('RetryAfter'),
  VaryAccept: header('VaryAccept'),
} as const;

/**
 * Request headers as zod schemas, for a route's `request.headers`. Only the Idempotency-Key
 * is bounded here; the others are judged by the handler (an unknown encoding is 415).
 */
export const RequestHeaders = {
  range: z.string().optional().openapi({
    description:
      'bytes=<first>-<last> or bytes=-<suffix>; one range (several are answered with the whole body)',
  }),
  ifNoneMatch: z.string().optional().openapi({
    description: 'Entity tags (weak comparison), or *: 304 when one names the extract',
  }),
  ifRange: z.string().optional().openapi({
    description: 'The strong ETag: Range applies only when it matches; otherwise the whole body',
  }),
  accept: z.string().optional(),
  contentEncoding: z
    .string()
    .optional()
    .openapi({ description: 'gzip when the body is compressed; another encoding is 415' }),
  idempotencyKey: z.string().min(1).max(200).optional().openapi({
    description:
      'The same key with the same request answers the first answer again; with another slot or body 422; while the first is still being received 409',
  }),
};

function registerShared(app: OpenAPIHono<never>) {
  const r = app.openAPIRegistry;
  r.register('Problem', Problem);
  const problemSchema = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  r.registerComponent('headers', 'XRequestId', {
    description: "Names the request in the gateway's log; a plain id the client sent is kept",
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'RetryAfter', {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 0 },
    required: true,
  });
  r.registerComponent('headers', 'WWWAuthenticate', {
    description: 'Bearer',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'Allow', {
    description: 'The methods the path takes',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'ETag', {
    description: 'The sha256 of the bytes, as a strong entity tag',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'Location', {
    description: 'Where the object is',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'ContentRange', {
    description: 'bytes <first>-<last>/<length>, or bytes */<length> when the range is outside the bytes',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'VaryAccept', {
    description: 'Accept: the answer (a refusal too) depends on it',
    schema: { type: 'string' },
    required: true,
  });
  r.registerComponent('headers', 'ContentDisposition', {
    description: 'The file name',
    schema: { type: 'string' },
    required: true,
  });
  for (const [status, [name, description]] of Object.entries(SHARED)) {
    const headers: Record<string, { $ref: string }> = { 'X-Request-Id': header('XRequestId') };
    if (status === '401') headers['WWW-Authenticate'] = header('WWWAuthenticate');
    if (status === '405') headers.Allow = header('Allow');
    if (status === '429') headers['Retry-After'] = header('RetryAfter');
    r.registerComponent('responses', name, {
      description,
      content: problemSchema,
      headers,
    });
  }
  r.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token issued by an admin (`POST /v1/admin/tokens`)',
  });
}

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  parameters?: Array<{ in: string }>;
  requestBody?: { content?: Json };
  responses: Record<string, Json>;
  security?: unknown[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** What the guards in front of the routes answer (app.ts, access.ts, auth.ts, limits.ts, input.ts). */
function middlewareStatuses(method: (typeof METHODS)[number], op: Operation): SharedStatus[] {
  // Every path: a broken URL is refused before any route (input.ts, refuseBadUrls).
  const statuses: SharedStatus[] = [400];
  // Authentication, sign-in and request limits, and the access table: every /v1 operation and
  // /metrics, except an operation that says it needs no credential (`security: []`).
  if (op.security === undefined || op.security.length > 0) statuses.push(401, 403, 429);
  const types = Object.keys(op.requestBody?.content ?? {});
  // JSON bodies: another content type is 415, a body over 64 KiB 413 (input.ts, requireJsonBodies).
  if (types.length && types.every((t) => /json$/.test(t))) statuses.push(413, 415);
  // Delivery bodies: an unknown content type is 415, one over the configured size 413.
  else if (types.length) statuses.push(413, 415);
  // A POST, PUT or PATCH that reads no body still bounds one sent (input.ts): over 64 KiB is 413.
  else if (method === 'post' || method === 'put' || method === 'patch') statuses.push(413);
  return statuses;
}

const headOperationId = (id: string | undefined) =>
  id
    ? id.startsWith('get')
      ? `head${id.slice(3)}`
      : `head${id[0]?.toUpperCase()}${id.slice(1)}`
    : undefined;

/** A HEAD operation for a GET: the same answers with no body (Hono answers HEAD on every GET route). */
function headOf(get: Operation): Operation {
  const responses: Record<string, Json> = {};
  for (const [status, r] of Object.entries(get.responses)) {
    if ('$ref' in r) {
      responses[status] = r;
      continue;
    }
    const { content: _content, ...rest } = r;
    responses[status] = rest;
  }
  return {
    ...get,
    operationId: headOperationId(get.operationId),
    summary: `The headers a GET would answer, with no body`,
    responses,
  } as Operation;
}

/**
 * The OpenAPI document the gateway serves: the routes' definitions, then what every
 * operation shares added in one place.
 */
export function apiDocument(
  app: OpenAPIHono<never>,
  info: { title: string; version: string; description: string },
) {
  registerShared(app);
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info,
    servers: [{ url: '/', description: 'The gateway that served this document' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'Deliveries', description: 'Source systems deliver; everyone in scope reads the outcome' },
      { name: 'Extracts', description: 'Recipients list, download and acknowledge their extracts' },
      { name: 'Audit', description: 'The hash-chained audit log' },
      { name: 'Admin', description: 'Tokens and receipt keys' },
      { name: 'Webhooks', description: 'Subscriptions to events, signed per Standard Webhooks' },
      { name: 'Datasets', description: 'Datasets, mapping profiles and their versions' },
      { name: 'Status', description: 'Expected deliveries per period' },
      { name: 'Service', description: 'Health, metrics and the keys receipts are signed with' },
    ],
  });
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const item of Object.values(paths)) {
    const get = item.get;
    if (get && !item.head) item.head = headOf(get);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const status of middlewareStatuses(method, op)) op.responses[status] ??= problem(status);
      for (const r of Object.values(op.responses)) {
        if ('$ref' in r) continue;
        const headers = (r.headers ?? {}) as Json;
        headers['X-Request-Id'] ??= header('XRequestId');
        r.headers = headers;
      }
    }
  }
  return doc;
}
