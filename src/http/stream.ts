import { createHash } from 'node:crypto';

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
