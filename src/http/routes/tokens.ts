import { randomBytes } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, certificateIdentity } from '../../auth/principal';
import { GatewayError } from '../../core/errors';
import { newId } from '../../core/ids';
import { isMunicipalityCode } from '../../core/municipalities';
import { mayHoldCpr, nameAsShown } from '../../core/value-shape';
import type { TokenRecord } from '../../stores/metadata-store';
import type { AuthVariables } from '../auth';
import { problem } from '../openapi';
import type { Services } from '../services';

const expiresAt = z.string().datetime({ offset: true }).optional();
/** An organisation certificate the principal signs in with instead of a token text. */
const certificate = z
  .object({
    /** SHA-256 fingerprint, hex, with or without colons. */
    fingerprint256: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/)
      .optional(),
    /** The subject's distinguished name, e.g. "C=DK, O=Kommune, CN=System". */
    subject: z.string().min(3).max(1000).optional(),
  })
  .strict()
  .refine((c) => !!c.fingerprint256 !== !!c.subject, 'give fingerprint256 or subject, one of them')
  .optional();

/** Who the token is for, as the audit log and the dashboard name them: never anything that could hold a CPR number. */
const Subject = z
  .string()
  .min(1)
  .max(100)
  .refine(
    (s) => !mayHoldCpr(s),
    'a subject must not hold five digits in a row or anything shaped like a CPR number',
  );

/** A scope's list: at least one entry, none twice (each would count as an expected delivery). */
const distinctList = (what: string) =>
  z
    .array(z.string())
    .min(1)
    .refine((l) => new Set(l).size === l.length, `a ${what} is named twice`);

const TokenRequest = z.discriminatedUnion('role', [
  z
    .object({
      role: z.literal('source'),
      subject: Subject,
      municipalities: distinctList('municipality'),
      datasets: distinctList('dataset'),
      expiresAt,
      certificate,
    })
    .strict(),
  z
    .object({
      role: z.literal('recipient'),
      subject: Subject,
      recipient: z.string().min(1),
      expiresAt,
      certificate,
    })
    .strict(),
  // Read-only, scoped to municipalities: no datasets, no recipient, and never every municipality ('*').
  z
    .object({
      role: z.literal('municipality'),
      subject: Subject,
      municipalities: distinctList('municipality'),
      expiresAt,
      certificate,
    })
    .strict(),
  z.object({ role: z.literal('auditor'), subject: Subject, expiresAt, certificate }).strict(),
  z.object({ role: z.literal('admin'), subject: Subject, expiresAt, certificate }).strict(),
]);

const issue = createRoute({
  method: 'post',
  path: '/v1/admin/tokens',
  operationId: 'issueToken',
  tags: ['Admin'],
  summary: 'Issue a token; its text is shown in this answer only',
  request: { body: { required: true, content: { 'application/json': { schema: TokenRequest } } } },
  responses: {
    201: {
      description: 'The new token',
      content: {
        'application/json': {
          schema: z.object({
            id: z.string(),
            token: z
              .string()
              .nullable()
              .openapi({ description: 'null for a principal bound to a certificate' }),
            role: z.string(),
            subject: z.string(),
          }),
        },
      },
    },
    422: problem(422, 'Unknown recipient, dataset or municipality, or an expiry in the past'),
  },
});

