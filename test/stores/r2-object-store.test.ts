import { createR2ObjectStore, type R2BucketLike } from '../../src/stores/r2-object-store';
import { objectStoreContract } from '../contract/object-store';

/**
 * An in-memory stand-in for an R2 bucket binding that keeps R2's rules which the adapter
 * must respect: parts of a multipart upload are numbered from 1, every part but the last has
 * one size, and nothing is visible under the key until the upload completes.
 */
function memoryBucket(): R2BucketLike & { uploadsStarted: number } {
  const objects = new Map<string, Uint8Array>();
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  const bucket = {
    uploadsStarted: 0,
    async head(key: string) {
      const o = objects.get(key);
      return o ? { size: o.length } : null;
    },
    async get(key: string, options?: { range?: { offset: number; length: number } }) {
      const o = objects.get(key);
      if (!o) return null;
      const bytes = options?.range
        ? o.slice(options.range.offset, options.range.offset + options.range.length)
        : o.slice();
      return {
        body: new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < bytes.length; i += 100_000) c.enqueue(bytes.slice(i, i + 100_000));
            c.close();
          },
        }),
      };
    },
    async put(key: string, value: Uint8Array) {
      objects.set(key, value.slice());
      return {};
    },
    async delete(keys: string | string[]) {
      for (const k of Array.isArray(keys) ? keys : [keys]) objects.delete(k);
    },
    async list({ prefix, cursor, limit = 1000 }: { prefix: string; cursor?: string; limit?: number }) {
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = cursor ? Number(cursor) : 0;
      const page = keys.slice(start, start + limit);
      const truncated = start + limit < keys.length;
      return {
        objects: page.map((key) => ({ key })),
        truncated,
        cursor: truncated ? String(start + limit) : undefined,
      };
    },
    async createMultipartUpload(key: string) {
      bucket.uploadsStarted++;
      const parts = new Map<number, Uint8Array>();
      return {
        async uploadPart(n: number, value: Uint8Array) {
          parts.set(n, value.slice());
          return { partNumber: n, etag: `etag-${n}` };
        },
        async complete(list: Array<{ partNumber: number; etag: string }>) {
          const ordered = list.map((p, i) => {
            if (p.partNumber !== i + 1) throw new Error('parts must be numbered 1, 2, …');
            return parts.get(p.partNumber) as Uint8Array;
          });
          const size = ordered[0]?.length ?? 0;
          if (ordered.slice(0, -1).some((p) => p.length !== size))
            throw new Error('every part but the last must have one size');
          objects.set(key, concat(ordered));
          return {};
        },
        async abort() {
          parts.clear();
        },
      };
    },
  };
  return bucket;
}

// Small parts so that the contract's larger objects go up as multipart uploads.
objectStoreContract('r2-object-store (multipart, in-memory bucket)', async () => ({
  store: createR2ObjectStore(memoryBucket(), 64 * 1024),
  cleanup: async () => {},
}));

objectStoreContract('r2-object-store (single put, in-memory bucket)', async () => ({
  store: createR2ObjectStore(memoryBucket()),
  cleanup: async () => {},
}));
