import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { RateLimiter } from '../auth/rate-limiter';
import { ReportGate } from '../auth/report-gate';
import { ERROR_CODES, GatewayError } from '../core/errors';
import { newId } from '../core/ids';
import { mayHoldCpr, nameAsShown } from '../core/value-shape';
import { dashboard } from '../web/dashboard';
import { authorize, unlessPublic } from './access';
import { type AuthVariables, authenticated } from './auth';
import { renderApiReference, renderProblemType } from './docs';
import { clientErrorOf, methodNotAllowed, pathAsShown, refuseBadUrls, requireJsonBodies } from './input';
import { principalRateLimit, throughReportGate } from './limits';
import { Metrics } from './metrics';
import { apiDocument } from './openapi';
import { problemResponse } from './problem';
import { auditRoutes } from './routes/audit';
import { datasetRoutes } from './routes/datasets';
import { deliveryRoutes } from './routes/deliveries';
import { dictionaryRoutes } from './routes/dictionary';
import { extractRoutes } from './routes/extracts';
import { publishedRoutes } from './routes/published';
import { qualityRoutes } from './routes/quality';
import { registerRoutes } from './routes/register';
import { revalidationRoutes } from './routes/revalidations';
import { runRoutes } from './routes/runs';
import { serviceRoutes } from './routes/service';
import { statusRoutes } from './routes/status';
import { subscriptionRoutes } from './routes/subscriptions';
import { tokenRoutes } from './routes/tokens';
import type { Services } from './services';

export type AppVariables = AuthVariables & { requestId: string };

