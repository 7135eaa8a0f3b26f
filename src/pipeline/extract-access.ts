/**
 * What a recipient does with its extract, for the API and the dashboard alike: read its bytes
 * (every read audited before the first byte goes out) and give its word on it.
 */
import { actorOf, type Principal } from '../auth/principal';
import type { Clock } from '../core/clock';
import { maskCprShaped } from '../core/cpr-shaped';
import { GatewayError } from '../core/errors';
import type { ExtractRecord, MetadataStore } from '../stores/metadata-store';
import type { ByteRange, ObjectStore } from '../stores/object-store';

export interface ExtractAccessDeps {
  metadata: MetadataStore;
  objects: ObjectStore;
  now: Clock;
  log: { error(o: object, msg: string): void };
}

/**
 * The extract's bytes (or a range of them), with the read recorded first: `extract.read` every
 * time, and `extract.fetched` on the first read of an available extract.
 */
export async function readExtract(
  deps: ExtractAccessDeps,
  p: Principal,
  e: ExtractRecord,
  range: ByteRange | null,
  address: string,
): Promise<AsyncIterable<Uint8Array>> {
  if (e.status === 'purged') throw new GatewayError('gone', `extract ${e.id} was purged`);
  const stream = await deps.objects.read(e.objectKey, range ?? undefined);
  if (!stream) {
    deps.log.error(
      { extractId: e.id, objectKey: e.objectKey },
      'extract object is missing from the object store',
    );
    throw new GatewayError('internal', `the bytes of extract ${e.id} cannot be read`);
  }
  // Committed before the first byte is sent: a process that dies after answering has lost no read.
  await deps.metadata.recordExtractRead({
    id: e.id,
    at: deps.now().toISOString(),
    actor: actorOf(p),
    bytes: range ? range.end - range.start + 1 : e.bytes,
    range,
    address,
  });
  return stream;
}

/** Characters that reorder text as it is shown (RLO, LRE, isolates, marks): a reason is read as typed. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export type Word = { status: 'accepted' } | { status: 'refused'; reason: string };

/** The recipient's word on an extract; 409 when it was given already or the extract is no longer current. */
export async function acknowledge(
  deps: Pick<ExtractAccessDeps, 'metadata' | 'now'>,
  p: Principal,
  e: ExtractRecord,
  word: Word,
): Promise<ExtractRecord> {
  const ack =
    word.status === 'accepted'
      ? { status: 'accepted' as const, reason: null }
      : // Free text a person typed: a CPR number quoted in it is not kept (audit log, extract view),
        // nor are the controls that turn text around on the reader's screen.
        { status: 'refused' as const, reason: maskCprShaped(word.reason.replace(BIDI_CONTROLS, '').trim()) };
  const result = await deps.metadata.acknowledgeExtract({
    id: e.id,
    ack,
    at: deps.now().toISOString(),
    actor: actorOf(p),
  });
  if (!result) throw new GatewayError('not_found', `there is no extract ${e.id}`);
  if (result.result === 'conflict') {
    const why = result.extract.acknowledgement
      ? `extract ${e.id} was already ${result.extract.acknowledgement.status === 'accepted' ? 'acknowledged' : 'refused'}`
      : `extract ${e.id} is ${result.extract.status} and can no longer be acknowledged`;
    throw new GatewayError('already_acknowledged', why, { extractStatus: result.extract.status });
  }
  return result.extract;
}
