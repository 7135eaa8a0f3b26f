/**
 * The CSV reader's byte scanner against csv-parse: over the attack suite's mutated CSV
 * deliveries and a corpus of quirky files, cut into chunks at random places, both give the same
 * records or the same error.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsvParseReader } from '../../src/formats/csv-parse-reader';
import { type CsvReaderOptions, createCsvReader } from '../../src/formats/csv-reader';
import { csvReaderOptions } from '../../src/formats/readers';
import {
  compiledDataset,
  cutsOf,
  type Outcome,
  overMutatedDeliveries,
  readAll as read,
} from '../support/differential';

const options = (dataset: string): CsvReaderOptions => csvReaderOptions(compiledDataset(dataset), 'utf-8');

/**
 * The bytes read by csv-parse and by the scanner in the same chunks: one answer. A refusal is
 * also csv-parse's refusal of the bytes in one piece: the first fault in the bytes, wherever the
 * chunks end. (The line csv-parse gives a record after empty lines can depend on where a chunk
 * ends; the scanner's cannot, and records are compared chunk for chunk.)
 */
function expectSame(dataset: string, bytes: Uint8Array, cuts: number[] = []): Outcome {
  const want = read(createCsvParseReader(options(dataset)), bytes, cuts);
  const got = read(createCsvReader(options(dataset)), bytes, cuts);
  if (want.error || got.error) {
    expect(got.error, 'both refuse').toEqual(want.error);
    expect(read(createCsvParseReader(options(dataset)), bytes, []).error, 'in one piece').toEqual(want.error);
  } else expect(got.records).toEqual(want.records);
  return want;
}

