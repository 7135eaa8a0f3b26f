import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { gauge, type Metrics } from '../metrics';
import type { Services } from '../services';

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Whether the metadata and object stores answer',
  security: [],
  responses: {
    200: {
      description: 'Both stores answer',
      content: {
        'application/json': { schema: z.object({ status: z.literal('ok'), version: z.string() }) },
      },
    },
    503: {
      description: 'A store does not answer',
      content: { 'application/json': { schema: z.object({ status: z.literal('unavailable') }) } },
    },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['Service'],
  summary:
    'Prometheus text for an auditor or admin: counts from the database and this node, no personal data',
  responses: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
});

const Jwk = z
  .object({
    kty: z.string().optional(),
    kid: z.string().optional(),
    alg: z.string().optional(),
    use: z.string().optional(),
    crv: z.string().optional(),
    x: z.string().optional(),
  })
  .passthrough()
  .openapi('Jwk', { description: 'A public key (OKP, Ed25519), with its kid, alg EdDSA and use sig' });

const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  tags: ['Service'],
  summary:
    "The public keys receipts are signed with (retired ones included) and the audit key the audit chain's checkpoints are signed with, for verification offline",
  security: [],
  responses: {
    200: {
      description: 'A JWK set (RFC 7517); cacheable for five minutes',
      content: { 'application/json': { schema: z.object({ keys: z.array(Jwk) }) } },
    },
  },
});

/** The routes outside /v1: health for load balancers, metrics for Prometheus, the JWKS for anyone. */
export function serviceRoutes(services: Services, metrics: Metrics) {
  const app = new OpenAPIHono();

  app.openapi(health, async (c) => {
    try {
      await Promise.all([services.metadata.ping(), services.objects.ping()]);
      return c.json({ status: 'ok' as const, version: services.version }, 200);
    } catch (err) {
      services.log.error({ err }, 'health check failed');
      return c.json({ status: 'unavailable' as const }, 503);
    }
  });

  app.openapi(metricsRoute, async (c) => {
    // Signed in and authorized by the app's middleware, like /v1: counts, no personal data.
    const stats = await services.metadata.statistics();
    const body = [
      gauge(
        'gateway_deliveries',
        'Deliveries in the metadata store by dataset and status',
        stats.deliveries.map((d) => ({ labels: { dataset: d.dataset, status: d.status }, value: d.count })),
      ),
      gauge(
        'gateway_delivery_records',
        'Records of those deliveries by dataset and status',
        stats.deliveries.map((d) => ({ labels: { dataset: d.dataset, status: d.status }, value: d.records })),
      ),
      gauge(
        'gateway_delivery_bytes',
        'Bytes of those deliveries by dataset and status',
        stats.deliveries.map((d) => ({ labels: { dataset: d.dataset, status: d.status }, value: d.bytes })),
      ),
      gauge(
        'gateway_extracts',
        'Extracts by recipient and status',
        stats.extracts.map((e) => ({ labels: { recipient: e.recipient, status: e.status }, value: e.count })),
      ),
      gauge(
        'gateway_pushes',
        'Pushes by status',
        stats.pushes.map((e) => ({ labels: { status: e.status }, value: e.count })),
      ),
      metrics.render(),
    ].join('\n');
    return c.text(`${body}\n`, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.openapi(jwks, async (c) => {
    c.header('cache-control', 'public, max-age=300');
    // The receipt keys, and the audit key that signs the audit chain's checkpoints.
    const receipts = await services.signer.jwks();
    return c.json({ keys: [...receipts.keys, services.auditKey.publicJwk] }, 200);
  });

  return app;
}
