import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { verifyWithCheckpoints } from '../../audit/checkpoint';
import { clientAddressOf } from '../../auth/authenticate';
import { actorOf } from '../../auth/principal';
import { GatewayError } from '../../core/errors';
import { checkpointAudit } from '../../jobs/audit-checkpoints';
import { allCheckpoints, checkpointsUpTo } from '../audit-checkpoints';
import type { AuthVariables } from '../auth';
import { HEADERS, problem } from '../openapi';
import type { Services } from '../services';
import { SeqPageQuery } from '../views';

const AuditEventView = z
  .object({
    seq: z.number(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEvent');

/**
 * An instant (ISO 8601 with an offset) in the years a database can hold, 1900–9999, read as
 * UTC: an offset the database would refuse (beyond ±15:59) is the same instant in UTC.
 */
const instant = z
  .string()
  .datetime({ offset: true })
  .refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 1900 && year <= 9999;
  }, 'an instant in the years 1900–9999')
  .transform((v) => new Date(v).toISOString())
  .optional();

const list = createRoute({
  method: 'get',
  path: '/v1/audit',
  operationId: 'listAuditEvents',
  tags: ['Audit'],
  summary: 'Audit events, oldest first',
  request: {
    query: z.object({
      from: instant,
      to: instant,
      actor: z.string().max(200).optional(),
      action: z.string().max(100).optional(),
      delivery: z.string().max(40).optional(),
      municipality: z
        .string()
        .regex(/^\d{3}$/)
        .optional()
        .openapi({ description: 'Events whose details name this municipality' }),
      ...SeqPageQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of events',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(AuditEventView), next: z.string().nullable() }),
        },
      },
    },
  },
});

const verify = createRoute({
  method: 'get',
  path: '/v1/audit/verify',
  operationId: 'verifyAuditChain',
  tags: ['Audit'],
  summary:
    'Recomputes the hash chain from the first event to the head, and checks it against every signed checkpoint',
  description:
    'Each checkpoint (in the database and in the object store) must be signed by the audit key of the JWKS and name the hash the chain holds at its sequence number: a chain rewritten and hashed again is caught at the first checkpoint after the change.',
  responses: {
    200: {
      description: 'The verdict',
      content: {
        'application/json': {
          schema: z.object({
            valid: z.boolean(),
            events: z.number(),
            head: z.string(),
            brokenAt: z.number().optional(),
            reason: z.string().optional(),
            checkpoints: z.number().int().openapi({
              description: 'Signed checkpoints whose signature and head were checked against the chain',
            }),
          }),
        },
      },
    },
  },
});

const CheckpointView = z
  .object({
    seq: z.number().int(),
    head: z.string(),
    at: z.string(),
    jws: z.string().openapi({
      description:
        'Compact JWS (EdDSA, typ audit-checkpoint+jwt, kid in /.well-known/jwks.json) over {seq, head, at}',
    }),
  })
  .openapi('AuditCheckpoint');

const checkpoints = createRoute({
  method: 'get',
  path: '/v1/audit/checkpoints',
  operationId: 'listAuditCheckpoints',
  tags: ['Audit'],
  summary: 'Signed checkpoints over the audit chain, oldest first',
  request: { query: z.object({ ...SeqPageQuery }) },
  responses: {
    200: {
      description: 'A page of checkpoints',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(CheckpointView), next: z.string().nullable() }),
        },
      },
    },
  },
});

const checkpointNow = createRoute({
  method: 'post',
  path: '/v1/audit/checkpoints',
  operationId: 'makeAuditCheckpoint',
  tags: ['Audit'],
  summary: "Signs a checkpoint of the chain's head now",
  responses: {
    201: {
      description: 'A checkpoint was signed',
      content: { 'application/json': { schema: CheckpointView } },
    },
    200: {
      description: 'No event followed the latest checkpoint: that one',
      content: { 'application/json': { schema: CheckpointView } },
    },
    409: problem(409, 'The chain has no event yet'),
  },
});

/** Keyed by a plain string: the route typing would read application/x-ndjson as JSON. */
const ndjson: Record<string, { schema: z.ZodString }> = {
  'application/x-ndjson': { schema: z.string().openapi({ description: 'Lines of AuditEvent JSON' }) },
};

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/audit/export',
  operationId: 'exportAuditEvents',
  tags: ['Audit'],
  summary: 'The events as NDJSON, for archiving and offline verification',
  request: { query: z.object({ from: instant, to: instant }) },
  responses: {
    200: {
      description:
        'One event per line, oldest first, each as GET /v1/audit lists it; after an event a signed checkpoint names, a line {"checkpoint": "<jws>"}',
      headers: { 'Content-Disposition': HEADERS.ContentDisposition },
      content: ndjson,
    },
  },
});

export function auditRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await services.metadata.listAudit(
      {
        from: q.from,
        to: q.to,
        actor: q.actor,
        action: q.action,
        subject: q.delivery,
        municipality: q.municipality,
      },
      q.cursor ?? null,
      q.limit,
    );
    return c.json(page, 200);
  });

  app.openapi(verify, async (c) => {
    const head = await services.metadata.auditHead();
    const verdict = await verifyWithCheckpoints(
      services.metadata.iterateAudit(),
      await allCheckpoints(services),
      [services.auditKey.publicJwk],
      head,
    );
    return c.json({ ...verdict, checkpoints: verdict.checkpoints ?? 0 }, 200);
  });

  app.openapi(checkpoints, async (c) => {
    const q = c.req.valid('query');
    return c.json(await services.metadata.listAuditCheckpoints(q.cursor ?? null, q.limit), 200);
  });

  app.openapi(checkpointNow, async (c) => {
    const { made, checkpoint } = await checkpointAudit(services, true);
    if (!checkpoint) throw new GatewayError('conflict', 'the audit chain has no event yet');
    return c.json(checkpoint, made ? 201 : 200);
  });

  app.openapi(exportRoute, async (c) => {
    const q = c.req.valid('query');
    // An export is a read of the whole log: audited, committed before the first line goes out
    // (a HEAD sends none and is none).
    if (c.req.method !== 'HEAD')
      await services.metadata.appendAudit([
        {
          actor: actorOf(c.get('principal')),
          action: 'audit.exported',
          subject: 'audit',
          details: { from: q.from ?? null, to: q.to ?? null, address: clientAddressOf(services, c) },
        },
      ]);
    const encoder = new TextEncoder();
    const checkpoints = checkpointsUpTo(services);
    const signedIn = async (events: ReadonlyArray<{ seq: number }>) => {
      const last = events[events.length - 1];
      return last ? checkpoints(last.seq) : new Map<number, string>();
    };
    let cursor: string | null = null;
    let done = false;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (done) return controller.close();
        const page = await services.metadata.listAudit({ from: q.from, to: q.to }, cursor, 500);
        // Each checkpoint follows the event it signed, as {"checkpoint": "<jws>"}.
        const lines: string[] = [];
        const signed = await signedIn(page.items);
        for (const e of page.items) {
          lines.push(JSON.stringify(e));
          const jws = signed.get(e.seq);
          if (jws) lines.push(JSON.stringify({ checkpoint: jws }));
        }
        if (lines.length) controller.enqueue(encoder.encode(`${lines.join('\n')}\n`));
        cursor = page.next;
        if (!cursor) done = true;
      },
    });
    return c.body(stream, 200, {
      'content-type': 'application/x-ndjson',
      'content-disposition': 'attachment; filename="audit.ndjson"',
    });
  });

  return app;
}
