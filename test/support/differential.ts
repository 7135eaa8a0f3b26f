/** What the differential tests of the readers share: reading bytes in chunks, and the chunks. */
import fc from 'fast-check';
import { GatewayError } from '../../src/core/errors';
import type { RawRecord } from '../../src/core/validator';
import type { RecordReader } from '../../src/formats/record-reader';

export interface Outcome {
  records: RawRecord[];
  rootAttributes: Record<string, string> | undefined;
  error?: { code: string; message: string };
}

/** Reads `bytes` cut at `cuts` (sorted offsets): the reader's whole answer. */
export function readAll(reader: RecordReader, bytes: Uint8Array, cuts: number[]): Outcome {
  const records: RawRecord[] = [];
  try {
    let from = 0;
    for (const at of [...cuts, bytes.length]) {
      if (at <= from) continue;
      records.push(...reader.write(bytes.subarray(from, at)));
      from = at;
    }
    records.push(...reader.end());
    return { records, rootAttributes: reader.rootAttributes };
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return { records, rootAttributes: reader.rootAttributes, error: { code: e.code, message: e.message } };
  }
}

/** Up to twelve places to cut `length` bytes at, in order. */
export const cutsOf = (length: number) =>
  fc
    .array(fc.integer({ min: 0, max: Math.max(length, 1) }), { maxLength: 12 })
    .map((a) => a.sort((x, y) => x - y));

/** How many runs a differential property makes: DIFFERENTIAL_RUNS, or 400. */
export const differentialRuns = () => Number(process.env.DIFFERENTIAL_RUNS ?? 400);
