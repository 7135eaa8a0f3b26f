import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertObjectKey, assertObjectPrefix, type ObjectSink, type ObjectStore } from './object-store';

/**
 * Objects as files under a folder. A new object is written to a temporary file beside its
 * key, flushed to disk and renamed into place on close, so a crash never leaves half an
 * object under a key.
 */
/** The size of the writes an object's bytes are gathered into. */
const WRITE_BYTES = 256 * 1024;

export function createFsObjectStore(root: string): ObjectStore {
  const name = 'fs-object-store';
  const pathOf = (key: string) => {
    assertObjectKey(key, name);
    return join(root, ...key.split('/'));
  };

  return {
    name,

    async create(key) {
      const path = pathOf(key);
      // Only the gateway's user reads objects: folders 0700, files 0600, whatever the umask.
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.partial`;
      const fh = await open(tmp, 'wx', 0o600);
      let done = false;
      // Small writes are gathered into one of WRITE_BYTES: a delivery arrives in chunks of a
      // few KiB, and each write is a round trip to the file system's thread.
      let pending: Buffer | null = null;
      let fill = 0;
      const writeAll = async (bytes: Uint8Array) => {
        let off = 0;
        while (off < bytes.length) {
          const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
          off += bytesWritten;
        }
      };
      const flush = async () => {
        if (!pending || fill === 0) return;
        const full = pending.subarray(0, fill);
        pending = null;
        fill = 0;
        await writeAll(full);
      };
      const sink: ObjectSink = {
        async write(chunk) {
          if (done) throw new Error(`${name}: write after close of ${key}`);
          if (fill + chunk.length > WRITE_BYTES) await flush();
          if (chunk.length >= WRITE_BYTES) return writeAll(chunk);
          pending ??= Buffer.allocUnsafe(WRITE_BYTES);
          pending.set(chunk, fill);
          fill += chunk.length;
        },
        async close() {
          if (done) return;
          await flush();
          done = true;
          await fh.sync();
          await fh.close();
          await rename(tmp, path);
          // The rename itself must reach the disk before the metadata says the object exists.
          const dir = await open(dirname(path), 'r');
          try {
            await dir.sync();
          } finally {
            await dir.close();
          }
        },
        async abort() {
          if (done) return;
          done = true;
          await fh.close().catch(() => {});
          await unlink(tmp).catch(() => {});
        },
      };
      return sink;
    },

    async read(key, range) {
      const path = pathOf(key);
      try {
        const s = await stat(path);
        if (!s.isFile()) return null;
      } catch {
        return null;
      }
      return createReadStream(
        path,
        range
          ? { start: range.start, end: range.end, highWaterMark: 256 * 1024 }
          : { highWaterMark: 256 * 1024 },
      ) as AsyncIterable<Uint8Array>;
    },

    async stat(key) {
      const path = pathOf(key);
      try {
        const s = await stat(path);
        return s.isFile() ? { bytes: s.size } : null;
      } catch {
        return null;
      }
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },

    async deletePrefix(prefix) {
      assertObjectPrefix(prefix, name);
      await rm(pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
    },

    async *list(prefix) {
      if (prefix.startsWith('/') || prefix.split('/').includes('..') || prefix.includes('\\'))
        throw new Error(`${name}: invalid prefix ${JSON.stringify(prefix)}`);
      const walk = async function* (dir: string): AsyncGenerator<string> {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const full = join(dir, e.name);
          if (e.isDirectory()) yield* walk(full);
          else if (!e.name.endsWith('.partial')) yield relative(root, full).split(sep).join('/');
        }
      };
      // Walk from the deepest folder the prefix names, then filter on the whole prefix.
      const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      for await (const key of walk(join(root, ...folder.split('/').filter(Boolean)))) {
        if (key.startsWith(prefix)) yield key;
      }
    },

    async ping() {
      await mkdir(root, { recursive: true, mode: 0o700 });
    },
  };
}
