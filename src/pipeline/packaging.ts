import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ZipArchive } from 'archiver';
import type { ObjectSink } from '../stores/object-store';

/**
 * Until a writable stream drains or closes, with no listener left behind: a race of two
 * `once` leaves the loser's listener on the stream for every write that waited.
 */
export function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** A sink that hashes and counts what passes to the store: the extract's sha256 is of the stored bytes. */
export function hashingSink(inner: ObjectSink): ObjectSink & { digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    write(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
      return inner.write(chunk);
    },
    close: () => inner.close(),
    abort: () => inner.abort(),
    digest: () => ({ sha256: hash.digest('hex'), bytes }),
  };
}

/** Output of a compressor, written to the inner sink in order as it comes. */
export function drainInto(source: NodeJS.ReadableStream, inner: ObjectSink) {
  let chain: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  source.on('data', (d: Buffer) => {
    chain = chain.then(() => inner.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    chain.catch((e) => {
      failed = e;
    });
  });
  return {
    settled: () => chain,
    check() {
      if (failed) throw failed;
    },
  };
}

/** gzip (RFC 1952), streamed. */
export function gzipSink(inner: ObjectSink): ObjectSink {
  const gz = createGzip({ level: 6 });
  const out = drainInto(gz, inner);
  return {
    async write(chunk) {
      out.check();
      if (!gz.write(chunk)) await once(gz, 'drain');
      await out.settled();
    },
    async close() {
      const ended = once(gz, 'end');
      gz.end();
      await ended;
      await out.settled();
      await inner.close();
    },
    async abort() {
      gz.destroy();
      await inner.abort();
    },
  };
}

/** A zip archive (archiver) holding one entry, streamed. */
export function zipSink(inner: ObjectSink, entryName: string): ObjectSink {
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const out = drainInto(zip, inner);
  const entry = new PassThrough();
  let failure: unknown = null;
  zip.on('error', (e) => {
    failure ??= e;
    entry.destroy(e as Error);
  });
  zip.append(entry, { name: entryName });
  const finalized = zip.finalize();
  finalized.catch(() => {});
  return {
    async write(chunk) {
      if (failure) throw failure;
      out.check();
      if (!entry.write(chunk)) await drainedOrClosed(entry);
      if (failure) throw failure;
      await out.settled();
    },
    async close() {
      entry.end();
      await finalized;
      if (failure) throw failure;
      await out.settled();
      await inner.close();
    },
    async abort() {
      entry.destroy();
      zip.destroy();
      await inner.abort();
    },
  };
}
