import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, type Principal } from '../../auth/principal';
import { GatewayError } from '../../core/errors';
import { newId } from '../../core/ids';
import { WEBHOOK_EVENTS, WEBHOOK_MESSAGE_STATUSES } from '../../core/vocabulary';
import { WEBHOOK_EVENTS_BY_ROLE } from '../../core/webhook-routing';
import { newWebhookSecret } from '../../core/webhook-signature';
import { refusedWebhookUrl } from '../../pipeline/webhooks';
import type { SubscriptionRecord, WebhookMessageRecord } from '../../stores/metadata-store';
import type { AuthVariables } from '../auth';
import { problem } from '../openapi';
import type { Services } from '../services';
import { PageQuery } from '../views';

/** Subscriptions one token may hold at once: a client cannot make the gateway call out without end. */
export const MAX_SUBSCRIPTIONS_PER_TOKEN = 10;

const SubscriptionView = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    role: z.string(),
    subject: z.string(),
    createdAt: z.string(),
  })
  .openapi('Subscription');

const MessageView = z
  .object({
    id: z.string().openapi({ description: 'The `webhook-id` header of every attempt' }),
    event: z.enum(WEBHOOK_EVENTS),
    subject: z.string().openapi({ description: 'What it is about; messages of one subject go out in order' }),
    status: z.enum(WEBHOOK_MESSAGE_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
  })
  .openapi('WebhookMessage');

const subscriptionView = (s: SubscriptionRecord): z.infer<typeof SubscriptionView> => ({
  id: s.id,
  url: s.url,
  events: s.events,
  role: s.role,
  subject: s.subject,
  createdAt: s.createdAt,
});

const messageView = (m: WebhookMessageRecord): z.infer<typeof MessageView> => ({
  id: m.id,
  event: m.event,
  subject: m.subject,
  status: m.status,
  attempts: m.attempts,
  nextAttemptAt: m.status === 'pending' ? m.nextAttemptAt : null,
  lastError: m.lastError,
  createdAt: m.createdAt,
  deliveredAt: m.deliveredAt,
  payload: m.payload,
});

const IdParam = z.object({
  id: z
    .string()
    .regex(/^sub_[0-9A-Z]{26}$/)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const create = createRoute({
  method: 'post',
  path: '/v1/subscriptions',
  operationId: 'createSubscription',
  tags: ['Webhooks'],
  summary: 'Subscribe a URL to events; the signing secret is in this answer only',
  description:
    "A source hears of its own deliveries and their extracts and of its municipalities' obligations, a recipient of its own extracts, an admin of everything; each of the runs. Messages follow Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: z.string().min(1).max(2000),
              events: z
                .array(z.enum(WEBHOOK_EVENTS))
                .min(1)
                .refine((l) => new Set(l).size === l.length, 'an event is named twice'),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The subscription, with its signing secret (`whsec_…`), shown once',
      content: { 'application/json': { schema: SubscriptionView.extend({ secret: z.string() }) } },
    },
    422: problem(
      422,
      'A URL that cannot be used, an event this role cannot hear of, or too many subscriptions',
    ),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/subscriptions',
  operationId: 'listSubscriptions',
  tags: ['Webhooks'],
  summary: "This token's subscriptions (an admin: everyone's), oldest first",
  responses: {
    200: {
      description: 'The subscriptions',
      content: { 'application/json': { schema: z.object({ items: z.array(SubscriptionView) }) } },
    },
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/subscriptions/{id}',
  operationId: 'getSubscription',
  tags: ['Webhooks'],
  summary: 'One subscription',
  request: { params: IdParam },
  responses: {
    200: { description: 'The subscription', content: { 'application/json': { schema: SubscriptionView } } },
    404: problem(404, 'No such subscription (or not yours)'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/subscriptions/{id}',
  operationId: 'deleteSubscription',
  tags: ['Webhooks'],
  summary: 'Ends a subscription; messages still waiting are not sent',
  request: { params: IdParam },
  responses: {
    204: { description: 'Ended' },
    404: problem(404, 'No such subscription (or not yours)'),
  },
});

const messages = createRoute({
  method: 'get',
  path: '/v1/subscriptions/{id}/messages',
  operationId: 'listWebhookMessages',
  tags: ['Webhooks'],
  summary: "A subscription's messages, newest first; `status=failed` lists the dead letters",
  request: {
    params: IdParam,
    query: z.object({ status: z.enum(WEBHOOK_MESSAGE_STATUSES).optional(), ...PageQuery }),
  },
  responses: {
    200: {
      description: 'A page of messages',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(MessageView), next: z.string().nullable() }),
        },
      },
    },
    404: problem(404, 'No such subscription (or not yours)'),
  },
});

const resend = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{id}/messages/{message}/retry',
  operationId: 'retryWebhookMessage',
  tags: ['Webhooks'],
  summary: 'Sends a given-up (dead-lettered) message again, its attempts counted afresh (admin)',
  request: {
    params: IdParam.extend({
      message: z
        .string()
        .regex(/^msg_[0-9A-Z]{26}$/)
        .openapi({ param: { name: 'message', in: 'path' } }),
    }),
  },
  responses: {
    202: { description: 'Due again', content: { 'application/json': { schema: MessageView } } },
    404: problem(404, 'No such message'),
    409: problem(409, 'The message has not failed'),
  },
});

