import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/core/errors';
import type { RawRecord } from '../../src/core/validator';
import { createCsvReader } from '../../src/formats/csv-reader';

const FIELDS = ['cpr', 'careType', 'institutionName'];
const read = (text: string | Uint8Array, chunk = 7) => {
  const r = createCsvReader({
    charset: 'utf-8',
    fields: FIELDS,
    required: ['cpr', 'careType'],
    maxFieldChars: 1000,
  });
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const out: RawRecord[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...r.write(bytes.subarray(i, i + chunk)));
  out.push(...r.end());
  return out;
};

describe('the CSV reader', () => {
  it('reads records with the line each begins on, across quoted newlines and any chunking', () => {
    const text =
      'careType;cpr;institutionName\r\nvuggestue;0101215123;"Børnehuset\r\n""Ærø"""\r\nboernehave;1502225678;Solsikken\r\n';
    for (const chunk of [1, 3, 64]) {
      const rows = read(text, chunk);
      expect(rows.map((r) => [r.n, r.line, r.fields.cpr, r.fields.institutionName])).toEqual([
        [1, 2, '0101215123', 'Børnehuset\r\n"Ærø"'],
        [2, 4, '1502225678', 'Solsikken'],
      ]);
    }
  });

  it('counts lines the same with LF line ends and a last record without one', () => {
    const rows = read('cpr,careType\n0101215123,vuggestue\n\n1502225678,"boerne\nhave"\n2902205999,dagpleje');
    expect(rows.map((r) => r.line)).toEqual([2, 4, 6]);
  });

  it('reports unknown columns and a wrong number of values per record', () => {
    const rows = read('cpr,careType,shoeSize\n0101215123,vuggestue,32\n1502225678,boernehave\n');
    expect(rows[0]?.unknown).toEqual(['shoeSize']);
    expect(rows[1]?.problems?.[0]?.rule).toBe('columns');
  });

  it('refuses a header without a required column, an empty body and an unclosed quote', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as GatewayError).code;
      }
      return null;
    };
    expect(code(() => read('cpr,institutionName\n0101215123,x\n'))).toBe('unprocessable');
    expect(code(() => read(''))).toBe('not_well_formed');
    expect(code(() => read('cpr,careType\n"0101215123,vuggestue\n'))).toBe('not_well_formed');
  });
});
