import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { isWrapped, receiptKeyWrap } from '../../src/receipts/key-wrap';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';
import { createTestDatabase, postgresAvailable } from '../support/postgres';

const body = (seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records: 10, format: 'xml', seed })].join('');

/** Every file under `dir` (the write-ahead log too) holding one of `needles`, by path. */
function filesHolding(dir: string, needles: Buffer[]): string[] {
  const hits: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    const bytes = readFileSync(path);
    if (needles.some((n) => bytes.includes(n))) hits.push(path);
  };
  walk(dir);
  return hits;
}

/**
 * The private half of the active receipt key, as the gateway signs with it: unwrapped with the
 * token key, and checked against the JWKS by signing with it.
 */
async function activePrivateD(gw: Gateway, tokenKey: string): Promise<string> {
  const [row] = (await gw.sql.query(
    'SELECT kid, public_jwk, private_jwk FROM signing_keys WHERE retired_at IS NULL',
  )) as Array<{ kid: string; public_jwk: Record<string, unknown>; private_jwk: Record<string, unknown> }>;
  if (!row) throw new Error('no active key');
  const jwk = isWrapped(row.private_jwk)
    ? await (await receiptKeyWrap(Buffer.from(tokenKey, 'base64'))).unwrap(row.kid, row.private_jwk)
    : (row.private_jwk as JWK);
  expect(typeof jwk.d).toBe('string');
  const jwt = await new SignJWT({ probe: true })
    .setProtectedHeader({ alg: 'EdDSA', kid: row.kid })
    .sign(await importJWK(jwk, 'EdDSA'));
  const jwks = (await (await gw.request('/.well-known/jwks.json')).json()) as never;
  await expect(jwtVerify(jwt, createLocalJWKSet(jwks))).resolves.toBeDefined();
  return jwk.d as string;
}

const embeddedTokenKey = (gw: Gateway) =>
  readFileSync(join(gw.dataDir, 'keys', 'token-hash.key'), 'utf8').trim();

/** The ways `d` (base64url of 32 bytes) could sit in a file: as text, as standard base64, as raw bytes. */
const forms = (d: string) => {
  const raw = Buffer.from(d, 'base64url');
  return [Buffer.from(d), Buffer.from(raw.toString('base64').replace(/=+$/, '')), raw];
};

describe('the receipt signing key at rest', () => {
  const gateways: Gateway[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });

  it('embedded: no byte of the database folder, write-ahead log included, holds the active private key', async () => {
    const gw = await startGateway();
    gateways.push(gw);
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    expect((await submit(gw, source, body(1))).status).toBe(201);
    const first = await activePrivateD(gw, embeddedTokenKey(gw));
    // A rotation writes a second key through the log.
    expect(
      (await gw.request('/v1/admin/receipt-keys/rotate', { method: 'POST', token: ADMIN_TOKEN })).status,
    ).toBe(201);
    expect(
      (await submit(gw, source, body(2), 'dataset=daycare&municipality=101&period=2026-11')).status,
    ).toBe(201);
    const d = await activePrivateD(gw, embeddedTokenKey(gw));
    await gw.sql.query('CHECKPOINT');
    expect(filesHolding(join(gw.dataDir, 'metadata'), [...forms(d), ...forms(first)])).toEqual([]);
  });
});

const available = await postgresAvailable('the receipt key at rest on PostgreSQL');

describe.skipIf(!available)('the receipt signing key at rest on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gw: Gateway | undefined;
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('the key table holds no private key in clear', async () => {
    db = await createTestDatabase();
    const tokenKey = randomBytes(32).toString('base64');
    gw = await startGateway({ DATABASE_URL: db.url, GATEWAY_TOKEN_KEY: tokenKey });
    const d = await activePrivateD(gw, tokenKey);
    const rows = JSON.stringify(await gw.sql.query('SELECT * FROM signing_keys'));
    for (const f of forms(d).slice(0, 2)) expect(rows).not.toContain(f.toString());
    for (const row of (await gw.sql.query('SELECT private_jwk FROM signing_keys')) as Array<{
      private_jwk: Record<string, unknown>;
    }>)
      expect(row.private_jwk.d).toBeUndefined();
  });
});