describe('the CSV scanner against csv-parse', () => {
  it('gives the same answer for every mutated CSV delivery of the attack suite, in any chunks', () => {
    const { refused, read } = overMutatedDeliveries('csv', expectSame);
    expect(refused).toBeGreaterThan(5);
    expect(read).toBeGreaterThan(20);
  });

  const H = 'cpr,institutionId,institutionName,careType,startDate,endDate,weeklyHours,privateProvider';
  const R = '0101215123,1012345678,Børnehuset Ærø,vuggestue,2022-08-01,,37.5,false';
  const quirky: Record<string, string | Uint8Array> = {
    plain: `${H}\n${R}\n${R}\n`,
    CRLF: `${H}\r\n${R}\r\n${R}\r\n`,
    'no last line end': `${H}\n${R}\n${R}`,
    'byte order mark': `\uFEFF${H}\n${R}\n`,
    semicolons: `${H.replaceAll(',', ';')}\n${R.replaceAll(',', ';')}\n`,
    'comma in a value under semicolons': `${H.replaceAll(',', ';')}\n${R.replaceAll(',', ';').replace('Ærø', 'Ærø, Syd')}\n`,
    'both delimiters in the header': `cpr,careType;x\n1,2\n`,
    'quoted values': `${H}\n0101215123,1012345678,"Børnehuset ""Ærø"", Syd",vuggestue,2022-08-01,,37.5,false\n`,
    'quoted newline LF': `${H}\n0101215123,1012345678,"a\nb",vuggestue,2022-08-01,,37.5,false\n${R}\n`,
    'quoted CRLF in a CRLF file': `${H}\r\n0101215123,1012345678,"a\r\nb",vuggestue,2022-08-01,,37.5,false\r\n${R}\r\n`,
    'quoted LF in a CRLF file': `${H}\r\n0101215123,1012345678,"a\nb",vuggestue,2022-08-01,,37.5,false\r\n${R}\r\n`,
    'every field quoted': `${H}\n${R.split(',')
      .map((c) => `"${c}"`)
      .join(',')}\n`,
    'empty quoted field': `${H}\n0101215123,"",x,vuggestue,2022-08-01,"",37.5,false\n`,
    'quoted last field at end of file': `${H}\n0101215123,1,x,vuggestue,2022-08-01,,37.5,"false"`,
    'empty lines': `\n${H}\n\n${R}\n\n\n${R}\n`,
    'whitespace line': `${H}\n   \n${R}\n`,
    'lone CR': `${H}\n${R}\r${R}\n`,
    'CRLF then LF': `${H}\r\n${R}\n${R}\r\n`,
    'LF then CRLF': `${H}\n${R}\r\n${R}\n`,
    'quote inside a value': `${H}\n0101215123,1,Bø"rn,vuggestue,2022-08-01,,37.5,false\n`,
    'text after a closing quote': `${H}\n0101215123,1,"Børn"x,vuggestue,2022-08-01,,37.5,false\n`,
    'space before a quote': `${H}\n0101215123,1, "Børn",vuggestue,2022-08-01,,37.5,false\n`,
    'unclosed quote': `${H}\n0101215123,1,"Børn,vuggestue,2022-08-01,,37.5,false\n`,
    'too few values': `${H}\n0101215123,1\n`,
    'too many values': `${H}\n${R},x,y\n`,
    'trailing delimiter': `${H}\n${R},\n`,
    'unknown column': `${H},shoeSize\n${R},32\n`,
    'duplicate column': `cpr,cpr\n1,2\n`,
    'missing required column': `careType\nx\n`,
    'header only': `${H}\n`,
    'header only, no line end': H,
    empty: '',
    'only line ends': '\n\n\n',
    'quoted header': `"cpr",careType\n0101215123,x\n`,
    'control characters': `${H}\n0101215123,1,a\u0001b\u0000c,vuggestue,2022-08-01,,37.5,false\n`,
    'replacement character': `${H}\n0101215123,1,a\uFFFDb,vuggestue,2022-08-01,,37.5,false\n`,
    'astral characters': `${H}\n0101215123,1,𝔘 😀,vuggestue,2022-08-01,,37.5,false\n`,
    'a long value': `${H}\n0101215123,1,${'ø'.repeat(30_000)},vuggestue,2022-08-01,,37.5,false\n`,
    'a record past the limit': `${H}\n0101215123,1,${'x'.repeat(130_000)},vuggestue,2022-08-01,,37.5,false\n`,
    'invalid UTF-8 in a value': Buffer.concat([
      Buffer.from(`${H}\n0101215123,1,a`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',vuggestue,2022-08-01,,37.5,false\n'),
    ]),
    'invalid UTF-8 after an unclosed quote': Buffer.concat([
      Buffer.from(`${H}\n0101215123,1,"a\n${R}\n`),
      Buffer.from([0xff]),
      Buffer.from(`\n${R}\n`),
    ]),
    'invalid UTF-8 after a stray quote': Buffer.concat([
      Buffer.from(`${H}\n0101215123,1,a"b,vuggestue,2022-08-01,,37.5,false\n${R}\n`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`\n${R}\n`),
    ]),
    'invalid UTF-8 in a quoted value': Buffer.concat([
      Buffer.from(`${H}\n0101215123,1,"a`),
      Buffer.from([0xff]),
      Buffer.from('",vuggestue,2022-08-01,,37.5,false\n'),
    ]),
  };

  for (const [name, text] of Object.entries(quirky)) {
    it(`gives the same answer for a quirky file: ${name}`, () => {
      const bytes = typeof text === 'string' ? Buffer.from(text) : text;
      expectSame('daycare', bytes);
      fc.assert(
        fc.property(cutsOf(bytes.length), (cuts) => void expectSame('daycare', bytes, cuts)),
        {
          numRuns: 40,
        },
      );
    });
  }

  it('names the line of a character cut short at the very end', () => {
    const bytes = Buffer.concat([Buffer.from(`${H}\n${R}\n${R}\n`), Buffer.from([0xe2, 0x82])]);
    for (const cuts of [[], [5], [bytes.length - 1]])
      expect(read(createCsvReader(options('daycare')), bytes, cuts).error).toEqual({
        code: 'not_well_formed',
        message: 'line 4: the delivery has bytes that are not valid utf-8',
      });
  });

  it('names the line of bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${H}\n${R}\n${R}\n0101215123,1,`),
      Buffer.from([0xff]),
      Buffer.from(`\n`),
    ]);
    for (const cuts of [[], [3], [bytes.length - 2]])
      expect(read(createCsvReader(options('daycare')), bytes, cuts).error).toEqual({
        code: 'not_well_formed',
        message: 'line 4: the delivery has bytes that are not valid utf-8',
      });
  });

  it('reads plain and quoted records itself, handing over only where it meets what it does not read', () => {
    const handOvers = (text: string) => {
      const at: number[] = [];
      read(
        createCsvReader(options('daycare'), { handedOver: (n) => at.push(n) }),
        Buffer.from(text),
        [5, 77, 300],
      );
      return at;
    };
    for (const name of ['plain', 'CRLF', 'quoted values', 'quoted newline LF', 'quoted CRLF in a CRLF file'])
      expect(handOvers(quirky[name] as string), name).toEqual([]);
    const lone = quirky['lone CR'] as string;
    expect(handOvers(lone)).toEqual([Buffer.byteLength(`${H}\n`)]);
  });
});
