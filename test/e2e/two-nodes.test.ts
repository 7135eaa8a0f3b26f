import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';
import { createTestDatabase, postgresAvailable } from '../support/postgres';
import { type S3Server, startS3rver } from '../support/s3rver';

const available = await postgresAvailable('the two-node test on PostgreSQL + S3');

describe.skipIf(!available)('two stateless nodes on one PostgreSQL and one S3 bucket', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let s3: S3Server;
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    [db, s3] = await Promise.all([createTestDatabase(), startS3rver(['gateway-shared'])]);
    const env = {
      DATABASE_URL: db.url,
      GATEWAY_TOKEN_KEY: randomBytes(32).toString('base64'),
      PSEUDONYM_KEYS: JSON.stringify({
        flis: { id: 'flis-shared-1', secret: randomBytes(32).toString('base64') },
        sds: { id: 'sds-shared-1', secret: randomBytes(32).toString('base64') },
      }),
      S3_BUCKET: 'gateway-shared',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    // Started together: they race to migrate the database and make the signing key.
    [a, b] = await Promise.all([startGateway(env), startGateway(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await s3?.stop();
    await db?.drop();
  });

  it('a token issued on one node works on the other; deliveries through both are each fanned out once', async () => {
    const source = (
      await a.issueToken({ role: 'source', subject: 'vendor', municipalities: ['*'], datasets: ['daycare'] })
    ).token;
    const deliveries = await Promise.all(
      ['101', '147', '151', '153', '155', '157'].map(async (m, i) => {
        const node = i % 2 === 0 ? a : b;
        const xml = [
          ...syntheticDelivery({ dataset: 'daycare', records: 60, format: 'xml', seed: 40 + i }),
        ].join('');
        const res = await submit(node, source, xml, `dataset=daycare&municipality=${m}&period=2026-10`);
        expect(res.status).toBe(201);
        return (await res.json()) as {
          id: string;
          receipt: string;
          extracts: Array<{ id: string; recipient: string }>;
        };
      }),
    );
    for (const d of deliveries) {
      const onA = (await (
        await a.request(`/v1/extracts?delivery=${d.id}`, { token: ADMIN_TOKEN })
      ).json()) as {
        items: Array<{ recipient: string }>;
      };
      expect(onA.items.map((e) => e.recipient).sort()).toEqual(['dst', 'flis', 'rigsarkivet', 'stuk']);
    }
    // Extract content written through one node is read through the other.
    const dst = (await b.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    for (const [i, d] of deliveries.entries()) {
      const other = i % 2 === 0 ? b : a;
      const id = d.extracts.find((e) => e.recipient === 'dst')?.id as string;
      const res = await other.request(`/v1/extracts/${id}/content`, { token: dst });
      expect(res.status).toBe(200);
      expect((await res.text()).match(/<Barn>/g)).toHaveLength(60);
    }
    // Receipts from either node verify against either node's JWKS.
    for (const node of [a, b]) {
      const jwks = createLocalJWKSet((await (await node.request('/.well-known/jwks.json')).json()) as never);
      for (const d of deliveries) await expect(jwtVerify(d.receipt, jwks)).resolves.toBeDefined();
    }
  });

  it('the same slot delivered through both nodes at once: one supersedes the other, never both current', async () => {
    const source = (
      await b.issueToken({ role: 'source', subject: 'racer', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const both = await Promise.all(
      [a, b].map(async (node, i) => {
        const xml = [
          ...syntheticDelivery({ dataset: 'daycare', records: 40, format: 'xml', seed: 60 + i }),
        ].join('');
        const res = await submit(node, source, xml, 'dataset=daycare&municipality=101&period=2026-11');
        expect(res.status).toBe(201);
        return (await res.json()) as { id: string };
      }),
    );
    const auditor = (await a.issueToken({ role: 'auditor', subject: 'revisor' })).token;
    const list = (await (
      await a.request('/v1/deliveries?dataset=daycare&municipality=101&period=2026-11', { token: auditor })
    ).json()) as { items: Array<{ id: string; supersededBy: string | null }> };
    const current = list.items.filter((d) => d.supersededBy === null);
    expect(current).toHaveLength(1);
    expect(both.map((d) => d.id)).toContain(current[0]?.id);
  });

  it('the same bytes through both nodes at the same moment: exactly one 201, one delivery', async () => {
    const source = (
      await a.issueToken({ role: 'source', subject: 'twins', municipalities: ['147'], datasets: ['daycare'] })
    ).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 200, format: 'xml', seed: 70 })].join(
      '',
    );
    const answers = await Promise.all(
      [a, b, a, b].map((node) =>
        submit(node, source, xml, 'dataset=daycare&municipality=147&period=2026-08'),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const auditor = (await b.issueToken({ role: 'auditor', subject: 'revisor-twins' })).token;
    const list = (await (
      await b.request('/v1/deliveries?dataset=daycare&municipality=147&period=2026-08', { token: auditor })
    ).json()) as { items: Array<{ status: string }> };
    expect(list.items.map((d) => d.status)).toEqual(['accepted']);
  });

  it('keeps one audit chain, valid and the same from both nodes', async () => {
    const auditor = (await a.issueToken({ role: 'auditor', subject: 'revisor-2' })).token;
    type Verdict = { valid: boolean; events: number; head: string };
    const verify = async (n: Gateway) =>
      (await (await n.request('/v1/audit/verify', { token: auditor })).json()) as Verdict;
    const [va, vb] = await Promise.all([verify(a), verify(b)]);
    expect(va.valid).toBe(true);
    expect(vb).toEqual(va);
    expect(va.events).toBeGreaterThan(30);
  });
});
