import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNdjsonWriter, jsonString } from '../../src/formats/json-writer';

describe('JSON strings in written extracts', () => {
  it('are exactly what JSON.stringify writes, for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (s) => {
          expect(jsonString(s)).toBe(JSON.stringify(s));
        },
      ),
      { numRuns: 5000 },
    );
    for (const s of ['"', '\\', '\u0000', '\u001f', '\ud800', '\udc00x', '😀', '\u2028', 'Åbakken'])
      expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  it('make NDJSON lines that parse back to the values', () => {
    const w = createNdjsonWriter(['a', 'b']);
    const text = w.rows([
      ['x"\\\n\ud800', 3],
      [null, 'ok'],
    ]);
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ a: 'x"\\\n\ud800', b: 3 }, { b: 'ok' }]);
  });
});
