import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { clientAddressOf } from '../../auth/authenticate';
import { actorOf, inScope, type Principal } from '../../auth/principal';
import { deliveryScope, mayReadDelivery } from '../../auth/visibility';
import { GatewayError } from '../../core/errors';
import { DELIVERY_STATUSES } from '../../core/vocabulary';
import { DEFAULT_BODY_LIMITS, deliveryBytes } from '../../pipeline/body';
import { checkIntakeRequest, intake } from '../../pipeline/intake';
import type { AuthVariables } from '../auth';
import { negotiate } from '../negotiate';
import { HEADERS, ownProblem, problem, RequestHeaders } from '../openapi';
import type { Services } from '../services';
import { DeliveryView, deliveryBody, deliveryView, PageQuery } from '../views';

const IdParam = z.object({
  id: z
    .string()
    .regex(/^dlv_[0-9A-Z]{26}$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const submit = createRoute({
  method: 'post',
  path: '/v1/deliveries',
  operationId: 'submitDelivery',
  tags: ['Deliveries'],
  summary: 'Submit one delivery; it is validated and every recipient extract is made in one pass',
  request: {
    query: z.object({
      dataset: z.string().min(1).max(64),
      municipality: z.string().min(1).max(8),
      period: z.string().min(1).max(16),
    }),
    headers: z.object({
      'idempotency-key': RequestHeaders.idempotencyKey,
      'content-encoding': RequestHeaders.contentEncoding,
    }),
    body: deliveryBody,
  },
  responses: {
    201: {
      description: 'Accepted; every extract exists',
      headers: { Location: HEADERS.Location },
      content: { 'application/json': { schema: DeliveryView } },
    },
    200: {
      description:
        "The same bytes are the slot's current delivery (also when another source sent them): that delivery, nothing accepted again",
      headers: { Location: HEADERS.Location },
      content: { 'application/json': { schema: DeliveryView } },
    },
    400: problem(400, 'Not well-formed, or a parameter does not fit'),
    403: problem(403, 'Outside the token scope'),
    409: problem(409, 'A delivery with this Idempotency-Key is still being received'),
    413: problem(413, 'Larger than the configured limit'),
    415: problem(415, 'Not XML, CSV or NDJSON, or an encoding the gateway does not read'),
    422: problem(
      422,
      'Rejected: the problem lists the first errors; the report has them all. Also an unknown dataset, municipality or period, or an Idempotency-Key used for another request',
    ),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/deliveries/{id}',
  operationId: 'getDelivery',
  tags: ['Deliveries'],
  summary: 'One delivery with its extracts and receipt',
  request: { params: IdParam },
  responses: {
    200: { description: 'The delivery', content: { 'application/json': { schema: DeliveryView } } },
    404: problem(404, 'No such delivery (or not yours)'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/deliveries',
  operationId: 'listDeliveries',
  tags: ['Deliveries'],
  summary: 'Deliveries, newest first',
  request: {
    query: z.object({
      dataset: z.string().max(64).optional(),
      municipality: z.string().max(8).optional(),
      period: z.string().max(16).optional(),
      status: z.enum(DELIVERY_STATUSES).optional(),
      ...PageQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of deliveries',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(DeliveryView), next: z.string().nullable() }),
        },
      },
    },
  },
});

const IssueView = z.object({
  record: z.number(),
  line: z.number().optional(),
  field: z.string().optional(),
  rule: z.string(),
  message: z.string(),
});

/** The validation report's forms, in the order a client that names none gets them. */
const REPORT_TYPES = ['application/json', 'text/csv'] as const;

const report = createRoute({
  method: 'get',
  path: '/v1/deliveries/{id}/report',
  operationId: 'getDeliveryReport',
  tags: ['Deliveries'],
  summary: 'The whole validation report (JSON, or CSV with Accept: text/csv)',
  request: {
    params: IdParam,
    headers: z.object({
      accept: RequestHeaders.accept.openapi({
        description:
          'application/json (the default) or text/csv, by quality (RFC 9110); one that names neither is 406',
      }),
    }),
  },
  responses: {
    200: {
      description: 'The report',
      headers: { Vary: HEADERS.VaryAccept },
      content: {
        'application/json': {
          schema: z.object({
            delivery: z.string(),
            status: z.string(),
            records: z.object({ total: z.number(), valid: z.number(), invalid: z.number() }).nullable(),
            errorCount: z.number(),
            problem: z.object({ code: z.string(), detail: z.string() }).nullable(),
            issues: z.array(IssueView),
            truncated: z.boolean(),
          }),
        },
        'text/csv': { schema: z.string() },
      },
    },
    404: problem(404, 'No such delivery (or not yours)'),
    406: ownProblem('Accept names neither application/json nor text/csv', { Vary: HEADERS.VaryAccept }),
  },
});

/**
 * One cell of the report CSV. Text that a spreadsheet would read as a formula (a leading =, +,
 * -, @, TAB or CR; OWASP's CSV injection rule) gets a leading single quote; numbers stay numbers.
 */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const raw = String(v);
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Requests whose body the intake began to read and refused before its end. */
const stoppedMidBody = new WeakSet<Request>();

export function deliveryRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.use('/v1/deliveries', async function closeAfterRefusal(c, next) {
    await next();
    // The intake stopped reading a body part-way: the connection cannot carry another
    // request, and the client must not try. (A refusal before the first byte is read lets
    // the server read past the rest as usual, so a client still sending gets its answer.)
    if (stoppedMidBody.has(c.req.raw)) c.header('connection', 'close');
  });

  app.openapi(submit, async (c) => {
    const p = c.get('principal');
    const q = c.req.valid('query');
    // What the request names must exist before scope is judged: an unknown dataset is 422, not 403.
    checkIntakeRequest(
      services.catalogue,
      { ...q, contentType: c.req.header('content-type') ?? '' },
      services.now(),
    );
    if (!inScope(p.datasets, q.dataset))
      throw new GatewayError('forbidden', `this token may not deliver dataset ${q.dataset}`);
    if (!inScope(p.municipalities, q.municipality))
      throw new GatewayError('forbidden', `this token may not deliver for municipality ${q.municipality}`);
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > services.limits.maxDeliveryBytes)
      throw new GatewayError(
        'payload_too_large',
        `the delivery is larger than ${services.limits.maxDeliveryBytes} bytes`,
      );
    const raw = c.req.raw.body;
    if (!raw) throw new GatewayError('not_well_formed', 'the delivery is empty');
    const body = deliveryBytes(raw, c.req.header('content-encoding'), {
      ...DEFAULT_BODY_LIMITS,
      maxBytes: services.limits.maxDeliveryBytes,
    });
    const started = performance.now();
    const timed = (outcome: string) =>
      services.metrics?.observe(
        'gateway_intake_duration_seconds',
        'Time from the first byte of a delivery to its answer, on this node',
        { dataset: q.dataset, outcome },
        (performance.now() - started) / 1000,
      );
    const result = await intake(
      { ...services, log: services.log },
      {
        dataset: q.dataset,
        municipality: q.municipality,
        period: q.period,
        source: p.subject,
        actor: actorOf(p),
        contentType: c.req.header('content-type') ?? '',
        idempotencyKey: c.req.header('idempotency-key') ?? null,
        body,
        bytesHint: c.req.header('content-length') ? length : null,
      },
    ).catch((e: unknown) => {
      timed(e instanceof GatewayError ? e.code : 'failed');
      stoppedMidBody.add(c.req.raw);
      throw e;
    });
    timed(result.status === 201 ? 'accepted' : 'repeated');
    c.header('location', `/v1/deliveries/${result.delivery.id}`);
    if (result.status === 201) services.pushes?.kick();
    return c.json(deliveryView(result.delivery, result.extracts, services.now()), result.status);
  });

  app.openapi(list, async (c) => {
    const p = c.get('principal');
    const q = c.req.valid('query');
    const scope = deliveryScope(p);
    if (!scope) return c.json({ items: [], next: null }, 200);
    // The scope is part of the query, so every page is full and the cursor stays within it.
    const page = await services.metadata.listDeliveries(
      { dataset: q.dataset, municipality: q.municipality, period: q.period, status: q.status, ...scope },
      q.cursor ?? null,
      q.limit,
    );
    const items = await Promise.all(
      page.items.map(async (d) =>
        deliveryView(
          d,
          (await services.metadata.listExtracts({ deliveryId: d.id }, null, 500)).items,
          services.now(),
        ),
      ),
    );
    return c.json({ items, next: page.next }, 200);
  });

  const load = async (p: Principal, id: string) => {
    const d = await services.metadata.getDelivery(id);
    if (!d || !mayReadDelivery(p, d)) throw new GatewayError('not_found', `there is no delivery ${id}`);
    return d;
  };

  app.openapi(get, async (c) => {
    const d = await load(c.get('principal'), c.req.valid('param').id);
    const extracts = await services.metadata.listExtracts({ deliveryId: d.id }, null, 500);
    return c.json(deliveryView(d, extracts.items, services.now()), 200);
  });

  app.openapi(report, async (c) => {
    const d = await load(c.get('principal'), c.req.valid('param').id);
    const issues = [];
    let cursor: string | null = null;
    do {
      const page = await services.metadata.listIssues(d.id, cursor, 1000);
      issues.push(...page.items);
      cursor = page.next;
    } while (cursor);
    c.header('vary', 'accept');
    const type = negotiate(c.req.header('accept'), REPORT_TYPES);
    if (!type)
      throw new GatewayError(
        'not_acceptable',
        'the validation report is offered as application/json and text/csv',
      );
    // A report says which records of a delivery failed which rule: each read is audited (a
    // HEAD sends no report and is none).
    if (c.req.method !== 'HEAD')
      await services.metadata.appendAudit([
        {
          actor: actorOf(c.get('principal')),
          action: 'delivery.report_read',
          subject: d.id,
          details: { format: type, address: clientAddressOf(services, c) },
        },
      ]);
    if (type === 'text/csv') {
      const lines = [
        'record,line,field,rule,message',
        ...issues.map((i) => [i.record, i.line, i.field, i.rule, i.message].map(csvCell).join(',')),
      ];
      return c.body(`${lines.join('\r\n')}\r\n`, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${d.id}-report.csv"`,
      });
    }
    return c.json(
      {
        delivery: d.id,
        status: d.status,
        records: d.records,
        errorCount: d.errorCount,
        problem: d.problem,
        issues,
        truncated: issues.length < d.errorCount,
      },
      200,
    );
  });

  return app;
}
