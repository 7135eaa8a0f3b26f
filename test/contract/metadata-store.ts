import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditDraft,
  type AuditEvent,
  eventHash,
  GENESIS_HASH,
  verifyChain,
} from '../../src/audit/chain';
import { newId } from '../../src/core/ids';
import type { ValidationIssue } from '../../src/core/validator';
import type { AuditAction } from '../../src/core/vocabulary';
import type {
  DeliveryRecord,
  ExtractRecord,
  MetadataStore,
  NewDelivery,
  NewExtract,
  Outcome,
  SigningKeyRecord,
  SubscriptionRecord,
  TokenRecord,
} from '../../src/stores/metadata-store';
import { revalidationStoreContract } from './revalidation-store';
import { runsContract } from './runs';

/**
 * The shared contract of the MetadataStore port: every adapter runs this one suite.
 * The store is made once per suite; each test works in its own dataset, municipality,
 * source or recipient so that the tests do not see each other's rows.
 */
export function metadataStoreContract(
  name: string,
  make: () => Promise<{ store: MetadataStore; cleanup: () => Promise<void> }>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await make();
      store = made.store;
      cleanup = made.cleanup;
      await store.migrate();
    });

    afterAll(async () => {
      await cleanup?.();
    });

    // ---------------------------------------------------------------- fixtures

    /** A short random word for names that are not ids (datasets, sources, recipients). */
    const tag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    /** Actions no gateway makes, so a test finds its own events among the store's. */
    const testAction = (prefix: string) => tag(prefix) as AuditAction;
    const sha = (seed: string) => seed.repeat(64).slice(0, 64);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    interface Slot {
      dataset: string;
      municipality: string;
      period: string;
      source: string;
    }
    const slot = (): Slot => ({
      dataset: tag('ds'),
      municipality: '0101',
      period: '2024-03',
      source: tag('src'),
    });

    const draft = (s: Slot, over: Partial<NewDelivery> = {}): NewDelivery => ({
      id: newId('dlv'),
      dataset: s.dataset,
      datasetVersion: 3,
      municipality: s.municipality,
      period: s.period,
      source: s.source,
      actor: 'tok_source',
      contentType: 'application/xml',
      idempotencyKey: null,
      receivedAt: new Date().toISOString(),
      ...over,
    });

    // Every accepted fixture holds other bytes unless a test says otherwise: the same bytes
    // for a slot are a repeat, not a correction.
    let bytesSeq = 0;
    const outcome = (over: Partial<Outcome> = {}): Outcome => ({
      sha256: (bytesSeq++).toString(16).padStart(64, '0'),
      // Beyond 2^32: a bigint column, which pg hands back as a string.
      bytes: 5_000_000_123,
      records: { total: 10, valid: 9, invalid: 1 },
      completedAt: new Date().toISOString(),
      receipt: 'eyJhbGciOiJFZERTQSJ9.receipt.sig',
      ...over,
    });

    const extractFor = (d: NewDelivery, recipient: string, over: Partial<NewExtract> = {}): NewExtract => {
      const id = newId('ext');
      return {
        id,
        deliveryId: d.id,
        recipient,
        dataset: d.dataset,
        municipality: d.municipality,
        period: d.period,
        records: 9,
        sha256: sha('e'),
        bytes: 3_000_000_007,
        format: 'csv',
        contentType: 'text/csv; charset=utf-8',
        fileName: `${d.dataset}_${d.municipality}_${d.period}.csv`,
        objectKey: `extracts/${id}`,
        profile: { id: `${recipient}-profile`, version: 2, sha256: sha('p') },
        metadata: {
          lawfulUse: 'Dagtilbudsloven § 4',
          pseudonymKeys: ['pk_1', 'pk_2'],
          nested: { n: 1, ok: true },
        },
        createdAt: new Date().toISOString(),
        ackDueAt: '2031-02-03T04:05:06.789Z',
        ...over,
      };
    };

    /** Creates and accepts a delivery with one extract per recipient. */
    const accepted = async (s: Slot, recipients: string[], over: Partial<Outcome> = {}) => {
      const d = draft(s);
      await store.createDelivery(d);
      const extracts = recipients.map((r) => extractFor(d, r));
      const result = await store.acceptDelivery({
        id: d.id,
        outcome: outcome(over),
        extracts,
        actor: 'tok_source',
      });
      return { draft: d, extracts, result };
    };

    /** A whole read of an extract by a recipient, from a documentation address. */
    const readOf = (id: string, at: string) => ({
      id,
      at,
      actor: 'tok_recipient',
      bytes: 1,
      range: null,
      address: '198.51.100.1',
    });
    const auditFor = async (subject: string): Promise<AuditEvent[]> => {
      const all: AuditEvent[] = [];
      let cursor: string | null = null;
      do {
        const p = await store.listAudit({ subject }, cursor, 50);
        all.push(...p.items);
        cursor = p.next;
      } while (cursor);
      return all;
    };

    const expectIso = (v: string | null | undefined) => {
      expect(typeof v).toBe('string');
      expect(new Date(v as string).toISOString()).toBe(v);
    };

    // ---------------------------------------------------------------- lifecycle

    it('answers ping and has a name', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('migrate run again is harmless and keeps the data', async () => {
      const d = draft(slot());
      await store.createDelivery(d);
      const head = await store.auditHead();
      await store.migrate();
      await store.migrate();
      expect((await store.getDelivery(d.id))?.id).toBe(d.id);
      expect(await store.auditHead()).toEqual(head);
    });

    it('records a profile version more than once without complaint', async () => {
      const p = { id: tag('profile'), version: 1, sha256: sha('c'), content: { fields: ['a', 'b'] } };
      expect(await store.recordProfileVersion(p, '2026-01-01T00:00:00.000Z')).toEqual({
        activated: true,
        reusedVersion: false,
      });
      expect(await store.recordProfileVersion(p, '2026-01-02T00:00:00.000Z')).toEqual({
        activated: false,
        reusedVersion: false,
      });
      const versions = await store.listProfileVersions(p.id);
      expect(versions).toEqual([
        {
          profileId: p.id,
          version: 1,
          sha256: p.sha256,
          activeFrom: '2026-01-01T00:00:00.000Z',
          activeUntil: null,
          content: p.content,
        },
      ]);
    });

    it('keeps which profile version was in force when, newest first', async () => {
      const id = tag('profile');
      const v1 = { id, version: 1, sha256: sha('v1'), content: { v: 1 } };
      const v2 = { id, version: 2, sha256: sha('v2'), content: { v: 2, ø: 'æ' } };
      await store.recordProfileVersion(v1, '2026-01-01T00:00:00.000Z');
      await store.recordProfileVersion(v2, '2026-02-01T00:00:00.000Z');
      // Rolled back to version 1, then forward again.
      await store.recordProfileVersion(v1, '2026-03-01T00:00:00.000Z');
      await store.recordProfileVersion(v2, '2026-04-01T00:00:00.000Z');
      const versions = await store.listProfileVersions(id);
      expect(versions.map((v) => [v.version, v.activeFrom, v.activeUntil])).toEqual([
        [2, '2026-04-01T00:00:00.000Z', null],
        [1, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
        [2, '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
        [1, '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ]);
      expect(versions[0]?.content).toEqual(v2.content);
      const events = await store.listAudit({ action: 'profile.activated', subject: id }, null, 100);
      expect(events.items.map((e) => e.details)).toEqual([
        { version: 1, sha256: v1.sha256, reusedVersion: false },
        { version: 2, sha256: v2.sha256, reusedVersion: false },
        { version: 1, sha256: v1.sha256, reusedVersion: false },
        { version: 2, sha256: v2.sha256, reusedVersion: false },
      ]);
      expect(await store.listProfileVersions(tag('no-such-profile'))).toEqual([]);
    });

    it('tells when a profile changed without a new version number', async () => {
      const id = tag('profile');
      await store.recordProfileVersion(
        { id, version: 3, sha256: sha('a'), content: { a: 1 } },
        '2026-01-01T00:00:00.000Z',
      );
      const changed = await store.recordProfileVersion(
        { id, version: 3, sha256: sha('b'), content: { a: 2 } },
        '2026-01-02T00:00:00.000Z',
      );
      expect(changed).toEqual({ activated: true, reusedVersion: true });
      const versions = await store.listProfileVersions(id);
      expect(versions.map((v) => [v.version, v.sha256])).toEqual([
        [3, sha('b')],
        [3, sha('a')],
      ]);
    });

    // ---------------------------------------------------------------- tokens

    describe('tokens', () => {
      const token = (over: Partial<TokenRecord> = {}): TokenRecord => ({
        id: newId('tok'),
        role: 'recipient',
        subject: tag('subject'),
        recipient: tag('recipient'),
        municipalities: ['0101', '0147'],
        datasets: ['daycare-children', 'daycare-staff'],
        createdAt: '2024-05-06T07:08:09.123Z',
        expiresAt: '2030-12-31T23:59:59.999Z',
        revokedAt: null,
        lastUsedAt: null,
        ...over,
      });
      const created = (t: TokenRecord): AuditDraft => ({
        actor: 'tok_admin',
        action: 'token.issued',
        subject: t.id,
        details: { role: t.role },
      });

      it('creates a token and finds it by hash and by id', async () => {
        const t = token();
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(t, hash, created(t));
        expect(await store.findTokenByHash(hash)).toEqual(t);
        expect(await store.getToken(t.id)).toEqual(t);
        expect(await store.findTokenByHash(sha('0'))).toBeNull();
        expect(await store.getToken(newId('tok'))).toBeNull();
        const events = await auditFor(t.id);
        expect(events.map((e) => e.action)).toEqual(['token.issued']);
      });

      it('round-trips a null expiry and null recipient', async () => {
        const t = token({
          role: 'admin',
          recipient: null,
          expiresAt: null,
          municipalities: [],
          datasets: [],
        });
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(t, hash, created(t));
        const found = await store.findTokenByHash(hash);
        expect(found).toEqual(t);
        expect(found?.expiresAt).toBeNull();
        expect(found?.recipient).toBeNull();
      });

      it('refuses a second token with the same hash', async () => {
        const a = token();
        const b = token();
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(a, hash, created(a));
        await expect(store.createToken(b, hash, created(b))).rejects.toThrow();
        expect(await store.getToken(b.id)).toBeNull();
        // The failed create wrote no audit event for the token that was not made.
        expect(await auditFor(b.id)).toEqual([]);
      });

      it('revokes once: true, then false, and the first revokedAt stays', async () => {
        const t = token();
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(t, hash, created(t));
        const revoked = (at: string): AuditDraft => ({
          actor: 'tok_admin',
          action: 'token.revoked',
          subject: t.id,
          details: { at },
        });
        const first = '2025-01-02T03:04:05.678Z';
        expect(await store.revokeToken(t.id, first, revoked(first))).toBe(true);
        const later = '2025-02-02T03:04:05.678Z';
        expect(await store.revokeToken(t.id, later, revoked(later))).toBe(false);
        const found = await store.findTokenByHash(hash);
        expect(found?.revokedAt).toBe(first);
        expect(found?.expiresAt).toBe(t.expiresAt);
        expect((await store.getToken(t.id))?.revokedAt).toBe(first);
        const actions = (await auditFor(t.id)).map((e) => e.action);
        expect(actions).toEqual(['token.issued', 'token.revoked']);
        expect(await store.revokeToken(newId('tok'), later, revoked(later))).toBe(false);
      });

      it('touch records lastUsedAt', async () => {
        const t = token();
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(t, hash, created(t));
        const at = '2025-03-04T05:06:07.890Z';
        await store.touchToken(t.id, at);
        expect((await store.getToken(t.id))?.lastUsedAt).toBe(at);
        const muchLater = '2025-03-05T05:06:07.890Z';
        await store.touchToken(t.id, muchLater);
        expect((await store.getToken(t.id))?.lastUsedAt).toBe(muchLater);
      });
    });

    // ---------------------------------------------------------------- sessions

    describe('sessions', () => {
      it('finds a session until it expires, ends it on request, and forgets expired ones', async () => {
        const tokenHash = sha(randomUUID());
        const id = sha(randomUUID());
        const session = {
          tokenHash,
          createdAt: '2025-04-01T08:00:00.000Z',
          expiresAt: '2025-04-01T16:00:00.000Z',
        };
        await store.createSession(id, session);
        expect(await store.findSession(id, '2025-04-01T15:59:59.000Z')).toEqual(session);
        // Compared as instants: the same moment at another offset.
        expect(await store.findSession(id, '2025-04-01T10:59:59.000-05:00')).toEqual(session);
        expect(await store.findSession(id, '2025-04-01T16:00:00.000Z')).toBeNull();
        // Once found expired, it is gone.
        expect(await store.findSession(id, '2025-04-01T09:00:00.000Z')).toBeNull();

        const other = sha(randomUUID());
        await store.createSession(other, { ...session, expiresAt: '2025-04-02T16:00:00.000Z' });
        await store.endSession(other);
        expect(await store.findSession(other, '2025-04-01T09:00:00.000Z')).toBeNull();
        await store.endSession(sha(randomUUID()));
        expect(await store.findSession(sha(randomUUID()), '2025-04-01T09:00:00.000Z')).toBeNull();
      });

      it("revoking a token ends the sessions opened with it, and no one else's", async () => {
        const t: TokenRecord = {
          id: newId('tok'),
          role: 'auditor',
          subject: tag('subject'),
          recipient: null,
          municipalities: [],
          datasets: [],
          createdAt: '2025-05-01T07:00:00.000Z',
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
        };
        const hash = sha(randomUUID().replaceAll('-', ''));
        await store.createToken(t, hash, { actor: 'a', action: 'token.issued', subject: t.id, details: {} });
        const mine = sha(randomUUID());
        const theirs = sha(randomUUID());
        const at = '2025-05-01T08:00:00.000Z';
        const until = '2099-01-01T00:00:00.000Z';
        await store.createSession(mine, { tokenHash: hash, createdAt: at, expiresAt: until });
        await store.createSession(theirs, { tokenHash: sha(randomUUID()), createdAt: at, expiresAt: until });
        await store.revokeToken(t.id, at, {
          actor: 'a',
          action: 'token.revoked',
          subject: t.id,
          details: {},
        });
        expect(await store.findSession(mine, at)).toBeNull();
        expect(await store.findSession(theirs, at)).not.toBeNull();
      });
    });

    // ---------------------------------------------------------------- signing keys

    revalidationStoreContract(
      () => store,
      async (s) => (await accepted({ ...s, source: 'src-revalidation' }, [])).result.delivery,
    );

    describe('signing keys', () => {
      const key = (): SigningKeyRecord => {
        const kid = newId('key');
        return {
          kid,
          alg: 'EdDSA',
          publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `pub-${kid}`, kid },
          privateJwk: { kty: 'OKP', crv: 'Ed25519', x: `pub-${kid}`, d: `priv-${kid}`, kid },
          createdAt: new Date().toISOString(),
          retiredAt: null,
        };
      };

      it('keeps the first candidate as the one active key', async () => {
        const first = key();
        const second = key();
        expect(await store.ensureSigningKey(first)).toEqual(first);
        expect(await store.ensureSigningKey(second)).toEqual(first);
        const keys = await store.listSigningKeys();
        expect(keys).toEqual([first]);
        expect(keys.filter((k) => k.retiredAt === null)).toHaveLength(1);
      });

      it('rotates: the new key signs, the old one is kept retired, and the log says so', async () => {
        const before = await store.activeSigningKey();
        expect(before).not.toBeNull();
        const next = key();
        const at = '2030-01-02T03:04:05.678Z';
        expect(await store.rotateSigningKey({ next, at, actor: 'tok_admin' })).toEqual(next);
        expect(await store.activeSigningKey()).toEqual(next);
        const keys = await store.listSigningKeys();
        expect(keys.find((k) => k.kid === before?.kid)?.retiredAt).toBe(at);
        // A retired key never signs again: the store keeps no private half of it.
        expect(keys.find((k) => k.kid === before?.kid)?.privateJwk).toEqual({});
        expect(keys.filter((k) => k.retiredAt === null).map((k) => k.kid)).toEqual([next.kid]);
        // Rotating to the key already active changes nothing.
        expect(
          await store.rotateSigningKey({ next, at: '2031-01-01T00:00:00.000Z', actor: 'tok_admin' }),
        ).toEqual(next);
        expect(await store.listSigningKeys()).toHaveLength(keys.length);
        const events = await store.listAudit({ action: 'receipt_key.rotated', subject: next.kid }, null, 10);
        expect(events.items.map((e) => e.details)).toEqual([{ retired: before?.kid }]);
        // ensureSigningKey leaves a rotated key alone.
        expect(await store.ensureSigningKey(key())).toEqual(next);
        // A key id names one key for ever.
        const impostor = { ...key(), kid: before?.kid as string };
        await expect(store.rotateSigningKey({ next: impostor, at, actor: 'tok_admin' })).rejects.toThrow(
          /already names another key/,
        );
        expect(await store.activeSigningKey()).toEqual(next);
      });

      it('rotates from a named key only while that key is active (two nodes replacing it at once)', async () => {
        const active = (await store.activeSigningKey()) as SigningKeyRecord;
        const [one, two] = [key(), key()];
        const at = '2032-01-01T00:00:00.000Z';
        const results = await Promise.all([
          store.rotateSigningKey({ next: one, at, actor: 'node-a', from: active.kid }),
          store.rotateSigningKey({ next: two, at, actor: 'node-b', from: active.kid }),
        ]);
        // One of them replaced it; the other was told which key replaced it.
        const winner = (await store.activeSigningKey()) as SigningKeyRecord;
        expect([one.kid, two.kid]).toContain(winner.kid);
        expect(results).toEqual([winner, winner]);
        expect((await store.listSigningKeys()).map((k) => k.kid)).not.toContain(
          winner.kid === one.kid ? two.kid : one.kid,
        );
        const events = await store.listAudit(
          { action: 'receipt_key.rotated', subject: winner.kid },
          null,
          10,
        );
        expect(events.items.map((e) => e.details)).toEqual([{ retired: active.kid }]);
      });
    });

    // ---------------------------------------------------------------- deliveries

    describe('deliveries', () => {
      it('createDelivery returns a receiving record and getDelivery gives the same back', async () => {
        const d = draft(slot(), { idempotencyKey: tag('idem'), receivedAt: '2024-04-05T06:07:08.901Z' });
        const created = await store.createDelivery(d);
        const expected: DeliveryRecord = {
          ...d,
          sequence: 1,
          status: 'receiving',
          completedAt: null,
          sha256: null,
          bytes: null,
          records: null,
          errorCount: 0,
          errorsByRule: {},
          supersedes: null,
          supersededBy: null,
          receipt: null,
          problem: null,
          originalPurgedAt: null,
        };
        expect(created).toEqual(expected);
        const got = await store.getDelivery(d.id);
        expect(got).toEqual(expected);
        expect(typeof got?.datasetVersion).toBe('number');
        expect(typeof got?.errorCount).toBe('number');
        expectIso(got?.receivedAt);
        expect(await store.getDelivery(newId('dlv'))).toBeNull();
      });

      it('acceptDelivery accepts with its extracts, numbers as numbers and audit events', async () => {
        const s = slot();
        const d = draft(s);
        await store.createDelivery(d);
        const r1 = tag('rcp');
        const r2 = tag('rcp');
        const xs = [extractFor(d, r1), extractFor(d, r2, { format: 'json', bytes: 17, records: 4 })];
        const o = outcome();
        const result = await store.acceptDelivery({
          id: d.id,
          outcome: o,
          extracts: xs,
          actor: 'tok_source',
        });

        const expectedDelivery: DeliveryRecord = {
          ...d,
          sequence: 1,
          status: 'accepted',
          completedAt: o.completedAt,
          sha256: o.sha256,
          bytes: o.bytes,
          records: o.records,
          errorCount: 0,
          errorsByRule: {},
          supersedes: null,
          supersededBy: null,
          receipt: o.receipt,
          problem: null,
          originalPurgedAt: null,
        };
        expect(result.delivery).toEqual(expectedDelivery);
        const got = await store.getDelivery(d.id);
        expect(got).toEqual(expectedDelivery);
        expect(typeof got?.bytes).toBe('number');
        expect(typeof got?.records?.total).toBe('number');
        expect(typeof got?.records?.valid).toBe('number');
        expect(typeof got?.records?.invalid).toBe('number');
        expectIso(got?.completedAt);

        const expectedExtracts: ExtractRecord[] = xs.map((x) => ({
          ...x,
          status: 'available',
          replaces: null,
          replacedBy: null,
          version: 1,
          fetchedAt: null,
          acknowledgedAt: null,
          acknowledgement: null,
          overdueAt: null,
        }));
        expect([...result.extracts].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expectedExtracts);
        for (const x of expectedExtracts) {
          const e = await store.getExtract(x.id);
          expect(e).toEqual(x);
          expect(typeof e?.bytes).toBe('number');
          expect(typeof e?.records).toBe('number');
          expect(typeof e?.profile.version).toBe('number');
          expectIso(e?.createdAt);
          expectIso(e?.ackDueAt);
        }

        const events = await auditFor(d.id);
        expect(events.filter((e) => e.action === 'delivery.accepted').map((e) => e.subject)).toEqual([d.id]);
        const createdEvents = events.filter((e) => e.action === 'extract.created');
        expect(createdEvents.map((e) => e.subject).sort()).toEqual(xs.map((x) => x.id).sort());
        for (const e of createdEvents) expect(e.details.delivery).toBe(d.id);
      });

      it('acceptDelivery refuses a delivery that is not receiving and changes nothing', async () => {
        const { draft: d, result } = await accepted(slot(), [tag('rcp')]);
        const head = await store.auditHead();
        const again = draft(slot());
        await expect(
          store.acceptDelivery({
            id: d.id,
            outcome: outcome({ sha256: sha('f') }),
            extracts: [extractFor(again, 'x')],
            actor: 'tok_source',
          }),
        ).rejects.toThrow();
        expect(await store.getDelivery(d.id)).toEqual(result.delivery);
        expect(await store.auditHead()).toEqual(head);
        await expect(
          store.acceptDelivery({ id: newId('dlv'), outcome: outcome(), extracts: [], actor: 'tok_source' }),
        ).rejects.toThrow();
      });

      it('acceptDelivery that fails part-way changes nothing', async () => {
        const s = slot();
        const first = await accepted(s, [tag('rcp')]);
        const d = draft(s);
        await store.createDelivery(d);
        const head = await store.auditHead();
        const twin = extractFor(d, tag('rcp'));
        // Two extracts with one id: the second cannot be stored, so nothing of the acceptance is.
        await expect(
          store.acceptDelivery({
            id: d.id,
            outcome: outcome(),
            extracts: [twin, { ...twin, recipient: tag('rcp') }],
            actor: 'tok_source',
          }),
        ).rejects.toThrow();
        expect((await store.getDelivery(d.id))?.status).toBe('receiving');
        expect((await store.getDelivery(first.draft.id))?.supersededBy).toBeNull();
        expect((await store.getExtract(first.extracts[0]?.id as string))?.status).toBe('available');
        expect(await store.getExtract(twin.id)).toBeNull();
        expect(await store.auditHead()).toEqual(head);
      });

      it('a second accepted delivery for the slot supersedes the first', async () => {
        const s = slot();
        const r1 = tag('rcp');
        const r2 = tag('rcp');
        const r3 = tag('rcp');
        const first = await accepted(s, [r1, r2], { sha256: sha('1') });
        // Same dataset and municipality but another period: a different slot, left alone.
        const other = await accepted({ ...s, period: '2024-04' }, [r1], { sha256: sha('2') });
        const second = await accepted(s, [r1, r2, r3], { sha256: sha('3') });

        const oldByRecipient = new Map(first.extracts.map((x) => [x.recipient, x.id]));
        for (const x of first.extracts) {
          expect((await store.getExtract(x.id))?.status).toBe('superseded');
        }
        const replacesByRecipient = new Map(second.result.extracts.map((x) => [x.recipient, x.replaces]));
        expect(replacesByRecipient.get(r1)).toBe(oldByRecipient.get(r1));
        expect(replacesByRecipient.get(r2)).toBe(oldByRecipient.get(r2));
        expect(replacesByRecipient.get(r3)).toBeNull();
        for (const x of second.result.extracts) expect(x.status).toBe('available');

        const oldDelivery = await store.getDelivery(first.draft.id);
        expect(oldDelivery?.supersededBy).toBe(second.draft.id);
        expect(oldDelivery?.status).toBe('accepted');
        expect(second.result.delivery.supersedes).toBe(first.draft.id);
        expect((await store.getDelivery(second.draft.id))?.supersedes).toBe(first.draft.id);

        const untouched = await store.getDelivery(other.draft.id);
        expect(untouched?.supersededBy).toBeNull();
        for (const x of other.extracts) expect((await store.getExtract(x.id))?.status).toBe('available');

        // A third delivery supersedes the second, not the first again.
        const third = await accepted(s, [r1], { sha256: sha('4') });
        expect(third.result.delivery.supersedes).toBe(second.draft.id);
        expect(third.result.extracts[0]?.replaces).toBe(
          second.result.extracts.find((x) => x.recipient === r1)?.id,
        );
        expect((await store.getDelivery(first.draft.id))?.supersededBy).toBe(second.draft.id);

        // Lineage both ways, versions counted per recipient, and a correction's own file name.
        const r1Chain = [
          first.extracts.find((x) => x.recipient === r1),
          second.result.extracts.find((x) => x.recipient === r1),
          third.result.extracts[0],
        ];
        const stored = await Promise.all(r1Chain.map((x) => store.getExtract(x?.id as string)));
        expect(stored.map((x) => x?.version)).toEqual([1, 2, 3]);
        expect(stored.map((x) => x?.replacedBy)).toEqual([r1Chain[1]?.id, r1Chain[2]?.id, null]);
        expect(stored.map((x) => x?.replaces)).toEqual([null, r1Chain[0]?.id, r1Chain[1]?.id]);
        const base = `${s.dataset}_${s.municipality}_${s.period}`;
        expect(stored.map((x) => x?.fileName)).toEqual([`${base}.csv`, `${base}-v2.csv`, `${base}-v3.csv`]);
        // r2's second extract was superseded by no one (the third delivery made none for it).
        const r2Second = await store.getExtract(
          second.result.extracts.find((x) => x.recipient === r2)?.id as string,
        );
        expect(r2Second?.status).toBe('superseded');
        expect(r2Second?.replacedBy).toBeNull();

        // Listings: current ones, replaced ones, by municipality and period.
        const ids = async (f: Parameters<typeof store.listExtracts>[0]) =>
          (await store.listExtracts(f, null, 100)).items.map((x) => x.id).sort();
        const inSlot = { municipality: s.municipality, period: s.period, dataset: s.dataset };
        // The third delivery made an extract for r1 alone: r2's and r3's were superseded by none.
        expect(await ids({ ...inSlot, current: true })).toEqual([r1Chain[2]?.id]);
        expect(await ids({ ...inSlot, recipient: r1, current: false })).toEqual(
          [r1Chain[0]?.id, r1Chain[1]?.id].sort(),
        );
        expect(await ids({ ...inSlot, recipient: r1 })).toHaveLength(3);
        expect(await ids({ recipient: r1, period: '2024-04', municipality: s.municipality })).toEqual(
          other.extracts.map((x) => x.id),
        );
      });

      it('webhooks: each audit event routed once, sent in order per subject, retried, dead-lettered and resent', async () => {
        const sub = await store.createSubscription(
          {
            id: newId('sub'),
            tokenId: 'tok_x',
            role: 'admin',
            subject: 'ops',
            recipient: null,
            municipalities: [],
            datasets: [],
            url: 'https://hooks.example/in',
            events: ['run.completed'],
            sealedSecret: 'A256GCM.iv.data',
            createdAt: '2031-01-01T00:00:00.000Z',
          },
          { actor: 'ops', action: 'subscription.created', subject: 'sub', details: {} },
        );
        expect(sub.fromSeq).toBe((await store.auditHead()).seq);
        expect((await store.listSubscriptions({ tokenIds: ['tok_x'] })).map((x) => x.id)).toEqual([sub.id]);
        // Drain whatever other tests left, so only this test's events follow.
        while ((await store.enqueueWebhooks(async () => [], '2031-01-01T00:00:00.000Z', 500)) === 500);
        const subjectA = tag('run');
        const subjectB = tag('run');
        const events = await store.appendAudit(
          [subjectA, subjectB, subjectA].map((subject) => ({
            actor: 'ops',
            action: 'run.completed',
            subject,
            details: {},
          })),
        );
        const route = async (evs: AuditEvent[], subs: SubscriptionRecord[]) =>
          evs.flatMap((e) =>
            subs
              .filter((x) => x.id === sub.id && e.seq > x.fromSeq)
              .map((x) => ({
                id: newId('msg'),
                subscriptionId: x.id,
                seq: e.seq,
                event: 'run.completed' as const,
                subject: e.subject,
                payload: { type: 'run.completed', data: { n: e.seq } },
              })),
          );
        expect(await store.enqueueWebhooks(route, '2031-01-01T00:00:00.000Z', 500)).toBe(3);
        // Routed once: the cursor moved past them.
        expect(await store.enqueueWebhooks(route, '2031-01-01T00:00:00.000Z', 500)).toBe(0);
        const now = '2031-01-01T00:00:01.000Z';
        const lease = '2031-01-01T00:05:00.000Z';
        const first = await store.claimWebhook(now, lease);
        expect(first?.subject).toBe(subjectA);
        expect(first?.seq).toBe(events[0]?.seq);
        expect(first?.attempts).toBe(1);
        // One message of a subscription is sent at a time: nothing more while the first is out.
        expect(await store.claimWebhook(now, lease)).toBeNull();
        // Tried again later; meanwhile the second of subject A waits behind it, subject B goes.
        await store.finishWebhook(
          first?.id as string,
          { status: 'retry', error: 'answered 503', nextAttemptAt: '2031-01-01T00:00:02.000Z' },
          now,
          lease,
        );
        const second = await store.claimWebhook(now, lease);
        expect(second?.subject).toBe(subjectB);
        await store.finishWebhook(second?.id as string, { status: 'delivered' }, now, lease);
        expect(await store.claimWebhook(now, lease)).toBeNull();
        const again = await store.claimWebhook('2031-01-01T00:00:03.000Z', lease);
        expect(again?.id).toBe(first?.id);
        expect(again?.attempts).toBe(2);
        // Given up: dead-lettered, and the next of A goes.
        const failed = await store.finishWebhook(
          again?.id as string,
          { status: 'failed', error: 'gone' },
          now,
          lease,
        );
        expect(failed?.status).toBe('failed');
        const third = await store.claimWebhook('2031-01-01T00:00:03.000Z', lease);
        expect(third?.seq).toBe(events[2]?.seq);
        const done = await store.finishWebhook(third?.id as string, { status: 'delivered' }, now, lease);
        expect(done?.status).toBe('delivered');
        expect(done?.deliveredAt).toBe(now);
        // A delivered message is never claimed again; a failed one only when an admin says so.
        const resent = await store.retryWebhook(failed?.id as string, '2031-01-01T00:00:04.000Z', 'ops');
        expect(resent).toMatchObject({ status: 'pending', attempts: 0 });
        expect(await store.retryWebhook(done?.id as string, '2031-01-01T00:00:04.000Z', 'ops')).toBeNull();
        expect((await store.claimWebhook('2031-01-01T00:00:05.000Z', lease))?.id).toBe(failed?.id);
        const listed = await store.listWebhookMessages(sub.id, 'delivered', null, 10);
        expect(listed.items.map((m) => m.id)).toEqual([done?.id, second?.id]);
        // A deleted subscription's messages are not sent.
        expect(
          await store.deleteSubscription(sub.id, now, {
            actor: 'ops',
            action: 'subscription.deleted',
            subject: sub.id,
            details: {},
          }),
        ).toBe(true);
        expect(
          await store.deleteSubscription(sub.id, now, {
            actor: 'ops',
            action: 'subscription.deleted',
            subject: sub.id,
            details: {},
          }),
        ).toBe(false);
        expect(await store.claimWebhook('2031-01-01T00:10:00.000Z', '2031-01-01T00:15:00.000Z')).toBeNull();
        expect(await store.listSubscriptions({ tokenIds: ['tok_x'] })).toEqual([]);
      });

      it('markOverdue raises each overdue acknowledgement once, and none given, superseded or not yet due', async () => {
        const s = slot();
        const [r1, r2, r3, r4] = [tag('rcp'), tag('rcp'), tag('rcp'), tag('rcp')];
        const d = draft(s);
        await store.createDelivery(d);
        const due = (at: string | null) => ({ ackDueAt: at });
        const xs = [
          extractFor(d, r1, due('2031-01-01T00:00:00.000Z')),
          extractFor(d, r2, due('2031-01-01T00:00:00.000Z')),
          extractFor(d, r3, due('2031-06-01T00:00:00.000Z')),
          extractFor(d, r4, due(null)),
        ];
        await store.acceptDelivery({ id: d.id, outcome: outcome(), extracts: xs, actor: 'tok_source' });
        await store.acknowledgeExtract({
          id: xs[1]?.id as string,
          ack: { status: 'accepted', reason: null },
          at: '2030-12-01T00:00:00.000Z',
          actor: 'tok_rcp',
        });
        const ours = (list: ExtractRecord[]) => list.filter((e) => e.deliveryId === d.id).map((e) => e.id);
        const at = '2031-02-01T00:00:00.000Z';
        const first = await store.markOverdue(at, 'gateway (overdue)', 1000);
        expect(ours(first)).toEqual([xs[0]?.id]);
        expect((await store.getExtract(xs[0]?.id as string))?.overdueAt).toBe(at);
        // Once: a second pass raises nothing more for it.
        expect(ours(await store.markOverdue(at, 'gateway (overdue)', 1000))).toEqual([]);
        const events = await store.listAudit({ action: 'extract.overdue', subject: xs[0]?.id }, null, 10);
        expect(events.items).toHaveLength(1);
        expect(events.items[0]?.details).toMatchObject({
          recipient: r1,
          delivery: d.id,
          dueAt: xs[0]?.ackDueAt,
        });
        // Later the third is due too.
        expect(ours(await store.markOverdue('2031-07-01T00:00:00.000Z', 'gateway (overdue)', 1000))).toEqual([
          xs[2]?.id,
        ]);
      });

      it('a correction of a purged extract still names what it replaces', async () => {
        const s = slot();
        const r1 = tag('rcp');
        const first = await accepted(s, [r1], { sha256: sha('p1') });
        const old = first.extracts[0]?.id as string;
        await store.purgeExtract({
          id: old,
          at: new Date().toISOString(),
          actor: 'gateway (purge)',
          rule: 'r',
        });
        const second = await accepted(s, [r1], { sha256: sha('p2') });
        expect(second.result.extracts[0]?.replaces).toBe(old);
        expect(second.result.extracts[0]?.version).toBe(2);
        const purged = await store.getExtract(old);
        expect(purged?.status).toBe('purged');
        expect(purged?.replacedBy).toBe(second.result.extracts[0]?.id);
      });

      it('endDelivery rejects with issues, errorCount and problem; listIssues pages in order', async () => {
        const d = draft(slot());
        await store.createDelivery(d);
        const issues: ValidationIssue[] = Array.from({ length: 1203 }, (_, i) => {
          const base: ValidationIssue = {
            record: i + 1,
            rule: i % 3 === 0 ? 'required' : 'pattern',
            message: `issue ${i + 1}`,
          };
          if (i % 2 === 0) base.line = i + 2;
          if (i % 5 !== 0) base.field = `field_${i % 7}`;
          return base;
        });
        const problem = { code: 'validation-failed', detail: 'The delivery has 1500 errors.' };
        const completedAt = new Date().toISOString();
        const ended = await store.endDelivery({
          id: d.id,
          status: 'rejected',
          outcome: {
            completedAt,
            sha256: sha('9'),
            bytes: 4_294_967_297,
            records: { total: 2000, valid: 500, invalid: 1500 },
          },
          problem,
          issues,
          errorCount: 1500,
          // Exact although only 1203 issues are stored.
          errorsByRule: { pattern: 1000, required: 500 },
          actor: 'tok_source',
        });
        const expected: DeliveryRecord = {
          ...d,
          sequence: 1,
          status: 'rejected',
          completedAt,
          sha256: sha('9'),
          bytes: 4_294_967_297,
          records: { total: 2000, valid: 500, invalid: 1500 },
          errorCount: 1500,
          errorsByRule: { pattern: 1000, required: 500 },
          supersedes: null,
          supersededBy: null,
          receipt: null,
          problem,
          originalPurgedAt: null,
        };
        expect(ended).toEqual(expected);
        const got = await store.getDelivery(d.id);
        expect(got).toEqual(expected);
        expect(typeof got?.errorCount).toBe('number');
        expect(typeof got?.bytes).toBe('number');

        const seen: ValidationIssue[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const p = await store.listIssues(d.id, cursor, 250);
          expect(p.items.length).toBeLessThanOrEqual(250);
          seen.push(...p.items);
          cursor = p.next;
          pages++;
          expect(pages).toBeLessThan(10);
        } while (cursor);
        expect(pages).toBe(5);
        expect(seen).toEqual(issues);

        const firstPage = await store.listIssues(d.id, null, 3);
        expect(firstPage.items).toEqual(issues.slice(0, 3));
        expect(firstPage.next).not.toBeNull();
        const secondPage = await store.listIssues(d.id, firstPage.next, 3);
        expect(secondPage.items).toEqual(issues.slice(3, 6));

        const events = (await auditFor(d.id)).filter((e) => e.action === 'delivery.rejected');
        expect(events).toHaveLength(1);
        expect(events[0]?.details.errorCount).toBe(1500);

        await expect(
          store.endDelivery({
            id: d.id,
            status: 'failed',
            outcome: { completedAt },
            problem,
            issues: [],
            errorCount: 0,
            actor: 'tok_source',
          }),
        ).rejects.toThrow();
        expect((await store.getDelivery(d.id))?.status).toBe('rejected');
      });

      it('endDelivery as failed with no issues and a bare outcome', async () => {
        const d = draft(slot());
        await store.createDelivery(d);
        const completedAt = new Date().toISOString();
        const problem = { code: 'internal', detail: 'The extract builder stopped.' };
        const ended = await store.endDelivery({
          id: d.id,
          status: 'failed',
          outcome: { completedAt },
          problem,
          issues: [],
          errorCount: 0,
          actor: 'tok_source',
        });
        expect(ended.status).toBe('failed');
        expect(ended.sha256).toBeNull();
        expect(ended.bytes).toBeNull();
        expect(ended.records).toBeNull();
        expect(ended.errorCount).toBe(0);
        expect(ended.errorsByRule).toEqual({});
        expect(ended.problem).toEqual(problem);
        expect(await store.listIssues(d.id, null, 10)).toEqual({ items: [], next: null });
        expect((await auditFor(d.id)).map((e) => e.action)).toEqual(['delivery.failed']);
      });

      it('findAcceptedDuplicate finds an accepted delivery of the same bytes for the same slot', async () => {
        const s = slot();
        const { draft: d } = await accepted(s, [tag('rcp')], { sha256: sha('d') });
        // A rejected delivery of other bytes in the same slot is never a duplicate.
        const rejected = draft(s);
        await store.createDelivery(rejected);
        await store.endDelivery({
          id: rejected.id,
          status: 'rejected',
          outcome: { completedAt: new Date().toISOString(), sha256: sha('b') },
          problem: { code: 'x', detail: 'y' },
          issues: [],
          errorCount: 1,
          actor: 'tok_source',
        });
        const xml = { ...s, contentType: 'application/xml' };
        expect((await store.findAcceptedDuplicate(xml, sha('d')))?.id).toBe(d.id);
        expect(await store.findAcceptedDuplicate(xml, sha('b'))).toBeNull();
        expect(await store.findAcceptedDuplicate(xml, sha('0'))).toBeNull();
        // The slot is not the source's: the same bytes from another source repeat the delivery.
        const fromAnother = { ...xml, source: tag('src') };
        expect((await store.findAcceptedDuplicate(fromAnother, sha('d')))?.id).toBe(d.id);
        expect(await store.findAcceptedDuplicate({ ...xml, period: '1999-01' }, sha('d'))).toBeNull();
        expect(await store.findAcceptedDuplicate({ ...xml, municipality: '0999' }, sha('d'))).toBeNull();
        // The same bytes read in another charset are other values.
        expect(
          await store.findAcceptedDuplicate({ ...xml, contentType: 'text/csv; charset=utf-8' }, sha('d')),
        ).toBeNull();
      });

      it('acceptDelivery of the bytes the slot already holds accepts nothing and answers the current delivery', async () => {
        const s = slot();
        const { draft: first } = await accepted(s, [tag('rcp')], { sha256: sha('e') });
        const copy = draft(s);
        await store.createDelivery(copy);
        const result = await store.acceptDelivery({
          id: copy.id,
          outcome: outcome({ sha256: sha('e') }),
          extracts: [extractFor(copy, tag('rcp'))],
          actor: 'tok_source',
        });
        expect(result.repeated).toBe(true);
        expect(result.delivery.id).toBe(first.id);
        expect(result.extracts.map((e) => e.deliveryId)).toEqual([first.id]);
        expect(await store.getDelivery(copy.id)).toBeNull();
        expect((await store.getDelivery(first.id))?.supersededBy).toBeNull();
        // Other bytes supersede as before; then the first bytes again are a correction, not a repeat.
        const { result: other } = await accepted(s, [tag('rcp')], { sha256: sha('f') });
        expect(other.repeated).toBeFalsy();
        const { result: back } = await accepted(s, [tag('rcp')], { sha256: sha('e') });
        expect(back.repeated).toBeFalsy();
        expect(back.delivery.supersedes).toBe(other.delivery.id);
        expect(
          await store.findAcceptedDuplicate({ ...s, contentType: 'application/xml' }, sha('f')),
        ).toBeNull();
      });

      it('releaseIdempotencyKey frees the key of a delivery ended before its bytes were read, and no other', async () => {
        const s = slot();
        const cut = draft(s, { idempotencyKey: tag('idem') });
        await store.createDelivery(cut);
        await store.endDelivery({
          id: cut.id,
          status: 'rejected',
          outcome: { completedAt: new Date().toISOString() },
          problem: { code: 'x', detail: 'y' },
          issues: [],
          errorCount: 0,
          actor: 'tok_source',
        });
        await store.releaseIdempotencyKey(cut.id);
        expect(await store.findDeliveryByIdempotencyKey(s.source, cut.idempotencyKey as string)).toBeNull();
        const read = draft(s, { idempotencyKey: tag('idem') });
        await store.createDelivery(read);
        await store.endDelivery({
          id: read.id,
          status: 'rejected',
          outcome: { completedAt: new Date().toISOString(), sha256: sha('a') },
          problem: { code: 'x', detail: 'y' },
          issues: [],
          errorCount: 1,
          actor: 'tok_source',
        });
        await store.releaseIdempotencyKey(read.id);
        expect((await store.findDeliveryByIdempotencyKey(s.source, read.idempotencyKey as string))?.id).toBe(
          read.id,
        );
        const receiving = draft(s, { idempotencyKey: tag('idem') });
        await store.createDelivery(receiving);
        await store.releaseIdempotencyKey(receiving.id);
        expect(
          (await store.findDeliveryByIdempotencyKey(s.source, receiving.idempotencyKey as string))?.id,
        ).toBe(receiving.id);
      });

      it('two sources, one slot: the latest accepted delivery is current, with lineage across sources', async () => {
        const s = slot();
        const other = { ...s, source: tag('src') };
        const r1 = tag('rcp');
        const r2 = tag('rcp');
        const a = await accepted(s, [r1, r2], { sha256: sha('a') });
        const b = await accepted(other, [r1], { sha256: sha('b') });
        expect(b.result.repeated).toBeFalsy();
        // The second source's delivery supersedes the first source's: one current delivery.
        expect(b.result.delivery.supersedes).toBe(a.draft.id);
        expect((await store.getDelivery(a.draft.id))?.supersededBy).toBe(b.draft.id);
        for (const x of a.extracts) expect((await store.getExtract(x.id))?.status).toBe('superseded');
        expect(b.result.extracts[0]?.replaces).toBe(a.extracts.find((x) => x.recipient === r1)?.id);
        const inSlot = {
          dataset: s.dataset,
          municipality: s.municipality,
          period: s.period,
          status: 'accepted' as const,
        };
        const all = (await store.listDeliveries(inSlot, null, 10)).items;
        expect(all.filter((d) => d.supersededBy === null).map((d) => d.id)).toEqual([b.draft.id]);
        // And back: the first source corrects the second's.
        const c = await accepted(s, [r1], { sha256: sha('c') });
        expect(c.result.delivery.supersedes).toBe(b.draft.id);
        expect((await store.getDelivery(b.draft.id))?.supersededBy).toBe(c.draft.id);
        expect(c.result.extracts[0]?.replaces).toBe(b.result.extracts[0]?.id);
        // Each source still finds its own Idempotency-Keys only, and its own deliveries by source.
        expect(
          (await store.listDeliveries({ source: other.source }, null, 10)).items.map((d) => d.id),
        ).toEqual([b.draft.id]);
      });

      it("the same bytes from another source repeat the slot's current delivery", async () => {
        const s = slot();
        const first = await accepted(s, [tag('rcp')], { sha256: sha('7') });
        const copy = draft({ ...s, source: tag('src') });
        await store.createDelivery(copy);
        const result = await store.acceptDelivery({
          id: copy.id,
          outcome: outcome({ sha256: sha('7') }),
          extracts: [extractFor(copy, tag('rcp'))],
          actor: 'tok_other',
        });
        expect(result.repeated).toBe(true);
        expect(result.delivery.id).toBe(first.draft.id);
        expect(await store.getDelivery(copy.id)).toBeNull();
        expect((await store.getDelivery(first.draft.id))?.supersededBy).toBeNull();
      });

      it('numbers the deliveries of a slot 1, 2, 3 whoever sent them, accepted or not', async () => {
        const s = slot();
        const one = await accepted(s, [tag('rcp')]);
        const rejected = draft({ ...s, source: tag('src') });
        const two = await store.createDelivery(rejected);
        await store.endDelivery({
          id: rejected.id,
          status: 'rejected',
          outcome: { completedAt: new Date().toISOString() },
          problem: { code: 'x', detail: 'y' },
          issues: [],
          errorCount: 1,
          errorsByRule: { cpr: 1 },
          actor: 'tok_source',
        });
        const three = await accepted({ ...s, source: tag('src') }, [tag('rcp')]);
        expect([one.result.delivery.sequence, two.sequence, three.result.delivery.sequence]).toEqual([
          1, 2, 3,
        ]);
        expect((await store.getDelivery(rejected.id))?.sequence).toBe(2);
        expect((await store.getDelivery(rejected.id))?.errorsByRule).toEqual({ cpr: 1 });
        // Another period is another slot, numbered from 1.
        expect((await store.createDelivery(draft({ ...s, period: '2024-04' }))).sequence).toBe(1);
      });

      it('two deliveries created for one slot at once never get the same number', async () => {
        const s = slot();
        const made = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            store.createDelivery(draft({ ...s, source: `${s.source}-${i}` })),
          ),
        );
        expect(made.map((d) => d.sequence).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      });

      it('acceptDelivery keeps the exact errors by rule of records left out', async () => {
        const d = draft(slot());
        await store.createDelivery(d);
        const issue: ValidationIssue = {
          record: 1,
          field: 'cpr',
          rule: 'cpr',
          message: 'cpr is not 10 digits',
        };
        const result = await store.acceptDelivery({
          id: d.id,
          outcome: outcome(),
          extracts: [],
          actor: 'tok_source',
          report: { issues: [issue], errorCount: 5, errorsByRule: { cpr: 4, 'end-not-before-start': 1 } },
        });
        expect(result.delivery.errorCount).toBe(5);
        expect(result.delivery.errorsByRule).toEqual({ cpr: 4, 'end-not-before-start': 1 });
        expect((await store.getDelivery(d.id))?.errorsByRule).toEqual({ cpr: 4, 'end-not-before-start': 1 });
      });

      it('findDeliveryByIdempotencyKey is per source', async () => {
        const s = slot();
        const key = tag('idem');
        const d = draft(s, { idempotencyKey: key });
        await store.createDelivery(d);
        expect((await store.findDeliveryByIdempotencyKey(s.source, key))?.id).toBe(d.id);
        expect(await store.findDeliveryByIdempotencyKey(s.source, tag('idem'))).toBeNull();
        expect(await store.findDeliveryByIdempotencyKey(tag('src'), key)).toBeNull();
        // Another source may use the same key.
        const otherSource = tag('src');
        const o = draft({ ...s, source: otherSource }, { idempotencyKey: key });
        await store.createDelivery(o);
        expect((await store.findDeliveryByIdempotencyKey(otherSource, key))?.id).toBe(o.id);
        expect((await store.findDeliveryByIdempotencyKey(s.source, key))?.id).toBe(d.id);
        // The same source may not.
        await expect(store.createDelivery(draft(s, { idempotencyKey: key }))).rejects.toThrow();
      });

      it('discardReceiving removes a receiving delivery and nothing else', async () => {
        const s = slot();
        const receiving = draft(s);
        await store.createDelivery(receiving);
        const { draft: acc } = await accepted(s, [tag('rcp')]);
        const rej = draft(s);
        await store.createDelivery(rej);
        await store.endDelivery({
          id: rej.id,
          status: 'rejected',
          outcome: { completedAt: new Date().toISOString() },
          problem: { code: 'x', detail: 'y' },
          issues: [{ record: 1, rule: 'required', message: 'missing' }],
          errorCount: 1,
          actor: 'tok_source',
        });

        await store.discardReceiving(receiving.id);
        await store.discardReceiving(acc.id);
        await store.discardReceiving(rej.id);
        await store.discardReceiving(newId('dlv'));

        expect(await store.getDelivery(receiving.id)).toBeNull();
        expect((await store.getDelivery(acc.id))?.status).toBe('accepted');
        expect((await store.getDelivery(rej.id))?.status).toBe('rejected');
        expect((await store.listIssues(rej.id, null, 10)).items).toHaveLength(1);
      });

      it('listDeliveries is newest first, filters, and pages without gaps or repeats', async () => {
        const dataset = tag('ds');
        const sourceA = tag('src');
        const sourceB = tag('src');
        const made: NewDelivery[] = [];
        const specs: Array<{ municipality: string; period: string; source: string }> = [
          { municipality: '0101', period: '2024-01', source: sourceA },
          { municipality: '0147', period: '2024-01', source: sourceA },
          { municipality: '0101', period: '2024-02', source: sourceB },
          { municipality: '0151', period: '2024-02', source: sourceA },
          { municipality: '0101', period: '2024-03', source: sourceB },
          { municipality: '0147', period: '2024-03', source: sourceA },
          { municipality: '0101', period: '2024-04', source: sourceA },
        ];
        for (const spec of specs) {
          const d = draft({ dataset, ...spec });
          await store.createDelivery(d);
          made.push(d);
        }
        // Accept two of them so that status filters have something to tell apart.
        for (const d of [made[1], made[4]]) {
          if (!d) throw new Error('fixture');
          await store.acceptDelivery({ id: d.id, outcome: outcome(), extracts: [], actor: 'tok_source' });
        }
        const newestFirst = [...made].reverse().map((d) => d.id);

        const all = await store.listDeliveries({ dataset }, null, 100);
        expect(all.items.map((d) => d.id)).toEqual(newestFirst);
        expect(all.next).toBeNull();

        const paged: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const p = await store.listDeliveries({ dataset }, cursor, 3);
          expect(p.items.length).toBeLessThanOrEqual(3);
          paged.push(...p.items.map((d) => d.id));
          cursor = p.next;
          pages++;
          expect(pages).toBeLessThan(10);
        } while (cursor);
        expect(pages).toBe(3);
        expect(paged).toEqual(newestFirst);

        // A page that ends exactly at the last row says there is no next page.
        const exact = await store.listDeliveries({ dataset, source: sourceA }, null, 5);
        expect(exact.items).toHaveLength(5);
        expect(exact.next).toBeNull();

        const ids = async (f: Parameters<MetadataStore['listDeliveries']>[0]) =>
          (await store.listDeliveries({ dataset, ...f }, null, 100)).items.map((d) => d.id);
        const expectIds = (pred: (d: NewDelivery) => boolean) =>
          [...made]
            .reverse()
            .filter(pred)
            .map((d) => d.id);
        expect(await ids({ municipality: '0101' })).toEqual(expectIds((d) => d.municipality === '0101'));
        expect(await ids({ period: '2024-02' })).toEqual(expectIds((d) => d.period === '2024-02'));
        expect(await ids({ source: sourceB })).toEqual(expectIds((d) => d.source === sourceB));
        expect(await ids({ status: 'accepted' })).toEqual([made[4]?.id, made[1]?.id]);
        expect(await ids({ status: 'receiving' })).toEqual(
          expectIds((d) => d.id !== made[1]?.id && d.id !== made[4]?.id),
        );
        expect(await ids({ municipalities: ['0147', '0151'] })).toEqual(
          expectIds((d) => d.municipality === '0147' || d.municipality === '0151'),
        );
        // A token's scope: datasets and municipalities together.
        expect(await ids({ datasets: [dataset, 'no-such-dataset'] })).toEqual(expectIds(() => true));
        expect(await ids({ datasets: ['no-such-dataset'] })).toEqual([]);
        expect(await ids({ datasets: [dataset], municipalities: ['0147'] })).toEqual(
          expectIds((d) => d.municipality === '0147'),
        );
        expect(await ids({ municipality: '0101', source: sourceA, period: '2024-04' })).toEqual([
          made[6]?.id,
        ]);
        expect(await ids({ municipality: '0999' })).toEqual([]);

        // Paging under a filter stays within the filter.
        const filtered: string[] = [];
        cursor = null;
        do {
          const p = await store.listDeliveries({ dataset, municipality: '0101' }, cursor, 1);
          filtered.push(...p.items.map((d) => d.id));
          cursor = p.next;
        } while (cursor);
        expect(filtered).toEqual(expectIds((d) => d.municipality === '0101'));
      });

      it('listStaleReceiving lists receiving deliveries begun before the instant', async () => {
        const s = slot();
        const stale1 = draft(s, { receivedAt: '2001-01-01T00:00:00.000Z' });
        const stale2 = draft(s, { receivedAt: '2001-02-01T00:00:00.000Z' });
        const fresh = draft(s, { receivedAt: '2001-08-01T00:00:00.000Z' });
        const done = draft(s, { receivedAt: '2001-01-15T00:00:00.000Z' });
        for (const d of [stale1, stale2, fresh, done]) await store.createDelivery(d);
        await store.acceptDelivery({ id: done.id, outcome: outcome(), extracts: [], actor: 'tok_source' });

        const before = '2001-06-01T00:00:00.000Z';
        const stale = await store.listStaleReceiving(before);
        for (const d of stale) {
          expect(d.status).toBe('receiving');
          expect(d.receivedAt < before).toBe(true);
        }
        const mine = stale
          .map((d) => d.id)
          .filter((id) => [stale1, stale2, fresh, done].some((d) => d.id === id));
        expect(mine).toEqual([stale1.id, stale2.id]);
      });
    });

    // ---------------------------------------------------------------- slot facts

    describe('slot facts', () => {
      const ended = async (s: Slot, status: 'rejected' | 'failed') => {
        const d = draft(s);
        await store.createDelivery(d);
        await store.endDelivery({
          id: d.id,
          status,
          outcome: { completedAt: new Date().toISOString(), records: { total: 7, valid: 5, invalid: 2 } },
          problem: { code: 'delivery_rejected', detail: '2 invalid records' },
          issues: [],
          errorCount: 2,
          errorsByRule: { codes: 1, max: 1 },
          actor: 'tok_source',
        });
        return d;
      };

      it('listSlotFacts gives the accepted and rejected deliveries of a dataset for the periods asked, with extract counts', async () => {
        const dataset = tag('ds');
        const at = (municipality: string, period: string, source = tag('src')): Slot => ({
          dataset,
          municipality,
          period,
          source,
        });
        const src = tag('src');
        const first = await accepted(at('0101', '2024-03', src), [tag('rcp'), tag('rcp'), tag('rcp')], {
          records: { total: 12, valid: 10, invalid: 2 },
        });
        // A correction supersedes the first, which stays a fact with its (superseded) extracts.
        const correction = await accepted(at('0101', '2024-03', src), [tag('rcp')]);
        expect((await store.getDelivery(first.draft.id))?.supersededBy).toBe(correction.draft.id);
        const rejected = await ended(at('0147', '2024-03'), 'rejected');
        await ended(at('0147', '2024-03'), 'failed');
        await store.createDelivery(draft(at('0147', '2024-03'))); // still receiving
        const other = await accepted(at('0101', '2024-04'), [tag('rcp')]);
        await accepted(at('0101', '2024-05'), [tag('rcp')]); // a period not asked for
        await accepted({ ...at('0101', '2024-03'), dataset: tag('ds') }, [tag('rcp')]); // another dataset

        const facts = await store.listSlotFacts({
          dataset,
          periods: ['2024-03', '2024-04', '2023-03'],
          countExtracts: true,
        });
        expect(facts.map((f) => f.id)).toEqual(
          [first.draft.id, correction.draft.id, rejected.id, other.draft.id].sort(),
        );
        const byId = new Map(facts.map((f) => [f.id, f]));
        expect(byId.get(first.draft.id)).toEqual({
          id: first.draft.id,
          municipality: '0101',
          period: '2024-03',
          source: first.draft.source,
          status: 'accepted',
          receivedAt: first.draft.receivedAt,
          records: { total: 12, valid: 10, invalid: 2 },
          errorsByRule: {},
          extracts: 3,
        });
        expect(byId.get(correction.draft.id)?.extracts).toBe(1);
        expect(byId.get(rejected.id)).toMatchObject({
          status: 'rejected',
          municipality: '0147',
          records: { total: 7, valid: 5, invalid: 2 },
          errorsByRule: { codes: 1, max: 1 },
          extracts: 0,
        });
        for (const f of facts) {
          expect(typeof f.extracts).toBe('number');
          expect(typeof f.records?.total).toBe('number');
          expectIso(f.receivedAt);
        }

        const scoped = await store.listSlotFacts({ dataset, periods: ['2024-03'], municipalities: ['0147'] });
        expect(scoped.map((f) => f.id)).toEqual([rejected.id]);
        // Uncounted unless asked.
        const uncounted = await store.listSlotFacts({ dataset, periods: ['2024-03'] });
        expect(uncounted.find((f) => f.id === first.draft.id)).toMatchObject({
          extracts: null,
          records: { valid: 10 },
        });
        expect(await store.listSlotFacts({ dataset, periods: [] })).toEqual([]);
        expect(await store.listSlotFacts({ dataset, periods: ['2024-03'], municipalities: [] })).toEqual([]);
      });
    });

    // ---------------------------------------------------------------- extracts

    describe('extracts', () => {
      it('listExtracts filters by recipient and status, oldest first, with a cursor', async () => {
        const recipient = tag('rcp');
        const other = tag('rcp');
        const dataset = tag('ds');
        const made: ExtractRecord[] = [];
        for (let i = 0; i < 5; i++) {
          const { result } = await accepted({ ...slot(), dataset, period: `2024-0${i + 1}` }, [
            recipient,
            other,
          ]);
          made.push(...result.extracts.filter((x) => x.recipient === recipient));
        }
        const oldestFirst = made.map((x) => x.id);

        const paged: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const p = await store.listExtracts({ recipient }, cursor, 2);
          expect(p.items.length).toBeLessThanOrEqual(2);
          for (const x of p.items) expect(x.recipient).toBe(recipient);
          paged.push(...p.items.map((x) => x.id));
          cursor = p.next;
          pages++;
          expect(pages).toBeLessThan(10);
        } while (cursor);
        expect(pages).toBe(3);
        expect(paged).toEqual(oldestFirst);

        const first = made[0];
        const second = made[1];
        if (!first || !second) throw new Error('fixture');
        await store.recordExtractRead(readOf(first.id, new Date().toISOString()));
        await store.recordExtractRead(readOf(second.id, new Date().toISOString()));
        const fetched = await store.listExtracts({ recipient, status: 'fetched' }, null, 10);
        expect(fetched.items.map((x) => x.id)).toEqual([first.id, second.id]);
        const available = await store.listExtracts({ recipient, status: 'available' }, null, 10);
        expect(available.items.map((x) => x.id)).toEqual(oldestFirst.slice(2));

        const byDelivery = await store.listExtracts({ deliveryId: first.deliveryId }, null, 10);
        expect(byDelivery.items.map((x) => x.recipient).sort()).toEqual([recipient, other].sort());
        const byDataset = await store.listExtracts({ dataset, recipient: other }, null, 10);
        expect(byDataset.items).toHaveLength(5);
        expect((await store.listExtracts({ recipient: tag('rcp') }, null, 10)).items).toEqual([]);
      });

      it('listExtracts with newestFirst pages from the newest back, with a cursor', async () => {
        const recipient = tag('rcp');
        const made: string[] = [];
        for (let i = 0; i < 5; i++) {
          const { result } = await accepted(slot(), [recipient]);
          made.push(...result.extracts.map((x) => x.id));
        }
        const paged: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const p = await store.listExtracts({ recipient, newestFirst: true }, cursor, 2);
          paged.push(...p.items.map((x) => x.id));
          cursor = p.next;
          pages++;
          expect(pages).toBeLessThan(10);
        } while (cursor);
        expect(pages).toBe(3);
        expect(paged).toEqual([...made].reverse());
        const newest = await store.listExtracts(
          { recipient, newestFirst: true, status: 'available' },
          null,
          1,
        );
        expect(newest.items.map((x) => x.id)).toEqual([made[4]]);
      });

      it('purges an original and an extract once each, with their audit events, keeping the metadata', async () => {
        const { result } = await accepted(slot(), [tag('rcp')]);
        const x = result.extracts[0];
        if (!x) throw new Error('fixture');
        const at = '2027-01-01T03:17:00.000Z';
        const d = await store.purgeOriginal({
          id: x.deliveryId,
          at,
          actor: 'gateway (retention)',
          rule: 'r1',
        });
        expect(d?.originalPurgedAt).toBe(at);
        expect(d?.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(
          await store.purgeOriginal({ id: x.deliveryId, at, actor: 'gateway (retention)', rule: 'r1' }),
        ).toBeNull();
        expect((await store.getDelivery(x.deliveryId))?.originalPurgedAt).toBe(at);
        // Found by the municipality its details name.
        const byMunicipality = await store.listAudit(
          { municipality: d?.municipality as string, action: 'delivery.original_purged' },
          null,
          500,
        );
        expect(byMunicipality.items.map((ev) => ev.subject)).toContain(x.deliveryId);
        const elsewhere = await store.listAudit(
          { municipality: '000', action: 'delivery.original_purged' },
          null,
          10,
        );
        expect(elsewhere.items).toEqual([]);
        const e = await store.purgeExtract({ id: x.id, at, actor: 'gateway (retention)', rule: 'r2' });
        expect(e).toEqual({ ...x, status: 'purged' });
        expect(
          await store.purgeExtract({ id: x.id, at, actor: 'gateway (retention)', rule: 'r2' }),
        ).toBeNull();
        expect(await store.purgeExtract({ id: newId('ext'), at, actor: 'a', rule: 'r' })).toBeNull();
        // The delivery's events include its extracts' (their details name the delivery).
        const events = (await auditFor(x.deliveryId)).filter((ev) => ev.action.endsWith('purged'));
        expect(events.map((ev) => [ev.action, ev.details.rule])).toEqual([
          ['delivery.original_purged', 'r1'],
          ['extract.purged', 'r2'],
        ]);
      });

      it('keeps one signed checkpoint per sequence number, lists them oldest first, and gives the latest', async () => {
        const base = ((await store.latestAuditCheckpoint())?.seq ?? 0) + 1_000_000;
        const cp = (n: number, head: string) => ({
          seq: base + n,
          head: head.repeat(64),
          at: '2026-11-30T10:00:00.000Z',
          jws: `jws-${base + n}-${head}`,
        });
        expect(await store.addAuditCheckpoint(cp(2, 'b'))).toBe(true);
        expect(await store.addAuditCheckpoint(cp(1, 'a'))).toBe(true);
        // A second node signing the same head keeps the first row.
        expect(await store.addAuditCheckpoint(cp(2, 'c'))).toBe(false);
        expect(await store.latestAuditCheckpoint()).toEqual(cp(2, 'b'));
        const all = [];
        for (let cursor: string | null = null; ; ) {
          const page = await store.listAuditCheckpoints(cursor, 1);
          all.push(...page.items);
          cursor = page.next;
          if (!cursor) break;
        }
        expect(all.slice(-2)).toEqual([cp(1, 'a'), cp(2, 'b')]);
      });

      it('recordExtractRead audits every read and moves available to fetched on the first', async () => {
        const { result } = await accepted(slot(), [tag('rcp')]);
        const x = result.extracts[0];
        if (!x) throw new Error('fixture');
        const at = '2025-06-07T08:09:10.111Z';
        const once = await store.recordExtractRead({ ...readOf(x.id, at), bytes: x.bytes });
        expect(once).toEqual({ ...x, status: 'fetched', fetchedAt: at });
        const twice = await store.recordExtractRead({
          ...readOf(x.id, '2025-06-08T08:09:10.111Z'),
          bytes: 10,
          range: { start: 5, end: 14 },
          address: '192.0.2.7',
        });
        expect(twice).toEqual(once);
        expect(await store.getExtract(x.id)).toEqual(once);
        const events = await auditFor(x.id);
        const fetchedEvents = events.filter((e) => e.action === 'extract.fetched');
        expect(fetchedEvents).toHaveLength(1);
        expect(fetchedEvents[0]?.details.delivery).toBe(x.deliveryId);
        const reads = events.filter((e) => e.action === 'extract.read');
        expect(reads.map((e) => e.details)).toEqual([
          {
            recipient: x.recipient,
            delivery: x.deliveryId,
            sha256: x.sha256,
            bytes: x.bytes,
            range: null,
            address: '198.51.100.1',
          },
          {
            recipient: x.recipient,
            delivery: x.deliveryId,
            sha256: x.sha256,
            bytes: 10,
            range: `bytes 5-14/${x.bytes}`,
            address: '192.0.2.7',
          },
        ]);
        expect(reads.map((e) => e.actor)).toEqual(['tok_recipient', 'tok_recipient']);
        expect(await store.recordExtractRead(readOf(newId('ext'), at))).toBeNull();
      });

      it('acknowledgeExtract: ok, then conflict; refusal keeps its reason', async () => {
        const r1 = tag('rcp');
        const r2 = tag('rcp');
        const { result } = await accepted(slot(), [r1, r2]);
        const a = result.extracts.find((x) => x.recipient === r1);
        const b = result.extracts.find((x) => x.recipient === r2);
        if (!a || !b) throw new Error('fixture');

        await store.recordExtractRead(readOf(a.id, '2025-01-01T00:00:00.000Z'));
        const at = '2025-01-02T00:00:00.000Z';
        const ok = await store.acknowledgeExtract({
          id: a.id,
          ack: { status: 'accepted', reason: null },
          at,
          actor: 'tok_recipient',
        });
        expect(ok?.result).toBe('ok');
        expect(ok?.extract.status).toBe('acknowledged');
        expect(ok?.extract.acknowledgedAt).toBe(at);
        expect(ok?.extract.acknowledgement).toEqual({ status: 'accepted', reason: null });
        expect(ok?.extract.fetchedAt).toBe('2025-01-01T00:00:00.000Z');
        expect(await store.getExtract(a.id)).toEqual(ok?.extract);

        const again = await store.acknowledgeExtract({
          id: a.id,
          ack: { status: 'refused', reason: 'changed my mind' },
          at: '2025-01-03T00:00:00.000Z',
          actor: 'tok_recipient',
        });
        expect(again?.result).toBe('conflict');
        expect(again?.extract).toEqual(ok?.extract);
        expect(await store.getExtract(a.id)).toEqual(ok?.extract);

        // Refused straight from available, without a fetch.
        const reason = 'Columns do not match the agreed profile.';
        const refused = await store.acknowledgeExtract({
          id: b.id,
          ack: { status: 'refused', reason },
          at,
          actor: 'tok_recipient',
        });
        expect(refused?.result).toBe('ok');
        const stored = await store.getExtract(b.id);
        expect(stored?.status).toBe('refused');
        expect(stored?.acknowledgement).toEqual({ status: 'refused', reason });
        expect(stored?.acknowledgedAt).toBe(at);
        const conflict = await store.acknowledgeExtract({
          id: b.id,
          ack: { status: 'accepted', reason: null },
          at,
          actor: 'tok_recipient',
        });
        expect(conflict?.result).toBe('conflict');

        expect((await auditFor(a.id)).map((e) => e.action)).toEqual([
          'extract.created',
          'extract.fetched',
          'extract.read',
          'extract.acknowledged',
        ]);
        expect((await auditFor(b.id)).map((e) => e.action)).toEqual(['extract.created', 'extract.refused']);
        expect(
          await store.acknowledgeExtract({
            id: newId('ext'),
            ack: { status: 'accepted', reason: null },
            at,
            actor: 'x',
          }),
        ).toBeNull();
      });

      it('a superseded extract can no longer be acknowledged', async () => {
        const s = slot();
        const r = tag('rcp');
        const first = await accepted(s, [r]);
        await accepted(s, [r]);
        const old = first.extracts[0];
        if (!old) throw new Error('fixture');
        const res = await store.acknowledgeExtract({
          id: old.id,
          ack: { status: 'accepted', reason: null },
          at: new Date().toISOString(),
          actor: 'tok_recipient',
        });
        expect(res?.result).toBe('conflict');
        expect(res?.extract.status).toBe('superseded');
        expect(res?.extract.acknowledgement).toBeNull();
      });
    });

    // ---------------------------------------------------------------- pushes

    describe('pushes', () => {
      const target = {
        type: 'https',
        url: 'https://recipient.example/in/{fileName}',
        method: 'PUT',
      } as const;
      const withPush = async () => {
        const d = draft(slot());
        await store.createDelivery(d);
        const pushed = extractFor(d, 'pushed', { push: { ...target } });
        const pulled = extractFor(d, 'pulled');
        await store.acceptDelivery({
          id: d.id,
          outcome: outcome(),
          extracts: [pushed, pulled],
          actor: 'tok_source',
        });
        return { pushed, pulled };
      };
      const later = (ms: number) => new Date(Date.now() + ms).toISOString();
      const mine = <T extends { extractId: string }>(claimed: T[], id: string) =>
        claimed.filter((p) => p.extractId === id);

      it('queues a push in the transaction that accepts the delivery, only for a push transport', async () => {
        const { pushed, pulled } = await withPush();
        const p = await store.getPush(pushed.id);
        expect(p).toMatchObject({
          extractId: pushed.id,
          recipient: 'pushed',
          target,
          status: 'pending',
          attempts: 0,
          lastError: null,
          location: null,
          deliveredAt: null,
        });
        expectIso(p?.nextAttemptAt);
        expect(await store.getPush(pulled.id)).toBeNull();
      });

      it('claims a due push once until its lease runs out; each claim is an attempt', async () => {
        const { pushed } = await withPush();
        const now = later(1000);
        const first = mine(await store.claimPushes(now, later(60_000), 1000), pushed.id);
        expect(first.map((p) => p.attempts)).toEqual([1]);
        expect(mine(await store.claimPushes(now, later(60_000), 1000), pushed.id)).toEqual([]);
        // The node that held it died: after the lease another node takes it.
        const again = mine(await store.claimPushes(later(61_000), later(120_000), 1000), pushed.id);
        expect(again.map((p) => p.attempts)).toEqual([2]);
      });

      it('two nodes claiming at once never get the same push', async () => {
        const made = await Promise.all([withPush(), withPush(), withPush(), withPush()]);
        const ids = new Set(made.map((m) => m.pushed.id));
        const now = later(1000);
        const [a, b] = await Promise.all([
          store.claimPushes(now, later(60_000), 1000),
          store.claimPushes(now, later(60_000), 1000),
        ]);
        const ours = (c: Array<{ extractId: string }>) =>
          c.map((p) => p.extractId).filter((id) => ids.has(id));
        const both = [...ours(a), ...ours(b)];
        expect(new Set(both).size).toBe(both.length);
        expect(new Set(both)).toEqual(ids);
      });

      it('a failed attempt waits until its next attempt is due', async () => {
        const { pushed } = await withPush();
        await store.claimPushes(later(1000), later(60_000), 1000);
        const next = later(3_600_000);
        const p = await store.finishPush({
          extractId: pushed.id,
          result: { status: 'retry', error: 'HTTP 503 from the endpoint', nextAttemptAt: next },
          at: later(2000),
          actor: 'gateway (push)',
        });
        expect(p).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503 from the endpoint' });
        expect(p?.nextAttemptAt).toBe(next);
        expect(mine(await store.claimPushes(later(3_000_000), later(3_060_000), 1000), pushed.id)).toEqual(
          [],
        );
        expect(
          mine(await store.claimPushes(later(3_600_001), later(3_700_000), 1000), pushed.id),
        ).toHaveLength(1);
      });

      it('a delivered push marks its extract fetched and says so in the audit log', async () => {
        const { pushed } = await withPush();
        await store.claimPushes(later(1000), later(60_000), 1000);
        const at = later(2000);
        const p = await store.finishPush({
          extractId: pushed.id,
          result: { status: 'delivered', location: 'https://recipient.example/in/x.csv' },
          at,
          actor: 'gateway (push)',
        });
        expect(p).toMatchObject({
          status: 'delivered',
          location: 'https://recipient.example/in/x.csv',
          lastError: null,
        });
        expect(p?.deliveredAt).toBe(at);
        const e = await store.getExtract(pushed.id);
        expect(e?.status).toBe('fetched');
        expect(e?.fetchedAt).toBe(at);
        const actions = (await auditFor(pushed.id)).map((a) => a.action);
        expect(actions).toEqual(['extract.created', 'extract.pushed', 'extract.fetched']);
        expect(mine(await store.claimPushes(later(10_000_000), later(10_060_000), 1000), pushed.id)).toEqual(
          [],
        );
      });

      it('a push given up is failed until an admin asks for it again', async () => {
        const { pushed } = await withPush();
        await store.claimPushes(later(1000), later(60_000), 1000);
        const failed = await store.finishPush({
          extractId: pushed.id,
          result: { status: 'failed', error: 'HTTP 403 from the endpoint' },
          at: later(2000),
          actor: 'gateway (push)',
        });
        expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
        expect(mine(await store.claimPushes(later(10_000_000), later(10_060_000), 1000), pushed.id)).toEqual(
          [],
        );
        const retried = await store.retryPush(pushed.id, later(3000), 'tok_admin');
        expect(retried).toMatchObject({ status: 'pending', attempts: 0 });
        expect(await store.retryPush(pushed.id, later(3000), 'tok_admin')).toBeNull();
        expect(mine(await store.claimPushes(later(4000), later(60_000), 1000), pushed.id)).toHaveLength(1);
        const actions = (await auditFor(pushed.id)).map((a) => a.action);
        expect(actions).toEqual(['extract.created', 'extract.push_failed', 'extract.push_retried']);
        expect(await store.getExtract(pushed.id).then((x) => x?.status)).toBe('available');
      });

      it('a node whose lease ran out cannot overwrite the word of the node that took over, but a delivery always counts', async () => {
        const { pushed } = await withPush();
        const firstLease = later(60_000);
        await store.claimPushes(later(1000), firstLease, 1000);
        const secondLease = later(200_000);
        expect(mine(await store.claimPushes(later(61_000), secondLease, 1000), pushed.id)).toHaveLength(1);
        // The first node comes back late with a failure: ignored.
        const stale = await store.finishPush({
          extractId: pushed.id,
          result: { status: 'failed', error: 'late' },
          at: later(70_000),
          actor: 'gateway (push)',
          lease: firstLease,
        });
        expect(stale).toMatchObject({ status: 'pending', lastError: null });
        // The second node's delivery counts.
        const done = await store.finishPush({
          extractId: pushed.id,
          result: { status: 'delivered', location: 'https://r.example/x' },
          at: later(80_000),
          actor: 'gateway (push)',
          lease: secondLease,
        });
        expect(done?.status).toBe('delivered');
      });

      it('knows no push it was not given', async () => {
        expect(await store.getPush('ext_nothing')).toBeNull();
        expect(
          await store.finishPush({
            extractId: 'ext_nothing',
            result: { status: 'failed', error: 'x' },
            at: later(0),
            actor: 'gateway (push)',
          }),
        ).toBeNull();
        expect(await store.retryPush('ext_nothing', later(0), 'tok_admin')).toBeNull();
      });
    });

    // ---------------------------------------------------------------- audit chain

    runsContract(() => store);

    describe('audit chain', () => {
      it('appendAudit chains events and auditHead is the last one', async () => {
        const before = await store.auditHead();
        const subject = newId('dlv');
        const events = await store.appendAudit([
          { actor: 'a', action: testAction('test.one'), subject, details: { n: 1 } },
          {
            actor: 'b',
            action: testAction('test.two'),
            subject,
            // Key order, unicode and nesting must survive storage for the hash to hold.
            details: { z: 'Æblegrød – ø', a: { y: [1, 'x', null, true], b: -2.5 }, m: null },
          },
        ]);
        expect(events).toHaveLength(2);
        const [e1, e2] = events;
        if (!e1 || !e2) throw new Error('fixture');
        expect(e1.seq).toBe(before.seq + 1);
        expect(e2.seq).toBe(before.seq + 2);
        expect(e1.prevHash).toBe(before.hash);
        expect(e2.prevHash).toBe(e1.hash);
        for (const e of events) {
          const { hash, ...rest } = e;
          expect(hash).toBe(eventHash(rest));
          expectIso(e.at);
        }
        expect(await store.auditHead()).toEqual({ seq: e2.seq, hash: e2.hash });
        expect(await store.appendAudit([])).toEqual([]);
        expect(await store.auditHead()).toEqual({ seq: e2.seq, hash: e2.hash });

        // What the store hands back is what it hashed.
        const listed = await auditFor(subject);
        expect(listed).toEqual(events);
        expect(typeof listed[0]?.seq).toBe('number');
      });

      it('listAudit filters by action, actor, subject or details.delivery, and time', async () => {
        const delivery = newId('dlv');
        const extract = newId('ext');
        const action = testAction('test.act');
        const actor = tag('actor');
        const a = await store.appendAudit([
          { actor, action, subject: delivery, details: {} },
          { actor: 'other', action: testAction('test.other'), subject: extract, details: { delivery } },
        ]);
        await sleep(25);
        const t1 = new Date().toISOString();
        await sleep(25);
        const b = await store.appendAudit([
          { actor, action, subject: newId('dlv'), details: { delivery: newId('dlv') } },
          { actor: 'other', action, subject: extract, details: { delivery } },
        ]);
        await sleep(25);
        const t2 = new Date().toISOString();
        await sleep(25);
        const c = await store.appendAudit([{ actor, action, subject: delivery, details: {} }]);
        const all = [...a, ...b, ...c];

        const list = async (f: Parameters<MetadataStore['listAudit']>[0]) => {
          const out: AuditEvent[] = [];
          let cursor: string | null = null;
          do {
            const p = await store.listAudit(f, cursor, 2);
            out.push(...p.items);
            cursor = p.next;
          } while (cursor);
          return out.map((e) => e.seq);
        };
        const seqs = (pred: (e: AuditEvent) => boolean) => all.filter(pred).map((e) => e.seq);

        expect(await list({ action })).toEqual(seqs((e) => e.action === action));
        expect(await list({ actor })).toEqual(seqs((e) => e.actor === actor));
        expect(await list({ subject: delivery })).toEqual(
          seqs((e) => e.subject === delivery || e.details.delivery === delivery),
        );
        expect(await list({ subject: extract })).toEqual(seqs((e) => e.subject === extract));
        expect(await list({ action, from: t1 })).toEqual([...b, ...c].map((e) => e.seq));
        expect(await list({ action, to: t1 })).toEqual(seqs((e) => e.action === action && a.includes(e)));
        expect(await list({ action, from: t1, to: t2 })).toEqual(b.map((e) => e.seq));
        expect(await list({ subject: delivery, actor })).toEqual(
          seqs((e) => e.actor === actor && (e.subject === delivery || e.details.delivery === delivery)),
        );
        expect(await list({ action: testAction('test.none') })).toEqual([]);
      });

      it('iterateAudit yields every event oldest first and verifyChain holds', async () => {
        // Something for the chain to hold even when this test runs alone.
        await store.appendAudit([
          { actor: 'x', action: 'test.iterate' as AuditAction, subject: newId('dlv'), details: {} },
        ]);
        const head = await store.auditHead();
        const seen: AuditEvent[] = [];
        for await (const p of store.iterateAudit(3)) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(3);
          seen.push(...p);
        }
        expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));
        expect(seen[0]?.prevHash).toBe(GENESIS_HASH);
        expect(seen[seen.length - 1]?.hash).toBe(head.hash);

        const firstPage = await store.listAudit({}, null, 5);
        expect(firstPage.items).toEqual(seen.slice(0, 5));

        const verdict = await verifyChain(store.iterateAudit(4), head);
        expect(verdict).toEqual({ valid: true, events: head.seq, head: head.hash });
        const defaultPages = await verifyChain(store.iterateAudit(), head);
        expect(defaultPages.valid).toBe(true);

        // The verdict depends on the data: a changed event breaks the chain at that event.
        const target = seen[Math.floor(seen.length / 2)];
        if (!target) throw new Error('fixture');
        const tampered = seen.map((e) => (e.seq === target.seq ? { ...e, actor: `${e.actor}!` } : e));
        const bad = await verifyChain(
          (async function* () {
            yield tampered;
          })(),
          head,
        );
        expect(bad.valid).toBe(false);
        expect(bad.brokenAt).toBe(target.seq);
      });
    });
  });
}
