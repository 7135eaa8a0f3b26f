import type { OutRow } from '../core/projection';
import type { Charset } from './encoding';

/** Turns output rows into text; the caller encodes and stores it. Knows no stream API. */
export interface RowWriter {
  readonly charset: Charset;
  readonly contentType: string;
  readonly extension: string;
  start(): string;
  rows(rows: readonly OutRow[]): string;
  end(): string;
}
