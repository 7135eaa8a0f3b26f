import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GatewayError } from '../core/errors';
import { nameAsShown } from '../core/value-shape';

export interface BodyLimits {
  /** The most bytes accepted, counted both as sent and after decompression. */
  maxBytes: number;
  /** The largest decompressed : compressed ratio accepted, once past `ratioGraceBytes`. */
  maxRatio: number;
  ratioGraceBytes: number;
}

export const DEFAULT_BODY_LIMITS: Omit<BodyLimits, 'maxBytes'> = {
  maxRatio: 200,
  ratioGraceBytes: 16 * 1024 * 1024,
};

/** How a broken request body shows itself: the client cut the connection or its framing is wrong. */
const BODY_READ_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_INVALID_EOF_STATE',
]);

/**
 * A refusal for an error met while a request body was read, when the client caused it (a
 * connection cut mid-body, broken chunked framing); null for anything else.
 */
export function bodyReadFailure(err: unknown): GatewayError | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (BODY_READ_CODES.has(code) || message === 'aborted' || message === 'Premature close')
    return new GatewayError(
      'bad_request',
      'the request body could not be read to its end: the connection was cut or its framing is broken',
    );
  return null;
}

/** The most bytes one inflated chunk holds, whatever the compressed input. */
const INFLATED_CHUNK = 64 * 1024;

/**
 * The request body as the delivery's own bytes: gzip is undone as it streams, and a body
 * that would inflate past the size limit or by an implausible ratio (a decompression bomb)
 * is refused with 413 long before it is all inflated.
 *
 * Inflation runs in a zlib stream that is destroyed, never cancelled half-way, when the
 * consumer stops early (a refusal): the consumer may stop at any byte, and nothing inflates
 * after it has.
 */
export function deliveryBytes(
  raw: ReadableStream<Uint8Array>,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): AsyncIterable<Uint8Array> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'x-gzip')
    throw new GatewayError(
      'unsupported_media_type',
      `Content-Encoding ${nameAsShown(encoding)} is not accepted; send gzip or no encoding`,
    );
  return (async function* () {
    let sent = 0;
    let out = 0;
    const source = Readable.fromWeb(raw as Parameters<typeof Readable.fromWeb>[0]);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        done(null, chunk);
      },
    });
    const gunzip = createGunzip({ chunkSize: INFLATED_CHUNK });
    // Errors are read from the gunzip side below; these keep the other two from going unheard.
    source.on('error', (e) => gunzip.destroy(e));
    counter.on('error', (e) => gunzip.destroy(e));
    source.pipe(counter).pipe(gunzip);
    try {
      const chunks = gunzip[Symbol.asyncIterator]();
      for (;;) {
        let r: IteratorResult<Buffer>;
        try {
          r = await chunks.next();
        } catch {
          throw new GatewayError('not_well_formed', 'the gzip stream is damaged or truncated');
        }
        if (r.done) return;
        const chunk = r.value;
        out += chunk.length;
        if (out > limits.maxBytes)
          throw new GatewayError(
            'payload_too_large',
            `the delivery inflates to more than ${limits.maxBytes} bytes`,
          );
        if (out > limits.ratioGraceBytes && out / Math.max(sent, 1) > limits.maxRatio)
          throw new GatewayError(
            'payload_too_large',
            `the delivery inflates more than ${limits.maxRatio} times: refused as a decompression bomb`,
          );
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    } finally {
      source.unpipe(counter);
      counter.unpipe(gunzip);
      gunzip.destroy();
      counter.destroy();
      source.destroy();
    }
  })();
}
