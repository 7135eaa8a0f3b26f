import { readFile, writeFile } from 'node:fs/promises';
import { createLocalJWKSet, jwtVerify } from 'jose';
import createClient from 'openapi-fetch';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway } from '../support/harness';
import type { paths } from '../support/openapi-types';

const TYPES = new URL('../support/openapi-types.ts', import.meta.url);

/**
 * A client generated from /openapi.json (openapi-typescript types, openapi-fetch) does the
 * README walkthrough. Its requests go through the harness, so every answer is also held to
 * the document. The types are checked in; `UPDATE_OPENAPI_TYPES=1 npx vitest run
 * test/e2e/generated-client.test.ts` writes them again after the document changed.
 */
describe('a client generated from /openapi.json', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  const clientFor = (token?: string) =>
    createClient<paths>({
      baseUrl: 'http://gateway.test',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      fetch: async (req: Request) => {
        const url = new URL(req.url);
        const body = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined;
        return gw.request(`${url.pathname}${url.search}`, { method: req.method, headers: req.headers, body });
      },
    });

  it('is made from the document the gateway serves (the checked-in types are current)', async () => {
    const doc = await (await gw.request('/openapi.json')).json();
    const generated = `${COMMENT_HEADER}${astToString(await openapiTS(doc))}`;
    if (process.env.UPDATE_OPENAPI_TYPES) await writeFile(TYPES, generated);
    expect(await readFile(TYPES, 'utf8'), 'run with UPDATE_OPENAPI_TYPES=1 to write them again').toBe(
      generated,
    );
  });

  it('does the README walkthrough', async () => {
    const admin = clientFor(ADMIN_TOKEN);

    // A token for a source system, scoped to one municipality and one dataset.
    const issued = await admin.POST('/v1/admin/tokens', {
      body: { role: 'source', subject: 'sys-dagtilbud-a', municipalities: ['101'], datasets: ['daycare'] },
    });
    expect(issued.response.status).toBe(201);
    const sourceToken = issued.data?.token;
    expect(sourceToken).toBeTruthy();

    // One delivery: 1,000 synthetic daycare enrolments for Copenhagen (101), October 2026.
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 1000, format: 'xml', seed: 12 })].join(
      '',
    );
    const source = clientFor(sourceToken ?? undefined);
    const submitted = await source.POST('/v1/deliveries', {
      params: { query: { dataset: 'daycare', municipality: '101', period: '2026-10' } },
      // The body is the delivery itself, not JSON.
      body: xml as never,
      bodySerializer: (b: unknown) => b as string,
      headers: { 'content-type': 'application/xml' },
    });
    expect(submitted.response.status).toBe(201);
    const delivery = submitted.data;
    if (!delivery) throw new Error(`no delivery: ${JSON.stringify(submitted.error)}`);
    expect(delivery.status).toBe('accepted');
    expect(delivery.records?.total).toBe(1000);
    expect(submitted.response.headers.get('location')).toBe(`/v1/deliveries/${delivery.id}`);

    // The receipt, read again and verified against the published keys.
    const again = await source.GET('/v1/deliveries/{id}', { params: { path: { id: delivery.id } } });
    expect(again.data?.receipt).toBe(delivery.receipt);
    const jwks = await clientFor().GET('/.well-known/jwks.json');
    expect(jwks.response.status).toBe(200);
    const { payload } = await jwtVerify(
      delivery.receipt ?? '',
      createLocalJWKSet(jwks.data as Parameters<typeof createLocalJWKSet>[0]),
    );
    expect(payload).toMatchObject({ deliveryId: delivery.id });

    // Statistics Denmark (dst) lists its extracts, downloads one and acknowledges it.
    const dstToken = (
      await admin.POST('/v1/admin/tokens', {
        body: { role: 'recipient', subject: 'dst-intake', recipient: 'dst' },
      })
    ).data?.token;
    const dst = clientFor(dstToken ?? undefined);
    const listed = await dst.GET('/v1/extracts', { params: { query: { status: 'available' } } });
    const extract = listed.data?.items[0];
    if (!extract) throw new Error('dst has no extract');
    expect(extract.recipient).toBe('dst');
    const content = await dst.GET('/v1/extracts/{id}/content', {
      params: { path: { id: extract.id } },
      parseAs: 'text',
    });
    expect(content.response.status).toBe(200);
    expect(content.response.headers.get('etag')).toBe(`"${extract.sha256}"`);
    expect(content.response.headers.get('content-type')).toMatch(/^application\/xml/);
    const head = await dst.HEAD('/v1/extracts/{id}/content', { params: { path: { id: extract.id } } });
    expect(head.response.headers.get('content-length')).toBe(String(extract.bytes));
    const unchanged = await dst.GET('/v1/extracts/{id}/content', {
      params: { path: { id: extract.id }, header: { 'if-none-match': `"${extract.sha256}"` } },
      parseAs: 'stream',
    });
    expect(unchanged.response.status).toBe(304);
    const acknowledged = await dst.POST('/v1/extracts/{id}/receipts', {
      params: { path: { id: extract.id } },
      body: { status: 'accepted' },
    });
    expect(acknowledged.response.status).toBe(201);
    expect(acknowledged.data?.status).toBe('acknowledged');
    const twice = await dst.POST('/v1/extracts/{id}/receipts', {
      params: { path: { id: extract.id } },
      body: { status: 'accepted' },
    });
    expect(twice.response.status).toBe(409);
    expect(twice.error?.type).toBe('/problems/already_acknowledged');

    // An auditor verifies the hash chain of the audit log and reads it.
    const auditorToken = (
      await admin.POST('/v1/admin/tokens', { body: { role: 'auditor', subject: 'internal-audit' } })
    ).data?.token;
    const auditor = clientFor(auditorToken ?? undefined);
    const verified = await auditor.GET('/v1/audit/verify');
    expect(verified.data?.valid).toBe(true);
    const events = await auditor.GET('/v1/audit', { params: { query: { delivery: delivery.id } } });
    expect(events.data?.items.map((e) => e.action)).toContain('delivery.accepted');
    const exported = await auditor.GET('/v1/audit/export', { parseAs: 'text' });
    expect(exported.response.headers.get('content-type')).toBe('application/x-ndjson');
    const metrics = await auditor.GET('/metrics', { parseAs: 'text' });
    expect(metrics.data).toContain('gateway_deliveries');
    const health = await clientFor().GET('/health');
    expect(health.data?.status).toBe('ok');

    // A refusal is a problem document the client reads as its error.
    const refused = await dst.GET('/v1/audit/verify');
    expect(refused.response.status).toBe(403);
    expect(refused.error?.status).toBe(403);
  });
});