export function subscriptionRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const { seal, settings } = services.webhooks;

  const load = async (p: Principal, id: string) => {
    const s = await services.metadata.getSubscription(id);
    if (!s || s.deletedAt !== null || (p.role !== 'admin' && s.tokenId !== p.tokenId))
      throw new GatewayError('not_found', `there is no subscription ${id}`);
    return s;
  };

  app.openapi(create, async (c) => {
    const p = c.get('principal');
    const body = c.req.valid('json');
    const allowed = WEBHOOK_EVENTS_BY_ROLE[p.role] ?? [];
    const outside = body.events.filter((e) => !allowed.includes(e));
    if (outside.length)
      throw new GatewayError('unprocessable', `a ${p.role} token cannot subscribe to ${outside.join(', ')}`);
    const refused = refusedWebhookUrl(body.url, settings.allowHosts);
    // The URL is not repeated back: it is the client's own text.
    if (refused) throw new GatewayError('unprocessable', `the url is ${refused}`);
    const mine = await services.metadata.listSubscriptions({ tokenIds: [p.tokenId] });
    if (mine.length >= MAX_SUBSCRIPTIONS_PER_TOKEN)
      throw new GatewayError(
        'unprocessable',
        `a token holds at most ${MAX_SUBSCRIPTIONS_PER_TOKEN} subscriptions; delete one first`,
      );
    const id = newId('sub');
    const secret = newWebhookSecret();
    const at = services.now().toISOString();
    const created = await services.metadata.createSubscription(
      {
        id,
        tokenId: p.tokenId,
        role: p.role,
        subject: p.subject,
        recipient: p.recipient,
        municipalities: [...p.municipalities],
        datasets: [...p.datasets],
        url: body.url,
        events: body.events,
        sealedSecret: await seal.seal(id, secret),
        createdAt: at,
      },
      {
        actor: actorOf(p),
        action: 'subscription.created',
        subject: id,
        details: { events: body.events, origin: new URL(body.url).origin },
      },
    );
    return c.json({ ...subscriptionView(created), secret }, 201);
  });

  app.openapi(list, async (c) => {
    const p = c.get('principal');
    const items = await services.metadata.listSubscriptions(
      p.role === 'admin' ? {} : { tokenIds: [p.tokenId] },
    );
    return c.json({ items: items.map(subscriptionView) }, 200);
  });

  app.openapi(get, async (c) => {
    const s = await load(c.get('principal'), c.req.valid('param').id);
    return c.json(subscriptionView(s), 200);
  });

  app.openapi(remove, async (c) => {
    const p = c.get('principal');
    const s = await load(p, c.req.valid('param').id);
    await services.metadata.deleteSubscription(s.id, services.now().toISOString(), {
      actor: actorOf(p),
      action: 'subscription.deleted',
      subject: s.id,
      details: {},
    });
    return c.body(null, 204);
  });

  app.openapi(messages, async (c) => {
    const s = await load(c.get('principal'), c.req.valid('param').id);
    const q = c.req.valid('query');
    const page = await services.metadata.listWebhookMessages(s.id, q.status, q.cursor ?? null, q.limit);
    return c.json({ items: page.items.map(messageView), next: page.next }, 200);
  });

  app.openapi(resend, async (c) => {
    const p = c.get('principal');
    const { id, message } = c.req.valid('param');
    const s = await load(p, id);
    const m = await services.metadata.getWebhookMessage(message);
    if (!m || m.subscriptionId !== s.id)
      throw new GatewayError('not_found', `there is no message ${message}`);
    const retried = await services.metadata.retryWebhook(m.id, services.now().toISOString(), actorOf(p));
    if (!retried) throw new GatewayError('conflict', `message ${m.id} is ${m.status}, not failed`);
    services.pushes?.kick();
    return c.json(messageView(retried), 202);
  });

  return app;
}
