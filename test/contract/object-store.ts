import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids';
import type { ObjectStore } from '../../src/stores/object-store';

/**
 * The shared contract of the ObjectStore port: every adapter runs this one suite.
 * The store is made once per suite; each test writes under its own prefix.
 */
export function objectStoreContract(
  name: string,
  make: () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await make();
      store = made.store;
      cleanup = made.cleanup;
    });

    afterAll(async () => {
      await cleanup?.();
    });

    /** A fresh folder-like prefix per test. */
    const prefix = () => `test/${randomUUID().slice(0, 8)}`;

    const put = async (key: string, chunks: Uint8Array[]) => {
      const sink = await store.create(key);
      for (const c of chunks) await sink.write(c);
      await sink.close();
    };

    const readAll = async (key: string, range?: { start: number; end: number }) => {
      const it = await store.read(key, range);
      if (it === null) return null;
      const parts: Uint8Array[] = [];
      for await (const c of it) parts.push(c);
      return Buffer.concat(parts);
    };

    const listAll = async (p: string) => {
      const keys: string[] = [];
      for await (const k of store.list(p)) keys.push(k);
      return keys.sort();
    };

    const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

    it('has a name and answers ping', async () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('reads back exactly the bytes written in many chunks (over 1 MiB)', async () => {
      const key = `${prefix()}/deliveries/${newId('dlv')}`;
      // Uneven chunk sizes so that no chunk boundary falls where a reader's buffer does.
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; total < 1_300_000; i++) {
        const c = randomBytes(40_000 + ((i * 7919) % 65_536));
        chunks.push(c);
        total += c.length;
      }
      await put(key, chunks);
      const expected = Buffer.concat(chunks);
      const got = await readAll(key);
      expect(got).not.toBeNull();
      expect(got?.length).toBe(expected.length);
      expect(digest(got as Buffer)).toBe(digest(expected));
      expect(await store.stat(key)).toEqual({ bytes: expected.length });
    });

    it('stores an empty object', async () => {
      const key = `${prefix()}/empty`;
      await put(key, []);
      expect(await store.stat(key)).toEqual({ bytes: 0 });
      expect((await readAll(key))?.length).toBe(0);
    });

    it('reads an inclusive byte range', async () => {
      const key = `${prefix()}/ranged`;
      const bytes = randomBytes(600_000);
      await put(key, [bytes.subarray(0, 250_000), bytes.subarray(250_000)]);
      const ranges = [
        { start: 0, end: 0 },
        { start: 0, end: 9 },
        { start: 10, end: 19 },
        { start: 249_990, end: 250_010 },
        { start: 100_000, end: 399_999 },
        { start: 599_999, end: 599_999 },
        { start: 0, end: 599_999 },
      ];
      for (const r of ranges) {
        const got = await readAll(key, r);
        expect(got?.length).toBe(r.end - r.start + 1);
        expect(Buffer.compare(got as Buffer, bytes.subarray(r.start, r.end + 1))).toBe(0);
      }
    });

    it('a missing key reads as null and stats as null', async () => {
      const key = `${prefix()}/missing/${newId('ext')}`;
      expect(await store.read(key)).toBeNull();
      expect(await store.read(key, { start: 0, end: 10 })).toBeNull();
      expect(await store.stat(key)).toBeNull();
      expect(await listAll(key)).toEqual([]);
    });

    it('an object is not readable before its sink closes', async () => {
      const key = `${prefix()}/pending`;
      const sink = await store.create(key);
      await sink.write(Buffer.from('half an object'));
      expect(await store.read(key)).toBeNull();
      expect(await store.stat(key)).toBeNull();
      await sink.close();
      expect((await readAll(key))?.toString()).toBe('half an object');
    });

    it('abort leaves nothing readable or listed, and the key can be written afterwards', async () => {
      const p = prefix();
      const key = `${p}/aborted`;
      const sink = await store.create(key);
      await sink.write(randomBytes(100_000));
      await sink.abort();
      expect(await store.read(key)).toBeNull();
      expect(await store.stat(key)).toBeNull();
      expect(await listAll(p)).toEqual([]);
      // Abort after abort is harmless.
      await expect(sink.abort()).resolves.toBeUndefined();

      await put(key, [Buffer.from('second try')]);
      expect((await readAll(key))?.toString()).toBe('second try');
      expect(await listAll(p)).toEqual([key]);
    });

    it('aborting the rewrite of a key keeps the old object', async () => {
      const key = `${prefix()}/kept`;
      await put(key, [Buffer.from('original')]);
      const sink = await store.create(key);
      await sink.write(Buffer.from('replacement that never lands'));
      await sink.abort();
      expect((await readAll(key))?.toString()).toBe('original');
      expect(await store.stat(key)).toEqual({ bytes: 8 });
    });

    it('writing after close is refused', async () => {
      const key = `${prefix()}/closed`;
      const sink = await store.create(key);
      await sink.write(Buffer.from('abc'));
      await sink.close();
      await expect(sink.write(Buffer.from('def'))).rejects.toThrow();
      expect((await readAll(key))?.toString()).toBe('abc');
    });

    it('overwriting a key replaces its content; the old one is readable until close', async () => {
      const key = `${prefix()}/over`;
      await put(key, [Buffer.from('first version, rather long')]);
      const sink = await store.create(key);
      await sink.write(Buffer.from('v2'));
      expect((await readAll(key))?.toString()).toBe('first version, rather long');
      await sink.close();
      expect((await readAll(key))?.toString()).toBe('v2');
      expect(await store.stat(key)).toEqual({ bytes: 2 });
    });

    it('delete removes the object; deleting a missing key is harmless', async () => {
      const p = prefix();
      const key = `${p}/gone`;
      const kept = `${p}/kept`;
      await put(key, [Buffer.from('x')]);
      await put(kept, [Buffer.from('y')]);
      await store.delete(key);
      expect(await store.read(key)).toBeNull();
      expect(await store.stat(key)).toBeNull();
      expect(await listAll(p)).toEqual([kept]);
      await expect(store.delete(key)).resolves.toBeUndefined();
      await expect(store.delete(`${p}/never-was`)).resolves.toBeUndefined();
      expect((await readAll(kept))?.toString()).toBe('y');
    });

    it('deletePrefix removes every object under a folder prefix and nothing beside it', async () => {
      const p = prefix();
      const doomed = [`${p}/staging/dlv_1/original.xml`, `${p}/staging/dlv_1/part/ext_1.csv`];
      const kept = [`${p}/staging/dlv_10/original.xml`, `${p}/staging/dlv_1.xml`, `${p}/other`];
      for (const k of [...doomed, ...kept]) await put(k, [Buffer.from(k)]);
      // Something half-written under the prefix goes too.
      const pending = await store.create(`${p}/staging/dlv_1/pending`);
      await pending.write(Buffer.from('half'));

      await store.deletePrefix(`${p}/staging/dlv_1/`);
      await pending.abort().catch(() => {});

      for (const k of doomed) {
        expect(await store.stat(k)).toBeNull();
        expect(await store.read(k)).toBeNull();
      }
      expect(await store.stat(`${p}/staging/dlv_1/pending`)).toBeNull();
      expect(await listAll(`${p}/staging/dlv_1/`)).toEqual([]);
      expect(await listAll(p)).toEqual([...kept].sort());
      for (const k of kept) expect((await readAll(k))?.toString()).toBe(k);

      // A prefix with nothing under it is harmless; a key can be written there again.
      await expect(store.deletePrefix(`${p}/staging/dlv_1/`)).resolves.toBeUndefined();
      await expect(store.deletePrefix(`${p}/never/`)).resolves.toBeUndefined();
      await put(`${p}/staging/dlv_1/original.xml`, [Buffer.from('again')]);
      expect((await readAll(`${p}/staging/dlv_1/original.xml`))?.toString()).toBe('again');
    });

    it('deletePrefix refuses a prefix that is not a folder of the store', async () => {
      const p = prefix();
      await put(`${p}/a`, [Buffer.from('a')]);
      for (const bad of [`${p}/a`, `${p}`, '', '/', '../', `${p}/../`, '/etc/']) {
        await expect(store.deletePrefix(bad), `deletePrefix(${JSON.stringify(bad)})`).rejects.toThrow();
      }
      expect((await readAll(`${p}/a`))?.toString()).toBe('a');
    });

    it('list gives every key that begins with the prefix, and no others', async () => {
      const p = prefix();
      const keys = [
        `${p}/deliveries/dlv_1/original.xml`,
        `${p}/deliveries/dlv_1/issues.json`,
        `${p}/deliveries/dlv_2/original.xml`,
        `${p}/deliveries-old/dlv_3`,
        `${p}/extracts/ext_1.csv`,
        `${p}/extracts/ext_10.csv`,
        `${p}/top`,
      ];
      for (const k of keys) await put(k, [Buffer.from(k)]);

      expect(await listAll(`${p}/`)).toEqual([...keys].sort());
      expect(await listAll(p)).toEqual([...keys].sort());
      expect(await listAll(`${p}/deliveries/`)).toEqual(
        keys.filter((k) => k.includes('/deliveries/')).sort(),
      );
      // A prefix is a prefix of the key, not a folder: it may end mid-name.
      expect(await listAll(`${p}/deliveries`)).toEqual(keys.filter((k) => k.includes('/deliveries')).sort());
      expect(await listAll(`${p}/deliveries/dlv_1/`)).toEqual(
        keys.filter((k) => k.includes('/dlv_1/')).sort(),
      );
      expect(await listAll(`${p}/extracts/ext_1`)).toEqual([
        `${p}/extracts/ext_1.csv`,
        `${p}/extracts/ext_10.csv`,
      ]);
      expect(await listAll(`${p}/extracts/ext_10`)).toEqual([`${p}/extracts/ext_10.csv`]);
      expect(await listAll(`${p}/nothing/`)).toEqual([]);
      // Every listed key reads back as the object written under it.
      for (const k of await listAll(p)) expect((await readAll(k))?.toString()).toBe(k);
    });

    describe('refuses keys that are not the gateway’s own', () => {
      const bad = ['../escape', 'a/../../escape', 'a/..', '/etc/passwd', '/abs', 'a//b', 'a/', '', '.hidden'];

      const refusesAll = async (op: (key: string) => Promise<unknown>) => {
        for (const key of bad) {
          await expect(op(key), `key ${JSON.stringify(key)}`).rejects.toThrow();
        }
      };

      it('create refuses them', () => refusesAll((k) => store.create(k)));
      it('read refuses them', () => refusesAll((k) => store.read(k)));
      it('read with a range refuses them', () => refusesAll((k) => store.read(k, { start: 0, end: 1 })));
      it('delete refuses them', () => refusesAll((k) => store.delete(k)));
      it('stat refuses them', () => refusesAll((k) => store.stat(k)));

      it('list with a prefix that climbs out of the store finds nothing (or is refused)', async () => {
        for (const p of ['../', '..', '../../', '/']) {
          const found: string[] = [];
          try {
            for await (const k of store.list(p)) {
              found.push(k);
              if (found.length >= 5) break;
            }
          } catch {
            // Refusing the prefix is as good as finding nothing.
          }
          expect(found, `list(${JSON.stringify(p)})`).toEqual([]);
        }
      });
    });
  });
}
