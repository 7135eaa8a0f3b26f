/**
 * The object store port: payload bytes (original deliveries and extracts) addressed by key.
 * Objects are written through a sink so that one pass over a delivery can feed several
 * objects at once; an object becomes readable when its sink closes.
 */
export interface ObjectSink {
  /** Resolves when the store can take more (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the object durable and readable. */
  close(): Promise<void>;
  /** Drops whatever was written; the key stays absent. */
  abort(): Promise<void>;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface ObjectStore {
  readonly name: string;
  create(key: string): Promise<ObjectSink>;
  /** The object's bytes (or a range of them), or null when there is no such object. */
  read(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | null>;
  stat(key: string): Promise<{ bytes: number } | null>;
  delete(key: string): Promise<void>;
  /** Deletes every object under a folder-like prefix (ending in '/'), and anything half-written there. */
  deletePrefix(prefix: string): Promise<void>;
  /** Every key that begins with the prefix, in no particular order. */
  list(prefix: string): AsyncIterable<string>;
  ping(): Promise<void>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/;

/** Keys are the gateway's own (ids and fixed words); anything else is a bug, refused before any I/O. */
export function assertObjectKey(key: string, store: string): void {
  if (!KEY.test(key) || key.includes('..') || key.includes('//') || key.endsWith('/')) {
    throw new Error(`${store}: invalid object key ${JSON.stringify(key)}`);
  }
}

/** A folder-like prefix: a valid key followed by '/'. */
export function assertObjectPrefix(prefix: string, store: string): void {
  if (!prefix.endsWith('/'))
    throw new Error(`${store}: a prefix names a folder and ends in '/': ${JSON.stringify(prefix)}`);
  assertObjectKey(prefix.slice(0, -1), store);
}
