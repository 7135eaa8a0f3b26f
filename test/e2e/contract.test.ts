import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Contract, ContractViolation, contractOf } from '../support/contract';
import { ADMIN_TOKEN, type Gateway, startGateway } from '../support/harness';

/** The check every end-to-end answer passes: it must catch an answer the document does not allow. */
describe('the contract check of end-to-end answers', () => {
  let gw: Gateway;
  let contract: Contract;
  beforeAll(async () => {
    gw = await startGateway();
    contract = await contractOf(() => gw.request('/openapi.json'));
  });
  afterAll(async () => gw?.close());

  const json = (status: number, body: unknown, type = 'application/json') =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': type, 'x-request-id': 'r1' },
    });

  it('passes what the gateway answers', async () => {
    const res = await gw.request('/v1/admin/tokens', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    await expect(contract.check('GET', '/v1/admin/tokens', res)).resolves.toBeUndefined();
  });

  it('fails a status the operation does not document', async () => {
    await expect(contract.check('GET', '/v1/admin/tokens', json(418, {}))).rejects.toThrow(ContractViolation);
  });

  it('fails a body that does not fit the schema', async () => {
    await expect(
      contract.check('GET', '/v1/admin/tokens', json(200, { items: [{ id: 1 }] })),
    ).rejects.toThrow(/does not fit the schema/);
  });

  it('fails a content type the document does not name', async () => {
    await expect(
      contract.check('GET', '/v1/admin/tokens', json(200, { items: [] }, 'text/html')),
    ).rejects.toThrow(/Content-Type text\/html/);
  });

  it('fails an answer without a documented header', async () => {
    const res = new Response(JSON.stringify({ items: [] }), {
      headers: { 'content-type': 'application/json' },
    });
    await expect(contract.check('GET', '/v1/admin/tokens', res)).rejects.toThrow(/X-Request-Id/);
  });

  it('takes 405 with Allow for a method a path does not take, and nothing else', async () => {
    const res = await gw.request('/v1/admin/tokens', { method: 'PUT', token: ADMIN_TOKEN });
    expect(res.status).toBe(405);
    await expect(contract.check('PUT', '/v1/admin/tokens', json(200, {}))).rejects.toThrow(
      /documents no PUT/,
    );
  });

  it('checks shared refusals: a 401 is a problem document with WWW-Authenticate', async () => {
    const res = await gw.request('/v1/extracts');
    expect(res.status).toBe(401);
    await expect(
      contract.check(
        'GET',
        '/v1/extracts',
        json(401, { type: '/problems/unauthenticated' }, 'application/problem+json'),
      ),
    ).rejects.toThrow(ContractViolation);
  });
});
