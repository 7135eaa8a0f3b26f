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
