import { assertObjectKey, assertObjectPrefix, type ObjectSink, type ObjectStore } from '../object-store';

/** The size of the pieces an object is read back in. */
const PIECE = 64 * 1024;

/**
 * The object store in the process's memory: for tests and trials, never for data that must
 * outlive the process. It keeps the port's promises: an object is readable only once its sink
 * closes, an aborted or deleted write never lands, and the bytes are copied in and out.
 */
export function createMemoryObjectStore(name = 'memory'): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  /** Writes under way, so that deleting their folder stops them from landing. */
  const pending = new Set<{ key: string; dropped: boolean }>();

  return {
    name,

    async create(key) {
      assertObjectKey(key, name);
      const parts: Uint8Array[] = [];
      const write = { key, dropped: false };
      pending.add(write);
      let state: 'open' | 'closed' | 'aborted' = 'open';
      const sink: ObjectSink = {
        async write(chunk) {
          if (state !== 'open') throw new Error(`${name}: ${key} is no longer open for writing`);
          parts.push(chunk.slice());
        },
        async close() {
          if (state !== 'open') throw new Error(`${name}: ${key} is no longer open for writing`);
          state = 'closed';
          pending.delete(write);
          if (write.dropped) throw new Error(`${name}: ${key} was deleted while it was written`);
          const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            bytes.set(p, at);
            at += p.length;
          }
          objects.set(key, bytes);
        },
        async abort() {
          if (state === 'open') state = 'aborted';
          pending.delete(write);
        },
      };
      return sink;
    },

    async read(key, range) {
      assertObjectKey(key, name);
      const bytes = objects.get(key);
      if (!bytes) return null;
      const start = range ? range.start : 0;
      const end = range ? Math.min(range.end, bytes.length - 1) : bytes.length - 1;
      return (async function* () {
        for (let at = start; at <= end; at += PIECE) yield bytes.slice(at, Math.min(at + PIECE, end + 1));
      })();
    },

    async stat(key) {
      assertObjectKey(key, name);
      const bytes = objects.get(key);
      return bytes ? { bytes: bytes.length } : null;
    },

    async delete(key) {
      assertObjectKey(key, name);
      objects.delete(key);
    },

    async deletePrefix(prefix) {
      assertObjectPrefix(prefix, name);
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) objects.delete(key);
      for (const write of pending) if (write.key.startsWith(prefix)) write.dropped = true;
    },

    async *list(prefix) {
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) yield key;
    },

    async ping() {},
  };
}