const TokenView = z
  .object({
    id: z.string(),
    role: z.string(),
    subject: z.string(),
    recipient: z.string().nullable(),
    municipalities: z.array(z.string()),
    datasets: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('Token');

const rotateKey = createRoute({
  method: 'post',
  path: '/v1/admin/receipt-keys/rotate',
  operationId: 'rotateReceiptKey',
  tags: ['Admin'],
  summary: 'A new receipt signing key signs from now on; the retired one stays in the JWKS for verification',
  responses: {
    201: {
      description: 'The new key',
      content: { 'application/json': { schema: z.object({ kid: z.string() }) } },
    },
    409: problem(409, 'The key is configured, not kept by the gateway'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/admin/tokens',
  operationId: 'listTokens',
  tags: ['Admin'],
  summary: 'Every token with its scope and last use; never a token text',
  responses: {
    200: {
      description: 'Tokens, oldest first',
      content: { 'application/json': { schema: z.object({ items: z.array(TokenView) }) } },
    },
  },
});

const revoke = createRoute({
  method: 'delete',
  path: '/v1/admin/tokens/{id}',
  operationId: 'revokeToken',
  tags: ['Admin'],
  summary: 'Revoke a token; it fails from the next request on',
  request: {
    params: z.object({
      id: z
        .string()
        .max(40)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    204: { description: 'Revoked' },
    404: problem(404, 'No such active token'),
  },
});

export function tokenRoutes(services: Services) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(issue, async (c) => {
    const body = c.req.valid('json');
    const { catalogue } = services;
    if (body.role === 'recipient' && !catalogue.recipients.has(body.recipient))
      throw new GatewayError('unprocessable', `there is no recipient ${nameAsShown(body.recipient)}`);
    if (body.role === 'municipality')
      for (const m of body.municipalities)
        if (!isMunicipalityCode(m))
          throw new GatewayError(
            'invalid_municipality',
            `${nameAsShown(m)} is not a municipality code (a municipality token names its municipalities; '*' is not one)`,
          );
    if (body.role === 'source') {
      for (const m of body.municipalities)
        if (m !== '*' && !isMunicipalityCode(m))
          throw new GatewayError('invalid_municipality', `${nameAsShown(m)} is not a municipality code`);
      for (const d of body.datasets)
        if (d !== '*' && !catalogue.datasets.has(d))
          throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(d)}`);
    }
    const now = services.now().toISOString();
    // An instant with any offset: compared as time and kept in UTC.
    const expires = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expires && expires.getTime() <= Date.parse(now))
      throw new GatewayError('unprocessable', 'expiresAt is in the past');
    const secret = `gw_${randomBytes(32).toString('base64url')}`;
    const token: TokenRecord = {
      id: newId('tok'),
      role: body.role,
      subject: body.subject,
      recipient: body.role === 'recipient' ? body.recipient : null,
      municipalities: body.role === 'source' || body.role === 'municipality' ? body.municipalities : [],
      datasets: body.role === 'source' ? body.datasets : [],
      createdAt: now,
      expiresAt: expires ? expires.toISOString() : null,
      revokedAt: null,
      lastUsedAt: null,
    };
    const bound = body.certificate ? certificateIdentity(body.certificate) : null;
    await services.metadata.createToken(token, services.hashToken(bound ?? secret), {
      actor: actorOf(c.get('principal')),
      action: 'token.issued',
      subject: token.id,
      details: {
        role: token.role,
        subject: token.subject,
        recipient: token.recipient,
        municipalities: token.municipalities,
        datasets: token.datasets,
        expiresAt: token.expiresAt,
        ...(bound ? { certificate: bound } : {}),
      },
    });
    return c.json(
      { id: token.id, token: bound ? null : secret, role: token.role, subject: token.subject },
      201,
    );
  });

  app.openapi(list, async (c) => c.json({ items: await services.metadata.listTokens() }, 200));

  app.openapi(rotateKey, async (c) => {
    const kid = await services.signer.rotate(actorOf(c.get('principal'))).catch((e: Error) => {
      throw new GatewayError('conflict', e.message);
    });
    return c.json({ kid }, 201);
  });

  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid('param');
    const ok = await services.metadata.revokeToken(id, services.now().toISOString(), {
      actor: actorOf(c.get('principal')),
      action: 'token.revoked',
      subject: id,
      details: {},
    });
    if (!ok) throw new GatewayError('not_found', `there is no active token ${nameAsShown(id)}`);
    return c.body(null, 204);
  });

  return app;
}
