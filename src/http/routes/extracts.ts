import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { clientAddressOf } from '../../auth/authenticate';
import { actorOf, type Principal } from '../../auth/principal';
import { extractScope, mayReadExtract } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { EXTRACT_STATUSES } from '../../core/vocabulary';
import { acknowledge as giveWord, readExtract } from '../../pipeline/extract-access';
import { toReadableStream } from '../../stores/byte-stream';
import type { ExtractRecord } from '../../stores/metadata-store';
import type { ByteRange } from '../../stores/object-store';
import type { AuthVariables } from '../auth';
import { EXTRACT_CONTENT, HEADERS, ownProblem, problem, RequestHeaders } from '../openapi';
import { problemResponse } from '../problem';
import type { Services } from '../services';
import { ExtractView, extractView, PageQuery } from '../views';

const IdParam = z.object({
  id: z
    .string()
    .regex(/^ext_[0-9A-Z]{26}$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const LinkHeader = {
  description:
    'For a corrected extract, `</v1/extracts/{id}>; rel="successor-version"`; for a correction, `rel="predecessor-version"` too',
  schema: { type: 'string' as const },
};

const list = createRoute({
  method: 'get',
  path: '/v1/extracts',
  operationId: 'listExtracts',
  tags: ['Extracts'],
  summary: "This recipient's current extracts, oldest first (auditors and admins: every recipient's)",
  description:
    'Current extracts only (none replaced by a correction) unless `current=false`: then every extract, current or replaced. Naming a `status` or a `delivery` lists every extract that matches unless `current=true` is given too. Every filter narrows the list.',
  request: {
    query: z.object({
      status: z.enum(EXTRACT_STATUSES).optional(),
      dataset: z.string().max(64).optional(),
      municipality: z.string().max(8).optional(),
      period: z.string().max(16).optional(),
      delivery: z.string().max(40).optional(),
      current: z.enum(['true', 'false']).optional().openapi({
        description: 'true (the default): current extracts only; false: current and replaced ones',
      }),
      ...PageQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of extracts',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(ExtractView), next: z.string().nullable() }),
        },
      },
    },
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/extracts/{id}',
  operationId: 'getExtract',
  tags: ['Extracts'],
  summary: 'Extract metadata: the delivery it came from, the profile version, lawful use',
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The extract',
      headers: { Link: LinkHeader },
      content: { 'application/json': { schema: ExtractView } },
    },
    404: problem(404, 'No such extract (or not yours)'),
  },
});

const contentHeaders = {
  Link: LinkHeader,
  ETag: HEADERS.ETag,
  'Content-Disposition': HEADERS.ContentDisposition,
  'Accept-Ranges': { description: 'bytes', schema: { type: 'string' as const }, required: true },
};

const content = createRoute({
  method: 'get',
  path: '/v1/extracts/{id}/content',
  operationId: 'getExtractContent',
  tags: ['Extracts'],
  summary: 'The extract bytes; ETag is the sha256, Range is honoured; the first download marks it fetched',
  description:
    "The Content-Type is the extract's own (its `contentType`): XML, CSV, NDJSON, JSON, a zip or gzip package, or `application/octet-stream` for an age file its profile encrypts to the recipient. HEAD answers the same headers and changes nothing.",
  request: {
    params: IdParam,
    headers: z.object({
      range: RequestHeaders.range,
      'if-none-match': RequestHeaders.ifNoneMatch,
      'if-range': RequestHeaders.ifRange,
    }),
  },
  responses: {
    200: { description: 'The bytes', headers: contentHeaders, content: EXTRACT_CONTENT },
    206: {
      description: 'A range of the bytes',
      headers: { ...contentHeaders, 'Content-Range': HEADERS.ContentRange },
      content: EXTRACT_CONTENT,
    },
    304: { description: 'Not modified (If-None-Match)', headers: { ETag: HEADERS.ETag } },
    404: problem(404, 'No such extract (or not yours)'),
    410: ownProblem('The extract was purged'),
    416: ownProblem('Range not satisfiable', { 'Content-Range': HEADERS.ContentRange }),
  },
});

const retryPush = createRoute({
  method: 'post',
  path: '/v1/extracts/{id}/push',
  operationId: 'retryExtractPush',
  tags: ['Extracts'],
  summary: 'Tries a failed push again, its attempts counted afresh (admin)',
  request: { params: IdParam },
  responses: {
    202: { description: 'The push is due again', content: { 'application/json': { schema: ExtractView } } },
    404: problem(404, 'No such extract, or it is not pushed'),
    409: problem(409, 'The push has not failed'),
  },
});

const acknowledge = createRoute({
  method: 'post',
  path: '/v1/extracts/{id}/receipts',
  operationId: 'acknowledgeExtract',
  tags: ['Extracts'],
  summary: "The recipient's acknowledgement: accepted, or refused with a reason",
  request: {
    params: IdParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.discriminatedUnion('status', [
            z.object({ status: z.literal('accepted') }).strict(),
            z
              .object({
                status: z.literal('refused'),
                reason: z
                  .string()
                  .max(2000)
                  .refine((r) => r.trim() !== '', 'a refusal says why: the reason is empty'),
              })
              .strict(),
          ]),
        },
      },
    },
  },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: ExtractView } } },
    404: problem(404, 'No such extract (or not yours)'),
    409: problem(409, 'Already acknowledged, or no longer current'),
  },
});

