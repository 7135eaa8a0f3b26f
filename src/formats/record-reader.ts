import type { RawRecord } from '../core/validator';

/** A push parser: bytes in, record batches out. Knows no stream API. */
export interface RecordReader {
  write(chunk: Uint8Array): RawRecord[];
  end(): RawRecord[];
  /** Delivery metadata the input itself states (XML root attributes), once read. */
  readonly rootAttributes: Record<string, string> | undefined;
}

/**
 * The most unknown names, repeated names or field problems one record lists, whatever the
 * input holds: a record with a million unknown elements costs no more than one with sixteen.
 */
export const MAX_NAMES_PER_RECORD = 16;

/** The least a reader is given at once: a body in tiny chunks costs no more than in large ones. */
export const MIN_READ_BYTES = 64 * 1024;

/**
 * A reader given its bytes in pieces of at least MIN_READ_BYTES (the last may be smaller): a
 * client that sends a body a byte at a time makes no more calls into the reader than one that
 * sends it whole, so no reader's work per call (a pending record read again, a buffer joined)
 * can grow with the number of chunks. Each piece handed on is a buffer of its own.
 */
export function coalesced(reader: RecordReader): RecordReader {
  let pending: Buffer | null = null;
  let fill = 0;
  const handOn = (): RawRecord[] => {
    if (!pending || fill === 0) return [];
    const piece = pending.subarray(0, fill);
    pending = null;
    fill = 0;
    return reader.write(piece);
  };
  return {
    get rootAttributes() {
      return reader.rootAttributes;
    },
    write(chunk) {
      if (fill === 0 && chunk.length >= MIN_READ_BYTES) return reader.write(chunk);
      const out: RawRecord[] = [];
      let from = 0;
      while (from < chunk.length) {
        pending ??= Buffer.allocUnsafe(MIN_READ_BYTES);
        const n = Math.min(MIN_READ_BYTES - fill, chunk.length - from);
        pending.set(chunk.subarray(from, from + n), fill);
        fill += n;
        from += n;
        if (fill === MIN_READ_BYTES) for (const r of handOn()) out.push(r);
      }
      return out;
    },
    end() {
      const out = handOn();
      for (const r of reader.end()) out.push(r);
      return out;
    },
  };
}
