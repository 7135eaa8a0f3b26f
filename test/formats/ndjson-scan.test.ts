import { describe, expect, it } from 'vitest';
import { scanObjectLine } from '../../src/formats/ndjson-reader';

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
