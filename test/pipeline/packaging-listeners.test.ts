import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { drainedOrClosed } from '../../src/pipeline/packaging';

describe('waiting on a stream that pushes back', () => {
  it('leaves no listener behind however many writes wait', async () => {
    const stream = new PassThrough({ highWaterMark: 4 });
    stream.resume();
    for (let i = 0; i < 50; i++) if (!stream.write(Buffer.alloc(16))) await drainedOrClosed(stream);
    expect(stream.listenerCount('drain') + stream.listenerCount('close')).toBe(0);
  });
});
