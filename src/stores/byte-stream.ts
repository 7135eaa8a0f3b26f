import { createHash } from 'node:crypto';

/** Whether a value can be read with `for await` (a Node stream, a web ReadableStream in Workers and Node 20). */
function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    Symbol.asyncIterator in v &&
    typeof (v as { [Symbol.asyncIterator]: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The bytes of a body an object service handed back (the AWS SDK's stream, an R2 object's
 * ReadableStream), checked as they come: a body that is not a stream of bytes is an error, not
 * something passed on under another type.
 */
export async function* bytesOf(body: unknown, store: string): AsyncIterable<Uint8Array> {
  if (!isAsyncIterable(body)) throw new Error(`${store}: the object's body is not a stream`);
  for await (const chunk of body) {
    if (!(chunk instanceof Uint8Array))
      throw new Error(`${store}: the object's body gave something other than bytes`);
    yield chunk;
  }
}

/** An async iterable of bytes as a web ReadableStream, pulled as the client reads. */
export function toReadableStream(
  source: AsyncIterable<Uint8Array>,
  opts: { expectSha256?: string; onMismatch?: (actual: string) => void } = {},
): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const hash = opts.expectSha256 ? createHash('sha256') : null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await it.next();
        if (done) {
          const actual = hash?.digest('hex');
          if (hash && actual !== opts.expectSha256) {
            opts.onMismatch?.(actual as string);
            // The client gets a broken transfer rather than bytes that are not what was stored.
            controller.error(new Error('stored object does not match its sha256'));
            return;
          }
          controller.close();
          return;
        }
        const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
        hash?.update(chunk);
        controller.enqueue(chunk);
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
}
