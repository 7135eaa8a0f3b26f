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
