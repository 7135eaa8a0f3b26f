import { createTableWriter } from '../core/archival-xml';
import type { CompiledProfile } from '../core/mapper';
import type { DeliveryContext, Projector } from '../core/projection';
import type { Row } from '../core/validator';
import { createRowWriter, type RowWriter } from '../formats';
import { createTextEncoder } from '../formats/text-encoder';
import type { ObjectSink, ObjectStore } from '../stores/object-store';
import { AGE_CONTENT_TYPE, ageSink } from './age-encrypt';
import { archivalVersionSink } from './archival-package';
import { gzipSink, hashingSink, zipSink } from './packaging';

const FLUSH_CHARS = 64 * 1024;
const MAX_WRITES_IN_FLIGHT = 4;

/** One recipient's extract while the delivery streams in: project, write, encode, package, hash, store. */
export class ExtractBuilder {
  readonly projector: Projector;
  readonly writer: RowWriter;
  /** The stored object's media type: the writer's, the package's, or an encrypted file's. */
  readonly contentType: string;
  /** The media type of what is encrypted, or of the stored object when nothing is. */
  readonly plainContentType: string;
  private readonly encode: (s: string) => Uint8Array;
  private pending = '';
  private sink: ObjectSink | null = null;
  private hashing: ReturnType<typeof hashingSink> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly table: ReturnType<typeof createTableWriter> | null = null;
  rows = 0;

  constructor(
    readonly compiled: CompiledProfile,
    readonly objectKey: string,
    private readonly ctx: DeliveryContext,
    /** The file's name inside a zip package. */
    private readonly entryName = 'extract',
  ) {
    this.projector = compiled.createProjector(ctx);
    if (compiled.archival) {
      // An archival version is a zip of its own: the rows become its table1.xml.
      this.table = createTableWriter(compiled.archival);
      this.writer = this.table;
    } else {
      this.writer = createRowWriter(compiled.profile.output, compiled.columns);
    }
    this.encode = createTextEncoder(this.writer.charset);
    const pkg = compiled.profile.package;
    this.plainContentType =
      this.table || pkg === 'zip'
        ? 'application/zip'
        : pkg === 'gzip'
          ? 'application/gzip'
          : this.writer.contentType;
    this.contentType = compiled.profile.encryption ? AGE_CONTENT_TYPE : this.plainContentType;
  }

  async open(store: ObjectStore): Promise<void> {
    await this.openWith(await store.create(this.objectKey));
  }

  /** Writes into a given sink rather than a new object (a preview keeps the bytes in memory). */
  async openWith(sink: ObjectSink): Promise<void> {
    this.hashing = hashingSink(sink);
    const pkg = this.compiled.profile.package;
    // Encrypted last, after any package: what is hashed and stored is the ciphertext.
    const encryption = this.compiled.profile.encryption;
    const stored = encryption ? ageSink(this.hashing, encryption.recipients) : this.hashing;
    this.sink = this.table
      ? await archivalVersionSink(stored, this.compiled, this.ctx, this.table)
      : pkg === 'gzip'
        ? gzipSink(stored)
        : pkg === 'zip'
          ? zipSink(stored, this.entryName)
          : stored;
    this.pending += this.writer.start();
  }

  /** Maps a batch of valid rows; flushes to the store when enough text has gathered. */
  async push(rows: readonly Row[]): Promise<void> {
    const out = this.projector.push(rows);
    if (out.length) {
      this.rows += out.length;
      this.pending += this.writer.rows(out);
    }
    if (this.pending.length >= FLUSH_CHARS) await this.flush();
  }

  /**
   * Encodes what is pending and hands it to the sink without waiting for the write, so the
   * next records are mapped while the store writes; at most a few writes are in flight,
   * which bounds the memory they hold.
   */
  private async flush(): Promise<void> {
    if (!this.pending || !this.sink) return;
    const bytes = this.encode(this.pending);
    this.pending = '';
    const sink = this.sink;
    this.inFlight++;
    this.writes = this.writes
      .then(() => sink.write(bytes))
      .finally(() => {
        this.inFlight--;
      });
    // A failed write surfaces where the writes are awaited (finish), not as an unhandled rejection.
    this.writes.catch(() => {});
    if (this.inFlight >= MAX_WRITES_IN_FLIGHT) await this.writes;
  }

  /** Writes what an aggregate holds back and the closing text; the object becomes readable. */
  async finish(): Promise<{ sha256: string; bytes: number; records: number }> {
    const tail = this.projector.finish();
    if (tail.length) {
      this.rows += tail.length;
      this.pending += this.writer.rows(tail);
    }
    this.pending += this.writer.end();
    await this.flush();
    await this.writes;
    await this.sink?.close();
    this.sink = null;
    const { sha256, bytes } = (this.hashing as ReturnType<typeof hashingSink>).digest();
    return { sha256, bytes, records: this.rows };
  }

  async abort(): Promise<void> {
    const sink = this.sink;
    this.sink = null;
    await this.writes.catch(() => {});
    await sink?.abort();
  }
}
