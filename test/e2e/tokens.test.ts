import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids';
import { ADMIN_TOKEN, type Gateway, startGateway } from '../support/harness';

describe('tokens at rest and over time', () => {
  let gw: Gateway;
  const whoami = (token: string) => gw.request('/v1/extracts', { token });

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses a subject that could hold a CPR number, and records nothing of it', async () => {
    // Full-width digits and dashes (as a Japanese input method types them) are digits all the same.
    for (const subject of [
      '0101211234',
      'case 010121-1234',
      'x12345',
      '０１０１２１１２３４',
      'case ０１０１２１－１２３４',
      // Doubled or unusual separators, and invisible ones between the digits.
      '01:01:21:12:34',
      '0,1,0,1,2,1,1,2,3,4',
      '010121--1234',
      '0101 21 -1234',
      '0\u200b1\u200b0\u200b1\u200b2\u200b1\u200b1\u200b2\u200b3\u200b4',
      // Letters typed for digits, a variation selector.
      'O1O1211234',
      '01012ll234',
      '010121\ufe0e1234',
    ]) {
      const res = await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'auditor', subject }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain(subject);
    }
    const audit = await (await gw.request('/v1/audit?limit=500', { token: ADMIN_TOKEN })).text();
    expect(audit).not.toContain('0101211234');
    expect(audit).not.toContain('０１０１２１');
  });

  it('refuses a scope that names a municipality or dataset twice', async () => {
    for (const scope of [
      { municipalities: ['101', '101'], datasets: ['daycare'] },
      { municipalities: ['101'], datasets: ['daycare', 'daycare'] },
    ]) {
      const res = await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'source', subject: 'twice', ...scope }),
      });
      expect(res.status).toBe(400);
    }
  });

  it('stores a keyed hash: neither the token nor its plain sha256 is in the database', async () => {
    const { id, token } = await gw.issueToken({ role: 'auditor', subject: 'revisor' });
    const [row] = await gw.sql.query<{ token_hash: string }>('SELECT token_hash FROM tokens WHERE id = $1', [
      id,
    ]);
    const key = Buffer.from(
      (await readFile(join(gw.dataDir, 'keys', 'token-hash.key'), 'utf8')).trim(),
      'base64',
    );
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(row?.token_hash).toBe(createHmac('sha256', key).update(token).digest('hex'));
    expect(row?.token_hash).not.toBe(createHash('sha256').update(token).digest('hex'));
    const dump = JSON.stringify(await gw.sql.query('SELECT * FROM tokens'));
    expect(dump).not.toContain(token);
  });

  it('a token stored by an earlier version (plain sha256) still works, and is re-keyed on first use', async () => {
    const token = `gw_${'legacy'.repeat(8)}`;
    const id = newId('tok');
    const legacy = createHash('sha256').update(token).digest('hex');
    await gw.services.metadata.createToken(
      {
        id,
        role: 'auditor',
        subject: 'old',
        recipient: null,
        municipalities: [],
        datasets: [],
        createdAt: new Date().toISOString(),
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
      },
      legacy,
      { actor: 'test', action: 'token.issued', subject: id, details: {} },
    );
    expect((await whoami(token)).status).toBe(200);
    const [row] = await gw.sql.query<{ token_hash: string }>('SELECT token_hash FROM tokens WHERE id = $1', [
      id,
    ]);
    expect(row?.token_hash).toBe(gw.services.hashToken(token));
    expect((await whoami(token)).status).toBe(200);
  });

  it('a revoked token is refused on the very next request', async () => {
    const { id, token } = await gw.issueToken({ role: 'auditor', subject: 'leaving' });
    expect((await whoami(token)).status).toBe(200);
    const res = await gw.request(`/v1/admin/tokens/${id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(res.status).toBe(204);
    const refused = await whoami(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('an expired token is refused from the instant it expires', async () => {
    const { token } = await gw.issueToken({
      role: 'auditor',
      subject: 'short',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await whoami(token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await whoami(token)).status).toBe(401);
  });
});
