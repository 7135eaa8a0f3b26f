/** What the differential tests of the readers share: reading bytes in chunks, and the chunks. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildCatalogue, type Catalogue } from '../../src/core/catalogue';
import { GatewayError } from '../../src/core/errors';
import type { CompiledDataset, RawRecord } from '../../src/core/validator';
import type { RecordReader } from '../../src/formats/record-reader';
import { readJsonFiles } from '../../src/runtime/catalogue-files';
import { build, type Case, caseArb } from '../attack/mutations';

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

const ROOT = join(import.meta.dirname, '..', '..');
let catalogue: Catalogue | null = null;

/** A dataset of the project's own catalogue, compiled (pseudonyms are not made here). */
export function compiledDataset(id: string): CompiledDataset {
  catalogue ??= buildCatalogue(
    readJsonFiles(join(ROOT, 'schemas'), ROOT),
    readJsonFiles(join(ROOT, 'deliveries'), ROOT),
    {
      sha256Hex: (t) => createHash('sha256').update(t).digest('hex'),
      pseudonymiser: (ref) => ({ keyId: ref, pseudonymise: (v) => v }),
    },
  );
  const compiled = catalogue.datasets.get(id);
  if (!compiled) throw new Error(`no dataset ${id}`);
  return compiled;
}

/**
 * Runs `check` over mutated deliveries of the attack suite in one format (plain bytes, UTF-8 for
 * CSV), each cut into random chunks: how many the reference refused and how many it read.
 */
export function overMutatedDeliveries(
  format: 'xml' | 'csv',
  check: (dataset: string, body: Uint8Array, cuts: number[]) => Outcome,
): { refused: number; read: number } {
  const counts = { refused: 0, read: 0 };
  fc.assert(
    fc.property(
      caseArb
        .filter((c) => c.format === format)
        .map(
          (c): Case => ({
            ...c,
            ...(format === 'csv' ? { charset: 'utf-8' as const } : {}),
            encoding: 'identity',
            compressed: undefined,
          }),
        )
        .chain((c) => {
          const body = build(c).body;
          return fc.tuple(fc.constant(c), fc.constant(body), cutsOf(body.length));
        }),
      ([c, body, cuts]) => {
        if (check(c.dataset, body, cuts).error) counts.refused++;
        else counts.read++;
      },
    ),
    { numRuns: differentialRuns() },
  );
  return counts;
}