/** The whole HTTP interface; runtime-neutral (Node and Workers serve the same app). */
export function createApp(
  services: Services,
  extra?: (app: OpenAPIHono<{ Variables: AppVariables }>) => void,
) {
  const app = new OpenAPIHono<{ Variables: AppVariables }>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new GatewayError('bad_request', 'the request does not fit the interface', {
          // Keys and paths are the client's words: repeated only when they cannot hold a CPR number.
          errors: result.error.issues.map((i) => ({
            path: i.path.map((seg) => (typeof seg === 'number' ? seg : nameAsShown(String(seg)))).join('.'),
            message:
              i.code === 'unrecognized_keys'
                ? `unrecognized key${i.keys.length > 1 ? 's' : ''}: ${i.keys.map(nameAsShown).join(', ')}`
                : i.message,
          })),
        });
      }
    },
  });

  app.use('*', async function requestId(c, next) {
    const incoming = c.req.header('x-request-id');
    // A client's id is kept when it is plain and holds nothing shaped like a CPR number.
    const id =
      incoming && /^[\w.-]{1,64}$/.test(incoming) && !mayHoldCpr(incoming) ? incoming : newId('key').slice(4);
    c.set('requestId', id);
    await next();
    c.header('x-request-id', id);
  });
  app.use('*', async function noStore(c, next) {
    await next();
    // Answers hold what a token may read: no cache keeps them, unless a route said otherwise.
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  app.use(
    '*',
    secureHeaders({
      crossOriginResourcePolicy: 'same-origin',
      contentSecurityPolicy: { defaultSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"] },
    }),
  );
  // No cross-origin browser access unless origins are configured.
  if (services.corsOrigins?.length)
    app.use(
      '*',
      cors({
        origin: services.corsOrigins,
        allowHeaders: [
          'authorization',
          'content-type',
          'content-encoding',
          'idempotency-key',
          'if-none-match',
          'range',
        ],
        exposeHeaders: ['etag', 'location', 'retry-after', 'x-request-id', 'content-disposition'],
        maxAge: 600,
      }),
    );
  services.metrics ??= new Metrics();
  const metrics = services.metrics;
  app.use('*', async function accessLog(c, next) {
    const start = performance.now();
    await next();
    metrics.count('gateway_http_requests_total', 'HTTP requests answered by this node', {
      method: c.req.method,
      status: String(c.res.status),
    });
    // Paths carry ids only, never personal data; query strings are left out all the same.
    services.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: pathAsShown(c.req.path),
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  });

  app.onError((err, c) => {
    const known = clientErrorOf(err);
    if (!known) services.log.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    else if (!(err instanceof GatewayError))
      services.log.warn({ requestId: c.get('requestId'), status: known.status }, 'refused input');
    // A route whose answer varies by a header (Accept) says so on its refusals too.
    const vary = c.res.headers.get('vary');
    return problemResponse(c, known ?? err, vary ? { vary } : {});
  });
  app.notFound((c) =>
    problemResponse(
      c,
      methodNotAllowed(app, c) ??
        new GatewayError('not_found', `no route for ${c.req.method} ${pathAsShown(c.req.path)}`),
    ),
  );
  app.use('*', refuseBadUrls());
  app.use('*', async function readUnwantedBody(c, next) {
    // A body on a method whose routes read none is read (up to 1 MiB) before the answer, so a
    // client still sending it gets the answer instead of a connection closed under it.
    const body = c.req.raw.body;
    if (body && ['GET', 'HEAD', 'DELETE'].includes(c.req.method)) {
      const reader = body.getReader();
      try {
        for (let n = 0; n <= 1 << 20; ) {
          const { done, value } = await reader.read();
          if (done) break;
          n += value.byteLength;
        }
      } catch {
        // A body cut off is the client's; the answer goes out all the same.
      }
    }
    await next();
  });

  // /metrics is for Prometheus, signed in like the API; the access table says who.
  app.use('/metrics', authenticated(services), authorize());
  app.route('/', serviceRoutes(services, metrics));

  // Every /v1 route signs in, except the published schemas and examples (access.ts, PUBLIC_ROUTES).
  app.use('/v1/*', unlessPublic(authenticated(services)));
  const perMinute = services.limits.requestsPerMinute ?? 0;
  app.use(
    '/v1/*',
    unlessPublic(principalRateLimit(perMinute > 0 ? new RateLimiter(perMinute, services.now) : null)),
  );
  app.use('/v1/*', unlessPublic(authorize()));
  // The reports over many slots, on the API and the dashboard, share one gate a node.
  const reports = new ReportGate(services.limits.reportsAtOnce ?? 1);
  for (const path of [
    '/v1/status',
    '/v1/quality',
    '/v1/reports/consolidation',
    '/v1/runs/:id/summary',
    // The whole audit log: verified, or its export begun.
    '/v1/audit/verify',
    '/v1/audit/export',
  ])
    app.get(path, throughReportGate(reports));
  app.post('/v1/runs', throughReportGate(reports));
  app.use('/v1/*', requireJsonBodies(app as never));
  app.route('/', deliveryRoutes(services));
  app.route('/', extractRoutes(services));
  app.route('/', auditRoutes(services));
  app.route('/', tokenRoutes(services));
  app.route('/', subscriptionRoutes(services));
  app.route('/', datasetRoutes(services));
  app.route('/', publishedRoutes(services));
  app.route('/', dictionaryRoutes(services));
  app.route('/', revalidationRoutes(services));
  app.route('/', statusRoutes(services));
  app.route('/', runRoutes(services));
  app.route('/', qualityRoutes(services));
  app.route('/', registerRoutes(services));

  const info = {
    title: 'Delivery gateway',
    version: services.version,
    description:
      'One current delivery per dataset, municipality and period in, from any authorised source system; every recipient extract out, signed, acknowledged and audited.',
  };
  let document: ReturnType<typeof apiDocument> | null = null;
  // Made once, on first request: every route is registered by then.
  const openApi = () => {
    document ??= apiDocument(app as never, info);
    return document;
  };
  app.get('/openapi.json', (c) => c.json(openApi()));
  app.get('/docs', (c) => c.html(renderApiReference(openApi() as never)));
  app.get('/problems/:code', (c) => {
    const code = c.req.param('code');
    const html = Object.hasOwn(ERROR_CODES, code) ? renderProblemType(code) : null;
    return html ? c.html(html) : problemResponse(c, new GatewayError('not_found', 'no such problem type'));
  });

  app.route('/', dashboard(services, reports));
  extra?.(app);
  return app;
}
