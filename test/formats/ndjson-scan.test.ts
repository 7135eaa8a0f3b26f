import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNdjsonReader, scanObjectLine } from '../../src/formats/ndjson-reader';

describe('scanObjectLine', () => {
  it('gives each top-level number as written and nothing for strings, literals or nested values', () => {
    const { numbers, repeated } = scanObjectLine(
      '{"a": 37.50, "b":"x\\"y:1", "c" : 1e1 ,"d":true,"e":null,"f":{"g":2},"h":[3,"4"],"i":-0}',
    );
    expect(Object.fromEntries(numbers ?? [])).toEqual({ a: '37.50', c: '1e1', i: '-0' });
    expect(repeated).toEqual([]);
  });

  it('finds a key given twice, also when one is written with escapes', () => {
    expect(scanObjectLine('{"cpr":"1","x":2,"cpr":"2"}').repeated).toEqual(['cpr']);
    expect(scanObjectLine('{"cpr":"1","\\u0063pr":"2"}').repeated).toEqual(['cpr']);
    expect(scanObjectLine('{"a\\\\":1,"a":2}').repeated).toEqual([]);
  });
});

describe('the NDJSON reader with its line scan skipped where no key can repeat', () => {
  it('finds every repeated key and every number as written, whatever the colons in values', () => {
    const key = fc.constantFrom('cpr', 'careType', 'weeklyHours', 'x');
    const value = fc.oneof(
      fc.string().map((s) => JSON.stringify(s)),
      fc.constantFrom('"a:b"', '"::"', '1e1', '37.50', '-0', 'true', 'null', '{"k:":1}', '[1,":"]'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value, fc.constantFrom('', ' ', '\t')), { minLength: 1, maxLength: 6 }),
        (pairs) => {
          const line = `{${pairs.map(([k, v, ws]) => `"${k}"${ws}:${ws}${v}`).join(',')}}`;
          const reader = createNdjsonReader({
            fields: ['cpr', 'careType', 'weeklyHours'],
            maxLineChars: 100_000,
          });
          const [raw] = [...reader.write(new TextEncoder().encode(`${line}\n`)), ...reader.end()];
          const { numbers, repeated } = scanObjectLine(line);
          expect(raw?.repeated ?? []).toEqual(repeated.slice(0, 16));
          const parsed = JSON.parse(line) as Record<string, unknown>;
          for (const k of ['cpr', 'careType', 'weeklyHours'])
            if (typeof parsed[k] === 'number') expect(raw?.fields[k]).toBe(numbers?.get(k));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the NDJSON reader and bytes that are not UTF-8', () => {
  const read = (bytes: Uint8Array, cut: number) => {
    const reader = createNdjsonReader({ fields: ['cpr'], maxLineChars: 100_000 });
    try {
      reader.write(bytes.subarray(0, cut));
      reader.write(bytes.subarray(cut));
      reader.end();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  };
  it('names the first fault in the bytes, wherever the chunks end', () => {
    const bad = Buffer.concat([
      Buffer.from('{"cpr":"1"}\n{"cpr":\n{"cpr":"2"}\n{"cpr":"'),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    const answers = new Set([1, 5, 20, 30, bad.length - 1].map((cut) => read(bad, cut)));
    expect([...answers]).toEqual(['line 2: not a JSON value']);
    const late = Buffer.concat([
      Buffer.from('{"cpr":"1"}\n{"cpr":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n'),
    ]);
    const lateAnswers = new Set([1, 14, late.length - 1].map((cut) => read(late, cut)));
    expect([...lateAnswers]).toEqual(['line 2: the delivery has bytes that are not valid utf-8']);
    // A character begun and not finished at the very end, after the last line end.
    const cutShort = Buffer.concat([Buffer.from('{"cpr":"1"}\n{"cpr":"2"}\n'), Buffer.from([0xe2, 0x82])]);
    expect(new Set([1, 20, cutShort.length - 1].map((cut) => read(cutShort, cut)))).toEqual(
      new Set(['line 3: the delivery has bytes that are not valid utf-8']),
    );
  });
});