/** A key as an earlier version stored it: the private half in clear. */
async function clearKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { kid, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

/** Puts keys in clear into the table, as an earlier version left them, and undoes migration 6. */
async function leaveClearKeys(
  sql: { query(q: string, p?: unknown[]): Promise<unknown[]> },
  retired: Awaited<ReturnType<typeof clearKey>>,
  active: Awaited<ReturnType<typeof clearKey>>,
) {
  await sql.query('DELETE FROM signing_keys');
  await sql.query('DELETE FROM schema_migrations WHERE version = 6');
  for (const [k, retiredAt] of [
    [retired, '2025-01-01T00:00:00Z'],
    [active, null],
  ] as const)
    await sql.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, retired_at)
       VALUES ($1, 'EdDSA', $2::jsonb, $3::jsonb, now(), $4)`,
      [k.kid, JSON.stringify(k.publicJwk), JSON.stringify(k.privateJwk), retiredAt],
    );
}

const oldReceipt = async (k: Awaited<ReturnType<typeof clearKey>>) =>
  new SignJWT({ deliveryId: 'dlv_old' })
    .setProtectedHeader({ alg: 'EdDSA', kid: k.kid, typ: 'delivery-receipt+jwt' })
    .setIssuer('delivery-gateway')
    .sign(await importJWK(k.privateJwk, 'EdDSA'));

describe('receipt keys an earlier version stored in clear', () => {
  let dir: string | null = null;
  let gw: Gateway | undefined;
  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('embedded: the active one is retired and replaced at start, every clear private half erased; old receipts still verify', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-clear-keys-'));
    const first = await startGateway({}, { dataDir: dir });
    const retired = await clearKey('key_old_retired');
    const active = await clearKey('key_old_active');
    await leaveClearKeys(first.sql, retired, active);
    await first.close();

    gw = await startGateway({}, { dataDir: dir });
    const rows = (await gw.sql.query('SELECT kid, private_jwk, retired_at FROM signing_keys')) as Array<{
      kid: string;
      private_jwk: Record<string, unknown>;
      retired_at: unknown;
    }>;
    for (const r of rows) expect(r.private_jwk.d).toBeUndefined();
    const now = rows.filter((r) => r.retired_at === null);
    expect(now).toHaveLength(1);
    expect(now[0]?.kid).not.toBe(active.kid);
    expect(isWrapped(now[0]?.private_jwk as Record<string, unknown>)).toBe(true);
    expect(rows.find((r) => r.kid === active.kid)?.private_jwk).toEqual({});
    expect(rows.find((r) => r.kid === retired.kid)?.private_jwk).toEqual({});
    const events = await gw.services.metadata.listAudit({ action: 'receipt_key.rotated' }, null, 10);
    expect(events.items.map((e) => [e.actor, e.details])).toContainEqual([
      'gateway (private key was stored in clear)',
      { retired: active.kid },
    ]);

    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const res = await submit(gw, source, body(3));
    expect(res.status).toBe(201);
    const { receipt } = (await res.json()) as { receipt: string };
    const jwks = createLocalJWKSet((await (await gw.request('/.well-known/jwks.json')).json()) as never);
    for (const r of [receipt, await oldReceipt(active), await oldReceipt(retired)])
      await expect(jwtVerify(r, jwks)).resolves.toBeDefined();
    expect(decodeProtectedHeader(receipt).kid).toBe(now[0]?.kid);
  });
});

describe.skipIf(!available)('receipt keys an earlier version stored in clear, on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const nodes: Gateway[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await db?.drop();
  });

  it('two nodes starting together replace the clear key once and sign with the same new key', async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, GATEWAY_TOKEN_KEY: randomBytes(32).toString('base64') };
    const first = await startGateway(env);
    const active = await clearKey('key_old_active');
    await leaveClearKeys(first.sql, await clearKey('key_old_retired'), active);
    await first.close();

    nodes.push(...(await Promise.all([startGateway(env), startGateway(env)])));
    const [a, b] = nodes as [Gateway, Gateway];
    const events = await a.services.metadata.listAudit({ action: 'receipt_key.rotated' }, null, 10);
    expect(events.items.filter((e) => e.actor === 'gateway (private key was stored in clear)')).toHaveLength(
      1,
    );
    const rows = (await a.sql.query('SELECT kid, private_jwk FROM signing_keys')) as Array<{
      private_jwk: Record<string, unknown>;
    }>;
    for (const r of rows) expect(r.private_jwk.d).toBeUndefined();

    const source = (
      await a.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const kids = [];
    for (const [i, node] of [a, b].entries()) {
      const res = await submit(
        node,
        source,
        body(10 + i),
        `dataset=daycare&municipality=101&period=2026-0${i + 1}`,
      );
      expect(res.status).toBe(201);
      kids.push(decodeProtectedHeader(((await res.json()) as { receipt: string }).receipt).kid);
    }
    expect(kids[0]).toBe(kids[1]);
    expect(kids[0]).not.toBe(active.kid);
  });
});
