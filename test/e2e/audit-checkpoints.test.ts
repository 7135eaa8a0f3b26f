import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEvent, eventHash, verifyChain } from '../../src/audit/chain';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;

/** `gateway audit verify --offline EXPORT --jwks JWKS`, with no server at all. */
function offlineVerify(exportFile: string, jwksFile: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/gateway.js', 'audit', 'verify', '--offline', exportFile, '--jwks', jwksFile],
      { cwd: ROOT, env: { ...process.env, GATEWAY_URL: 'http://127.0.0.1:9', GATEWAY_TOKEN: '' } },
      (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

interface Verdict {
  valid: boolean;
  events: number;
  brokenAt?: number;
  reason?: string;
  checkpoints: number;
}

/**
 * An insider with write access to the metadata database rewrites an event and hashes the chain
 * again: the chain alone still verifies; the signed checkpoints do not let it.
 */
describe('signed checkpoints over the audit chain', () => {
  let gw: Gateway;
  let dir: string;
  const verify = async () =>
    (await (await gw.request('/v1/audit/verify', { token: ADMIN_TOKEN })).json()) as Verdict;
  const checkpoint = () => gw.request('/v1/audit/checkpoints', { method: 'POST', token: ADMIN_TOKEN });
  const exportTo = async (name: string) => {
    const file = join(dir, name);
    await writeFile(file, await (await gw.request('/v1/audit/export', { token: ADMIN_TOKEN })).text());
    return file;
  };

  beforeAll(async () => {
    gw = await startGateway();
    dir = await mkdtemp(join(tmpdir(), 'gateway-checkpoints-'));
    await writeFile(join(dir, 'jwks.json'), await (await gw.request('/.well-known/jwks.json')).text());
    const source = (
      await gw.issueToken({
        role: 'source',
        subject: 's',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    for (const [municipality, seed] of [
      ['101', 1],
      ['147', 2],
    ] as const) {
      const xml = [...syntheticDelivery({ dataset: 'daycare', records: 10, format: 'xml', seed })].join('');
      const res = await submit(
        gw,
        source,
        xml,
        `dataset=daycare&municipality=${municipality}&period=2026-10`,
      );
      expect(res.status).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs the head on demand, lists it, names its key in the JWKS, and verifies against it', async () => {
    const made = await checkpoint();
    expect(made.status).toBe(201);
    const cp = (await made.json()) as { seq: number; head: string; jws: string };
    const head = (await gw.services.metadata.auditHead()) as { seq: number; hash: string };
    expect(cp).toMatchObject({ seq: head.seq, head: head.hash });
    // Nothing new since: the same checkpoint, 200.
    const again = await checkpoint();
    expect(again.status).toBe(200);
    expect(((await again.json()) as { seq: number }).seq).toBe(cp.seq);
    const listed = (await (await gw.request('/v1/audit/checkpoints', { token: ADMIN_TOKEN })).json()) as {
      items: Array<{ jws: string }>;
    };
    expect(listed.items.map((c) => c.jws)).toEqual([cp.jws]);
    const header = JSON.parse(Buffer.from(cp.jws.split('.')[0] as string, 'base64url').toString()) as {
      kid: string;
      typ: string;
      alg: string;
    };
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'audit-checkpoint+jwt' });
    const jwks = (await (await gw.request('/.well-known/jwks.json')).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    // The key is outside the metadata database: no table holds its public half, let alone the private.
    const dump = JSON.stringify(await gw.sql.query('SELECT * FROM signing_keys'));
    expect(dump).not.toContain(header.kid);
    expect(await verify()).toMatchObject({ valid: true, checkpoints: 1 });
    // An auditor reads the checkpoints; a source does not.
    const auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    expect((await gw.request('/v1/audit/checkpoints', { token: auditor })).status).toBe(200);
    expect((await gw.request('/v1/audit/checkpoints', { method: 'POST', token: auditor })).status).toBe(403);
  });

  it('the export carries the checkpoints, and the offline verifier passes it with nothing but it and the JWKS', async () => {
    await gw.issueToken({ role: 'auditor', subject: 'later' });
    expect((await checkpoint()).status).toBe(201);
    const file = await exportTo('before.ndjson');
    const { code, stdout } = await offlineVerify(file, join(dir, 'jwks.json'));
    expect(stdout).toContain('"valid": true');
    expect(code).toBe(0);
    const verdict = JSON.parse(stdout) as { valid: boolean; checkpoints: number; checkpointKeys: string[] };
    expect(verdict).toMatchObject({ valid: true, checkpoints: 2 });
    // It names the key the checkpoints were signed with, to compare with the kid the auditor pinned.
    const jwks = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as {
      keys: Array<{ kid: string }>;
    };
    expect(verdict.checkpointKeys).toEqual(
      jwks.keys.filter((k) => k.kid.startsWith('audit-')).map((k) => k.kid),
    );
  });

  it('catches event 15 rewritten and the chain hashed again: on the server and offline', async () => {
    // The insider's rewrite: event 15's actor and municipality, then every hash after it and the head.
    const rows = (await gw.sql.query('SELECT * FROM audit_events ORDER BY seq')) as Array<
      Record<string, unknown>
    >;
    const events: AuditEvent[] = rows.map((r) => ({
      seq: Number(r.seq),
      at: new Date(r.at as string).toISOString(),
      actor: r.actor as string,
      action: r.action as string,
      subject: r.subject as string,
      details: r.details as Record<string, unknown>,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }));
    expect(events.length).toBeGreaterThan(20);
    const target = events[14] as AuditEvent;
    target.actor = 'someone else';
    target.details = { ...target.details, municipality: '999' };
    for (let i = 14; i < events.length; i++) {
      const e = events[i] as AuditEvent;
      e.prevHash = i === 0 ? e.prevHash : (events[i - 1] as AuditEvent).hash;
      const { hash: _old, ...rest } = e;
      e.hash = eventHash(rest);
      await gw.sql.query(
        'UPDATE audit_events SET actor = $2, details = $3::jsonb, prev_hash = $4, hash = $5 WHERE seq = $1',
        [e.seq, e.actor, JSON.stringify(e.details), e.prevHash, e.hash],
      );
    }
    const last = events[events.length - 1] as AuditEvent;
    await gw.sql.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);

    // The chain alone is consistent again: this is the attack the checkpoints are for.
    const head = await gw.services.metadata.auditHead();
    expect((await verifyChain(gw.services.metadata.iterateAudit(), head)).valid).toBe(true);

    const verdict = await verify();
    expect(verdict.valid).toBe(false);
    expect(verdict.brokenAt).toBeLessThanOrEqual(15);
    expect(verdict.reason).toContain('checkpoint');
    // Removing the checkpoint rows as well does not help: the object store keeps a copy of each.
    await gw.sql.query('DELETE FROM audit_checkpoints');
    expect((await verify()).valid).toBe(false);

    const file = await exportTo('after.ndjson');
    // The export no longer carries the rows' checkpoints; the one kept from before does.
    const offline = await offlineVerify(join(dir, 'before.ndjson'), join(dir, 'jwks.json'));
    expect(offline.code).toBe(0);
    const tampered = await readFile(file, 'utf8');
    const before = await readFile(join(dir, 'before.ndjson'), 'utf8');
    // The auditor's copy of the checkpoints (from the earlier export) against the rewritten events.
    const merged = join(dir, 'merged.ndjson');
    const signed = before.split('\n').filter((l) => l.startsWith('{"checkpoint"'));
    await writeFile(merged, `${tampered.trimEnd()}\n${signed.join('\n')}\n`);
    const caught = await offlineVerify(merged, join(dir, 'jwks.json'));
    expect(caught.code).toBe(1);
    const parsed = JSON.parse(caught.stdout) as Verdict;
    expect(parsed.valid).toBe(false);
    expect(parsed.brokenAt).toBeLessThanOrEqual(15);
  });

  it('a checkpoint signed by another key, or changed, fails the offline verifier', async () => {
    const before = await readFile(join(dir, 'before.ndjson'), 'utf8');
    const lines = before.trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('{"checkpoint"'));
    const { checkpoint: jws } = JSON.parse(lines[i] as string) as { checkpoint: string };
    const [h, p, s] = jws.split('.');
    const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString()) as { head: string };
    const forged = Buffer.from(JSON.stringify({ ...claims, head: 'f'.repeat(64) })).toString('base64url');
    lines[i] = JSON.stringify({ checkpoint: `${h}.${forged}.${s}` });
    const file = join(dir, 'forged.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    const res = await offlineVerify(file, join(dir, 'jwks.json'));
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ valid: false });
  });

  it('takes a checkpoint only from an audit key: one signed under a receipt key is refused, and an empty file is no export', async () => {
    // The rewritten chain's export (no checkpoint left in the database) with a checkpoint over
    // its forged head, signed with a key passed off as the receipt key in a doctored JWKS.
    const tampered = (await readFile(join(dir, 'after.ndjson'), 'utf8')).trimEnd().split('\n');
    const events = tampered.map((l) => JSON.parse(l) as { seq?: number; hash?: string }).filter((e) => e.seq);
    const last = events[events.length - 1] as { seq: number; hash: string };
    const jwks = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as {
      keys: Array<Record<string, unknown>>;
    };
    const receiptKid = jwks.keys.find((k) => !String(k.kid).startsWith('audit-'))?.kid as string;
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const forged = await new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({ seq: last.seq, head: last.hash, at: new Date().toISOString() }),
      ),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: receiptKid, typ: 'audit-checkpoint+jwt' })
      .sign(privateKey);
    const mine = await exportJWK(publicKey);
    const doctored = {
      keys: jwks.keys.map((k) => (k.kid === receiptKid ? { ...k, x: mine.x } : k)),
    };
    await writeFile(join(dir, 'doctored-jwks.json'), JSON.stringify(doctored));
    const file = join(dir, 'forged-receipt-kid.ndjson');
    await writeFile(file, `${tampered.join('\n')}\n${JSON.stringify({ checkpoint: forged })}\n`);
    const res = await offlineVerify(file, join(dir, 'doctored-jwks.json'));
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('audit key'),
    });

    // A JWKS naming a kid twice (an attacker's key before the real one) is no JWKS of the gateway's.
    const real = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as {
      keys: Array<Record<string, unknown>>;
    };
    const audit = real.keys.find((k) => String(k.kid).startsWith('audit-')) as Record<string, unknown>;
    await writeFile(
      join(dir, 'twice.json'),
      JSON.stringify({ keys: [{ ...audit, x: mine.x }, ...real.keys] }),
    );
    const underAuditKid = await new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({ seq: last.seq, head: last.hash, at: new Date().toISOString() }),
      ),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: audit.kid as string, typ: 'audit-checkpoint+jwt' })
      .sign(privateKey);
    const twiceFile = join(dir, 'forged-audit-kid.ndjson');
    await writeFile(twiceFile, `${tampered.join('\n')}\n${JSON.stringify({ checkpoint: underAuditKid })}\n`);
    expect((await offlineVerify(twiceFile, join(dir, 'twice.json'))).code).toBe(1);

    const empty = join(dir, 'empty.ndjson');
    await writeFile(empty, '\n\n');
    expect((await offlineVerify(empty, join(dir, 'jwks.json'))).code).toBe(1);
  });
});