/** The entity tags of an If-None-Match or If-Range value; '*' stands alone. */
function entityTags(header: string): Array<{ weak: boolean; opaque: string }> | '*' {
  if (header.trim() === '*') return '*';
  return [...header.matchAll(/(W\/)?("[^"]*")/g)].map((m) => ({ weak: !!m[1], opaque: m[2] as string }));
}

/** If-None-Match by weak comparison (RFC 9110 13.1.2): does any listed tag name this entity? */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = entityTags(header);
  return tags === '*' || tags.some((t) => t.opaque === etag);
}

/**
 * If-Range (RFC 9110 13.1.5): the range applies only when the validator is a strong entity
 * tag that strongly matches. A weak tag, another tag or a date (there is no Last-Modified)
 * means the client's copy may be stale: the whole body.
 */
function ifRangeHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = entityTags(header);
  if (tags === '*' || tags.length !== 1) return false;
  const [tag] = tags;
  return !!tag && !tag.weak && tag.opaque === etag && header.trim() === etag;
}

function parseRange(header: string | undefined, size: number): ByteRange | null | 'invalid' {
  if (!header) return null;
  // Another unit, or several ranges: the whole body (RFC 9110 14.2 lets a server ignore Range).
  if (!/^bytes=/i.test(header.trim()) || header.includes(',')) return null;
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

/**
 * The extract's place among corrections as links (RFC 5829): `successor-version` names the
 * extract that replaced it, `predecessor-version` the one it replaced.
 */
export function lineageLinks(e: Pick<ExtractRecord, 'replaces' | 'replacedBy'>): Record<string, string> {
  const links = [
    ...(e.replacedBy ? [`</v1/extracts/${e.replacedBy}>; rel="successor-version"`] : []),
    ...(e.replaces ? [`</v1/extracts/${e.replaces}>; rel="predecessor-version"`] : []),
  ];
  return links.length ? { link: links.join(', ') } : {};
}

export function extractRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  // Payloads and acknowledgements are the recipient's alone.

  const load = async (p: Principal, id: string) => {
    const e = await services.metadata.getExtract(id);
    if (!e || !mayReadExtract(p, e)) throw new GatewayError('not_found', `there is no extract ${id}`);
    return e;
  };

  app.openapi(list, async (c) => {
    const p = c.get('principal');
    const q = c.req.valid('query');
    const scope = extractScope(p);
    if (!scope) return c.json({ items: [], next: null }, 200);
    const onlyCurrent = (q.current ?? (q.status || q.delivery ? 'false' : 'true')) === 'true';
    const page = await services.metadata.listExtracts(
      {
        ...scope,
        status: q.status,
        dataset: q.dataset,
        municipality: q.municipality,
        period: q.period,
        deliveryId: q.delivery,
        ...(onlyCurrent ? { current: true } : {}),
      },
      q.cursor ?? null,
      q.limit,
    );
    return c.json({ items: page.items.map((e) => extractView(e, services.now())), next: page.next }, 200);
  });

  app.openapi(get, async (c) => {
    const e = await load(c.get('principal'), c.req.valid('param').id);
    return c.json(
      extractView(
        e,
        services.now(),
        await services.metadata.getPush(e.id),
        (await services.metadata.getDelivery(e.deliveryId))?.receipt ?? null,
      ),
      200,
      lineageLinks(e),
    );
  });

  app.openapi(retryPush, async (c) => {
    const p = c.get('principal');
    const e = await load(p, c.req.valid('param').id);
    const push = await services.metadata.getPush(e.id);
    if (!push) throw new GatewayError('not_found', `extract ${e.id} is not pushed; its recipient fetches it`);
    const retried = await services.metadata.retryPush(e.id, services.now().toISOString(), actorOf(p));
    if (!retried)
      throw new GatewayError('conflict', `the push of extract ${e.id} is ${push.status}, not failed`);
    services.pushes?.kick();
    return c.json(extractView(e, services.now(), retried), 202);
  });

  app.openapi(content, async (c) => {
    const p = c.get('principal');
    const e = await load(p, c.req.valid('param').id);
    if (e.status === 'purged') throw new GatewayError('gone', `extract ${e.id} was purged`);
    const etag = `"${e.sha256}"`;
    const headers: Record<string, string> = {
      etag,
      'accept-ranges': 'bytes',
      'content-type': e.contentType,
      'content-disposition': `attachment; filename="${e.fileName}"`,
      'cache-control': 'private, no-store',
      ...lineageLinks(e),
    };
    if (noneMatchHits(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    const range = ifRangeHolds(c.req.header('if-range'), etag)
      ? parseRange(c.req.header('range'), e.bytes)
      : null;
    if (range === 'invalid') {
      return problemResponse(
        c,
        new GatewayError(
          'range_not_satisfiable',
          `the extract is ${e.bytes} bytes; that range is outside it`,
        ),
        {
          etag,
          'accept-ranges': 'bytes',
          'cache-control': 'no-store',
          'content-range': `bytes */${e.bytes}`,
        },
      );
    }
    if (c.req.method === 'HEAD') {
      // What a GET would answer, without reading the bytes: no fetched mark, no audit event.
      const length = range ? range.end - range.start + 1 : e.bytes;
      return c.body(null, range ? 206 : 200, {
        ...headers,
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${e.bytes}` } : {}),
        'content-length': String(length),
      });
    }
    const stream = await readExtract(services, p, e, range, clientAddressOf(services, c));
    if (range) {
      return c.body(toReadableStream(stream), 206, {
        ...headers,
        'content-range': `bytes ${range.start}-${range.end}/${e.bytes}`,
        'content-length': String(range.end - range.start + 1),
      });
    }
    const body = toReadableStream(stream, {
      expectSha256: e.sha256,
      onMismatch: (actual) =>
        services.log.error(
          { extractId: e.id, expected: e.sha256, actual },
          'extract bytes do not match their sha256',
        ),
    });
    return c.body(body, 200, { ...headers, 'content-length': String(e.bytes) });
  });

  app.openapi(acknowledge, async (c) => {
    const p = c.get('principal');
    const e = await load(p, c.req.valid('param').id);
    const acknowledged = await giveWord(services, p, e, c.req.valid('json'));
    return c.json(extractView(acknowledged, services.now()), 201);
  });

  return app;
}
