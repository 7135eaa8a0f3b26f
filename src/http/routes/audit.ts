import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { verifyChain } from '../../audit/chain';
import { clientAddressOf } from '../../auth/authenticate';
import { actorOf } from '../../auth/principal';
import type { AuthVariables } from '../auth';
import { HEADERS } from '../openapi';
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

const instant = z.string().datetime({ offset: true }).optional();

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
  summary: 'Recomputes the hash chain from the first event to the head',
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
          }),
        },
      },
    },
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
      description: 'One event per line, oldest first, each as GET /v1/audit lists it',
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
      { from: q.from, to: q.to, actor: q.actor, action: q.action, subject: q.delivery },
      q.cursor ?? null,
      q.limit,
    );
    return c.json(page, 200);
  });

  app.openapi(verify, async (c) => {
    const head = await services.metadata.auditHead();
    return c.json(await verifyChain(services.metadata.iterateAudit(), head), 200);
  });

  app.openapi(exportRoute, async (c) => {
    const q = c.req.valid('query');
    // An export is a read of the whole log: audited, committed before the first line goes out.
    await services.metadata.appendAudit([
      {
        actor: actorOf(c.get('principal')),
        action: 'audit.exported',
        subject: 'audit',
        details: { from: q.from ?? null, to: q.to ?? null, address: clientAddressOf(services, c) },
      },
    ]);
    const encoder = new TextEncoder();
    let cursor: string | null = null;
    let done = false;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (done) return controller.close();
        const page = await services.metadata.listAudit({ from: q.from, to: q.to }, cursor, 500);
        if (page.items.length)
          controller.enqueue(encoder.encode(page.items.map((e) => `${JSON.stringify(e)}\n`).join('')));
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
