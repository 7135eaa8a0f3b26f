import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256HexOf } from '../../src/core/hmac-sha256';
import { hmacPseudonymiser } from '../../src/pipeline/pseudonymiser';

const node = (key: Uint8Array) => (v: string) => createHmac('sha256', key).update(v).digest('hex');

describe('HMAC-SHA256 of short values', () => {
  it('gives node:crypto’s HMAC for any key and value, short or long, ASCII or not', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 70 })),
        (key, value) => {
          let fallbacks = 0;
          const fast = hmacSha256HexOf(key, (v) => {
            fallbacks++;
            return node(key)(v);
          });
          expect(fast(value)).toBe(node(key)(value));
          // A short ASCII value under a key of a block or less is computed here, not handed on.
          if (key.length <= 64 && value.length <= 55 && /^[\x00-\x7f]*$/.test(value))
            expect(fallbacks).toBe(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is right at the edges of one block: 55 and 56 bytes, keys of 64 and 65 bytes', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65])
      for (const length of [0, 1, 10, 54, 55, 56, 64]) {
        const key = new Uint8Array(keyLength).map((_, i) => (i * 37 + 11) & 0xff);
        const value = '0123456789'.repeat(7).slice(0, length);
        expect(hmacSha256HexOf(key, node(key))(value)).toBe(node(key)(value));
      }
  });

  it('is what the pseudonymiser gives a CPR number', () => {
    const key = new Uint8Array(32).fill(9);
    expect(hmacPseudonymiser('k', key).pseudonymise('0101011234')).toBe(node(key)('0101011234'));
    expect(hmacPseudonymiser('k', key).pseudonymise('Ærø 0101011234')).toBe(node(key)('Ærø 0101011234'));
  });
});
