import { GatewayError } from '../core/errors';

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

/**
 * The request body as the delivery's own bytes: gzip is undone as it streams, and a body
 * that would inflate past the size limit or by an implausible ratio (a decompression bomb)
 * is refused with 413 long before it is all inflated.
 */
export function deliveryBytes(
  raw: ReadableStream<Uint8Array>,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): AsyncIterable<Uint8Array> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw as unknown as AsyncIterable<Uint8Array>;
  if (encoding !== 'gzip' && encoding !== 'x-gzip')
    throw new GatewayError(
      'unsupported_media_type',
      `Content-Encoding ${encoding} is not accepted; send gzip or no encoding`,
    );
  let sent = 0;
  const counted = raw.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const inflated = counted.pipeThrough(
    new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  return (async function* () {
    let out = 0;
    const reader = inflated.getReader();
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch {
          throw new GatewayError('not_well_formed', 'the gzip stream is damaged or truncated');
        }
        if (r.done) return;
        out += r.value.length;
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
        yield r.value;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  })();
}
