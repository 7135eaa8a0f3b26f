import { bytesOf } from './byte-stream';
import { assertObjectKey, assertObjectPrefix, type ObjectSink, type ObjectStore } from './object-store';

/** The part of a Cloudflare R2 bucket binding this adapter uses. */
export interface R2BucketLike {
  head(key: string): Promise<{ size: number } | null>;
  get(
    key: string,
    options?: { range?: { offset: number; length: number } },
  ): Promise<{ body: ReadableStream<Uint8Array> } | null>;
  put(key: string, value: Uint8Array): Promise<unknown>;
  delete(keys: string | string[]): Promise<void>;
  list(options: {
    prefix: string;
    cursor?: string;
    limit?: number;
  }): Promise<{ objects: Array<{ key: string }>; truncated: boolean; cursor?: string }>;
  createMultipartUpload(key: string): Promise<{
    uploadPart(partNumber: number, value: Uint8Array): Promise<{ partNumber: number; etag: string }>;
    complete(parts: Array<{ partNumber: number; etag: string }>): Promise<unknown>;
    abort(): Promise<void>;
  }>;
}

/** R2 wants every part but the last of one size; 8 MiB keeps memory per open object bounded. */
export const R2_PART_BYTES = 8 * 1024 * 1024;

/** Objects in a Cloudflare R2 bucket through its Worker binding; large objects go up in parts as they are written. */
export function createR2ObjectStore(bucket: R2BucketLike, partBytes = R2_PART_BYTES): ObjectStore {
  const name = 'r2-object-store';
  return {
    name,

    async create(key) {
      assertObjectKey(key, name);
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      let upload: Awaited<ReturnType<R2BucketLike['createMultipartUpload']>> | null = null;
      const parts: Array<{ partNumber: number; etag: string }> = [];
      let done = false;
      const take = (n: number) => {
        const out = new Uint8Array(n);
        let off = 0;
        while (off < n) {
          const head = pending[0] as Uint8Array;
          const need = n - off;
          if (head.length <= need) {
            out.set(head, off);
            off += head.length;
            pending.shift();
          } else {
            out.set(head.subarray(0, need), off);
            pending[0] = head.subarray(need);
            off += need;
          }
        }
        pendingBytes -= n;
        return out;
      };
      const sink: ObjectSink = {
        async write(chunk) {
          if (done) throw new Error(`${name}: write after close of ${key}`);
          pending.push(chunk);
          pendingBytes += chunk.length;
          while (pendingBytes >= partBytes) {
            upload ??= await bucket.createMultipartUpload(key);
            parts.push(await upload.uploadPart(parts.length + 1, take(partBytes)));
          }
        },
        async close() {
          if (done) return;
          done = true;
          const rest = take(pendingBytes);
          if (!upload) {
            await bucket.put(key, rest);
            return;
          }
          if (rest.length) parts.push(await upload.uploadPart(parts.length + 1, rest));
          await upload.complete(parts);
        },
        async abort() {
          if (done) return;
          done = true;
          pending = [];
          await upload?.abort().catch(() => {});
        },
      };
      return sink;
    },

    async read(key, range) {
      assertObjectKey(key, name);
      const obj = await bucket.get(
        key,
        range ? { range: { offset: range.start, length: range.end - range.start + 1 } } : undefined,
      );
      return obj ? bytesOf(obj.body, name) : null;
    },

    async stat(key) {
      assertObjectKey(key, name);
      const h = await bucket.head(key);
      return h ? { bytes: h.size } : null;
    },

    async delete(key) {
      assertObjectKey(key, name);
      await bucket.delete(key);
    },

    async deletePrefix(prefix) {
      assertObjectPrefix(prefix, name);
      const keys: string[] = [];
      for await (const k of this.list(prefix)) keys.push(k);
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    },

    async *list(prefix) {
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor, limit: 1000 });
        for (const o of page.objects) yield o.key;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
    },

    async ping() {
      await bucket.list({ prefix: 'health/', limit: 1 });
    },
  };
}
