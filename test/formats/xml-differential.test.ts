import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { xmlReaderOptions } from '../../src/formats/readers';
import { createXmlReader } from '../../src/formats/xml-reader';
import { createSaxesXmlReader } from '../../src/formats/xml-saxes';
import {
  compiledDataset,
  cutsOf,
  type Outcome,
  overMutatedDeliveries,
  readAll as read,
} from '../support/differential';

const options = (dataset: string) => xmlReaderOptions(compiledDataset(dataset));

/**
 * The bytes read by saxes in one piece, by saxes in the chunks given, and by the scanner in
 * those chunks: one answer. Records read before a refusal are not compared (a refused delivery
 * keeps none).
 */
function expectSame(dataset: string, bytes: Uint8Array, cuts: number[] = []): Outcome {
  const want = read(createSaxesXmlReader(options(dataset)), bytes, []);
  for (const got of [
    read(createSaxesXmlReader(options(dataset)), bytes, cuts),
    read(createXmlReader(options(dataset)), bytes, cuts),
  ]) {
    if (want.error || got.error) expect(got.error, 'both refuse').toEqual(want.error);
    else {
      expect(got.records).toEqual(want.records);
      expect(got.rootAttributes).toEqual(want.rootAttributes);
    }
  }
  return want;
}

describe('the XML scanner against saxes', () => {
  it('gives the same answer for every mutated delivery of the attack suite, in any chunks', () => {
    const { refused, read } = overMutatedDeliveries('xml', expectSame);
    expect(refused).toBeGreaterThan(20);
    expect(read).toBeGreaterThan(20);
  });

  const RECORD = (fields: string) => `<Enrolment>${fields}</Enrolment>`;
  const FIELDS =
    '<Cpr>0101215123</Cpr><InstitutionId>1012345678</InstitutionId><InstitutionName>Børnehuset "Ærø" &amp; Co</InstitutionName><CareType>vuggestue</CareType><StartDate>2022-08-01</StartDate><WeeklyHours>37.5</WeeklyHours>';
  const doc = (body: string, opts: { decl?: string; root?: string; eol?: string } = {}) =>
    `${opts.decl ?? '<?xml version="1.0" encoding="UTF-8"?>'}${opts.eol ?? '\n'}${opts.root ?? '<Delivery xmlns="urn:flis-gateway:daycare:1">'}${opts.eol ?? '\n'}${body}${opts.eol ?? '\n'}</Delivery>${opts.eol ?? '\n'}`;
  const quirky: Record<string, string | Uint8Array> = {
    plain: doc(`  ${RECORD(FIELDS)}\n  ${RECORD(FIELDS)}`),
    'one line': doc(RECORD(FIELDS).repeat(5), { eol: '' }),
    'no declaration': doc(RECORD(FIELDS), { decl: '' }),
    'single-quoted declaration, standalone': doc(RECORD(FIELDS), {
      decl: "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
    }),
    'declaration of version 1.1': doc(RECORD(FIELDS), { decl: '<?xml version="1.1" encoding="UTF-8"?>' }),
    'declaration not first': ` ${doc(RECORD(FIELDS))}`,
    'byte order mark, CRLF': `\uFEFF${doc(`${RECORD(FIELDS)}\r\n${RECORD(FIELDS)}`, { eol: '\r\n' })}`,
    'lone CR line ends': doc(`${RECORD(FIELDS)}\r${RECORD(FIELDS)}`, { eol: '\r' }),
    'CR inside a field': doc(RECORD('<Cpr>0101215123</Cpr><InstitutionName>a\r\nb</InstitutionName>')),
    'character references': doc(
      RECORD('<InstitutionName>&#248;&#xC6;&#13;&#10;&quot;&apos;&lt;&gt;</InstitutionName>'),
    ),
    'reference to nothing': doc(RECORD('<InstitutionName>&#0;</InstitutionName>')),
    'reference to a surrogate': doc(RECORD('<InstitutionName>&#xD800;</InstitutionName>')),
    'undeclared entity': doc(RECORD('<InstitutionName>&nbsp;</InstitutionName>')),
    'bare ampersand': doc(RECORD('<InstitutionName>a & b</InstitutionName>')),
    'CDATA end in text': doc(RECORD('<InstitutionName>a ]]> b</InstitutionName>')),
    'brackets in text': doc(RECORD('<InstitutionName>a ]] > b [x]</InstitutionName>')),
    'CDATA section': doc(RECORD('<InstitutionName><![CDATA[a < b]]></InstitutionName>')),
    'comment in a record': doc(RECORD(`${FIELDS}<!-- note -->`)),
    'comment between records': doc(`${RECORD(FIELDS)}<!-- note -->${RECORD(FIELDS)}`),
    'processing instruction': doc(`${RECORD(FIELDS)}<?audit seen?>${RECORD(FIELDS)}`),
    'comment after the root': `${doc(RECORD(FIELDS))}<!-- end -->\n`,
    'text after the root': `${doc(RECORD(FIELDS))}x`,
    'second root': `${doc(RECORD(FIELDS))}<Delivery xmlns="urn:flis-gateway:daycare:1"/>`,
    DOCTYPE: `<!DOCTYPE Delivery>\n${doc(RECORD(FIELDS), { decl: '' })}`,
    'empty elements': doc(RECORD('<Cpr/><InstitutionId />< InstitutionName></InstitutionName>')),
    'empty field elements': doc(RECORD('<Cpr/><InstitutionId /><InstitutionName></InstitutionName>')),
    'empty record': doc('<Enrolment/><Enrolment />'),
    'empty root': '<Delivery xmlns="urn:flis-gateway:daycare:1"/>',
    'no records': doc(''),
    'whitespace in tags': doc('<Enrolment\n><Cpr\t>0101215123</Cpr\n ></Enrolment >'),
    'unknown and repeated fields': doc(
      RECORD(`${FIELDS}<Nickname>x</Nickname><Cpr>0101215124</Cpr><Extra/>`),
    ),
    'nested element in a field': doc(RECORD('<Cpr><b>0101215123</b></Cpr>')),
    'attribute on a field': doc(RECORD('<Cpr kind="x">0101215123</Cpr>')),
    'attribute on a record': doc('<Enrolment id="1"><Cpr>0101215123</Cpr></Enrolment>'),
    'prefixed field': doc(RECORD('<x:Cpr xmlns:x="urn:other">0101215123</x:Cpr>')),
    'prefixed document': doc('<d:Enrolment><d:Cpr>0101215123</d:Cpr></d:Enrolment>', {
      root: '<d:Delivery xmlns:d="urn:flis-gateway:daycare:1">',
    }).replace('</Delivery>', '</d:Delivery>'),
    'another namespace': doc(RECORD(FIELDS), { root: '<Delivery xmlns="urn:other">' }),
    'no namespace': doc(RECORD(FIELDS), { root: '<Delivery>' }),
    'another root': doc(RECORD(FIELDS), { root: '<Levering xmlns="urn:flis-gateway:daycare:1">' }).replace(
      '</Delivery>',
      '</Levering>',
    ),
    'another record element': doc('<Barn><Cpr>0101215123</Cpr></Barn>'),
    'root attributes': doc(RECORD(FIELDS), {
      root: '<Delivery xmlns="urn:flis-gateway:daycare:1" dataset="daycare" municipality=\'101\'\n   period="2026-10" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x y.xsd">',
    }),
    'root attribute with a reference': doc(RECORD(FIELDS), {
      root: '<Delivery xmlns="urn:flis-gateway:daycare:1" municipality="1&#48;1">',
    }),
    'undeclared attribute prefix': doc(RECORD(FIELDS), {
      root: '<Delivery xmlns="urn:flis-gateway:daycare:1" q:x="1">',
    }),
    'duplicate root attribute': doc(RECORD(FIELDS), {
      root: '<Delivery xmlns="urn:flis-gateway:daycare:1" a="1" a="2">',
    }),
    'mismatched end tag': doc(RECORD('<Cpr>0101215123</Cpx>')),
    'unclosed record': doc('<Enrolment><Cpr>0101215123</Cpr>'),
    'cut in a field': doc(RECORD(FIELDS)).slice(0, 120),
    'cut after the root start': '<?xml version="1.0"?>\n<Delivery xmlns="urn:flis-gateway:daycare:1">\n',
    empty: '',
    'only whitespace': '   \n',
    'control character': doc(RECORD('<InstitutionName>a\u0001b</InstitutionName>')),
    'U+FFFE': doc(RECORD('<InstitutionName>a\uFFFEb</InstitutionName>')),
    'replacement character': doc(RECORD('<InstitutionName>a\uFFFDb</InstitutionName>')),
    'astral characters': doc(RECORD('<InstitutionName>𝔘𝔫𝔦 😀</InstitutionName>')),
    'non-ASCII element name': doc(RECORD(`${FIELDS}<Ærø>1</Ærø>`)),
    'name with a bad start': doc(RECORD('<1Cpr>0101215123</1Cpr>')),
    'long text': doc(RECORD(`<InstitutionName>${'x'.repeat(300_000)}</InstitutionName>`)),
    'text past the field limit': doc(RECORD(`<InstitutionName>${'ø'.repeat(12_000)}</InstitutionName>`)),
    'deep nesting': doc(RECORD(`<Cpr>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</Cpr>`)),
    'mixed text in a record': doc(RECORD(`x${FIELDS}`)),
    'text between records': doc(`${RECORD(FIELDS)} x ${RECORD(FIELDS)}`),
    'ISO-8859-1': iconv.encode(
      doc(RECORD(FIELDS), { decl: '<?xml version="1.0" encoding="ISO-8859-1"?>' }),
      'latin1',
    ),
    'Windows-1252': iconv.encode(
      doc(RECORD(FIELDS), { decl: "<?xml version='1.0' encoding='windows-1252'?>" }),
      'win1252',
    ),
    'UTF-16': iconv.encode(doc(RECORD(FIELDS), { decl: '<?xml version="1.0" encoding="UTF-16"?>' }), 'utf16'),
    'invalid UTF-8 in a field': Buffer.concat([
      Buffer.from(doc(RECORD('<InstitutionName>a')).split('a</InstitutionName>')[0] as string),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`</InstitutionName></Enrolment>\n</Delivery>\n`),
    ]),
    'invalid UTF-8 between records': Buffer.concat([
      Buffer.from(doc(RECORD(FIELDS)).replace('</Delivery>\n', '')),
      Buffer.from([0xff, 0x0a]),
      Buffer.from('</Delivery>\n'),
    ]),
    'error on a later line': doc(`${RECORD(FIELDS)}\n  ${RECORD(FIELDS)}\n  ${RECORD('<Cpr>1</Cpx>')}`),
    '5,000 attributes on a record': doc(
      `<Enrolment ${Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ')}><Cpr>0101215123</Cpr></Enrolment>`,
    ),
    '257 attributes on a record': doc(
      `<Enrolment ${Array.from({ length: 257 }, (_, i) => `a${i}="1"`).join(' ')}><Cpr>0101215123</Cpr></Enrolment>`,
    ),
    'a 5,000-character attribute name': doc(
      `<Enrolment ${'a'.repeat(5000)}="1"><Cpr>0101215123</Cpr></Enrolment>`,
    ),
    'a 70,000-character attribute value': doc(
      `<Enrolment a="${'v'.repeat(70_000)}"><Cpr>0101215123</Cpr></Enrolment>`,
    ),
    'a 70,000-character comment': doc(`${RECORD(FIELDS)}<!--${'c'.repeat(70_000)}-->${RECORD(FIELDS)}`),
    'a 70,000-character processing instruction': doc(`${RECORD(FIELDS)}<?pi ${'c'.repeat(70_000)}?>`),
    'invalid UTF-8 after an earlier error': Buffer.concat([
      Buffer.from(doc(`${RECORD('<Cpr>1</Cpx>')}${RECORD(FIELDS)}`).replace('</Delivery>\n', '')),
      Buffer.from([0xff]),
      Buffer.from('</Delivery>\n'),
    ]),
    'error after a long first line': doc(`${RECORD(FIELDS).repeat(300)}${RECORD('<Cpr>1</Cpx>')}`),
  };

  for (const [name, text] of Object.entries(quirky)) {
    it(`gives the same answer for a quirky document: ${name}`, () => {
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

  it('refuses what passes a bound wherever the chunks end, naming where', () => {
    const refusal = (name: string) =>
      read(createSaxesXmlReader(options('daycare')), Buffer.from(quirky[name] as string), []).error;
    expect(refusal('5,000 attributes on a record')?.message).toMatch(
      /^line 3, column \d+: an element carries more than 256 attributes/,
    );
    expect(refusal('257 attributes on a record')?.code).toBe('not_well_formed');
    expect(refusal('a 5,000-character attribute name')?.message).toMatch(/runs past 1024 characters/);
    expect(refusal('a 70,000-character attribute value')?.code).toBe('unprocessable');
    expect(refusal('a 70,000-character comment')?.code).toBe('unprocessable');
    expect(refusal('a 70,000-character processing instruction')?.code).toBe('unprocessable');
    const bad = read(
      createSaxesXmlReader(options('daycare')),
      Buffer.concat([
        Buffer.from(doc(RECORD(FIELDS)).replace('</Delivery>\n', '')),
        Buffer.from([0xc3, 0x28]),
      ]),
      [],
    ).error;
    expect(bad).toEqual({
      code: 'not_well_formed',
      message: 'line 4, column 0: the delivery has bytes that are not valid utf-8',
    });
  });

  it('reads the common shape itself, handing over only where it meets what it does not read', () => {
    // A scanner that always handed over would pass every comparison above.
    const handOvers = (text: string) => {
      const at: number[] = [];
      read(
        createXmlReader(options('daycare'), { handedOver: (n) => at.push(n) }),
        Buffer.from(text),
        [7, 100, 333],
      );
      return at;
    };
    expect(handOvers(quirky.plain as string)).toEqual([]);
    expect(handOvers(quirky['byte order mark, CRLF'] as string)).toEqual([]);
    expect(handOvers(quirky['character references'] as string)).toEqual([]);
    expect(handOvers(quirky['root attributes'] as string)).toEqual([]);
    const bad = doc(`${RECORD(FIELDS).repeat(3)}\n${RECORD('<Cpr>1</Cpx>')}`);
    expect(handOvers(bad)).toEqual([Buffer.byteLength(bad.slice(0, bad.lastIndexOf('\n<Enrolment>')))]);
    expect(handOvers(quirky['ISO-8859-1'] as unknown as string)).toEqual([0]);
  });
});
