import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const body = (seed: number) =>
  [...syntheticDelivery({ dataset: 'daycare', records: 10, format: 'xml', seed })].join('');

describe('receipt keys', () => {
  const gateways: Gateway[] = [];
  let dir: string | null = null;
  afterAll(async () => {
    for (const g of gateways) await g.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const receiptOf = async (gw: Gateway, token: string, period: string) => {
    const res = await submit(
      gw,
      token,
      body(Number(period.slice(-2))),
      `dataset=daycare&municipality=101&period=${period}`,
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { receipt: string }).receipt;
  };
  const jwks = async (gw: Gateway) =>
    (await (await gw.request('/.well-known/jwks.json')).json()) as {
      keys: Array<{ kid: string; d?: string }>;
    };

  it('rotates with a new kid, and a receipt signed with the retired key still verifies against the JWKS', async () => {
    const gw = await startGateway();
    gateways.push(gw);
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const old = await receiptOf(gw, source, '2026-01');
    const oldKid = decodeProtectedHeader(old).kid;

    const rotated = await gw.request('/v1/admin/receipt-keys/rotate', { method: 'POST', token: ADMIN_TOKEN });
    expect(rotated.status).toBe(201);
    const { kid } = (await rotated.json()) as { kid: string };
    expect(kid).not.toBe(oldKid);

    const fresh = await receiptOf(gw, source, '2026-02');
    expect(decodeProtectedHeader(fresh).kid).toBe(kid);
    const set = await jwks(gw);
    // The receipt keys, and the audit key that signs the audit chain's checkpoints.
    expect(
      set.keys
        .map((k) => k.kid)
        .filter((k) => !k.startsWith('audit-'))
        .sort(),
    ).toEqual([oldKid, kid].sort());
    expect(set.keys.filter((k) => k.kid.startsWith('audit-'))).toHaveLength(1);
    for (const k of set.keys) expect(k.d).toBeUndefined();
    const verify = createLocalJWKSet(set as never);
    for (const r of [old, fresh]) await expect(jwtVerify(r, verify)).resolves.toBeDefined();

    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    const log = (await (
      await gw.request('/v1/audit?action=receipt_key.rotated', { token: auditor })
    ).json()) as {
      items: Array<{ subject: string }>;
    };
    expect(log.items.map((e) => e.subject)).toEqual([kid]);
    expect(
      (await gw.request('/v1/admin/receipt-keys/rotate', { method: 'POST', token: auditor })).status,
    ).toBe(403);
  });

  it('signs with a configured key, and keeps none of its private half', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-receipt-key-'));
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'receipts-2026-1' };
    const file = join(dir, 'receipt-key.json');
    await writeFile(file, JSON.stringify(jwk), { mode: 0o600 });
    const dataDir = join(dir, 'data');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir);
    const gw = await startGateway({ GATEWAY_RECEIPT_KEY_FILE: file }, { dataDir });
    const source = (
      await gw.issueToken({ role: 'source', subject: 's', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
    const receipt = await receiptOf(gw, source, '2026-03');
    expect(decodeProtectedHeader(receipt).kid).toBe('receipts-2026-1');
    await expect(jwtVerify(receipt, createLocalJWKSet((await jwks(gw)) as never))).resolves.toBeDefined();
    const stored = JSON.stringify(await gw.sql.query('SELECT * FROM signing_keys'));
    expect(stored).not.toContain(String(jwk.d));
    expect(
      (await gw.request('/v1/admin/receipt-keys/rotate', { method: 'POST', token: ADMIN_TOKEN })).status,
    ).toBe(409);
    await gw.close();

    // Started again without the key: the gateway cannot sign with a key it never kept, so a
    // new one signs; the configured one stays published and its receipts still verify.
    const again = await startGateway({}, { dataDir });
    gateways.push(again);
    const source2 = (
      await again.issueToken({
        role: 'source',
        subject: 's2',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    const later = await receiptOf(again, source2, '2026-04');
    expect(decodeProtectedHeader(later).kid).not.toBe('receipts-2026-1');
    const set = createLocalJWKSet((await jwks(again)) as never);
    for (const r of [receipt, later]) await expect(jwtVerify(r, set)).resolves.toBeDefined();
  });
});
