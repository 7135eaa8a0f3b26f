import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DatasetSchema } from '../../src/core/dataset';
import { GatewayError } from '../../src/core/errors';
import { compileDataset, type RawRecord, type ValidationIssue } from '../../src/core/validator';
import { createReader, xmlReaderOptions } from '../../src/formats/readers';
import type { RecordReader } from '../../src/formats/record-reader';
import { createXmlReader } from '../../src/formats/xml-reader';

const daycare = compileDataset(
  DatasetSchema.parse(
    JSON.parse(readFileSync(new URL('../../schemas/daycare.json', import.meta.url), 'utf8')),
  ),
);
const NS = 'urn:flis-gateway:daycare:1';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Feeds the bytes in chunks of the given size (whole input when omitted) and collects every record. */
function readAll(
  input: Uint8Array | string,
  chunkSize?: number,
  reader: RecordReader = createReader({ format: 'xml', charset: 'utf-8' }, daycare),
) {
  const bytes = typeof input === 'string' ? utf8(input) : input;
  const records: RawRecord[] = [];
  const size = chunkSize ?? Math.max(bytes.length, 1);
  for (let i = 0; i < bytes.length; i += size) records.push(...reader.write(bytes.subarray(i, i + size)));
  records.push(...reader.end());
  return { records, reader };
}

function failure(input: Uint8Array | string, chunkSize?: number, reader?: RecordReader): GatewayError {
  try {
    readAll(input, chunkSize, reader);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error('the reader accepted the input');
}

const ENROLMENT_A = `<Enrolment>
    <Cpr>0103226123</Cpr>
    <InstitutionId>1012345678</InstitutionId>
    <InstitutionName>Børnehuset Ærøskøbing Å</InstitutionName>
    <CareType>vuggestue</CareType>
    <StartDate>2023-08-01</StartDate>
    <WeeklyHours>37.5</WeeklyHours>
    <PrivateProvider>false</PrivateProvider>
  </Enrolment>`;
const ENROLMENT_B = `<Enrolment><Cpr>1506205999</Cpr><InstitutionId>1099999999</InstitutionId><CareType>dagpleje</CareType><StartDate>2024-01-02</StartDate><EndDate>2024-12-31</EndDate><WeeklyHours>40</WeeklyHours></Enrolment>`;

const DOC = `<?xml version="1.0" encoding="UTF-8"?>
<Delivery xmlns="${NS}" municipality="101" period="2026-10">
  ${ENROLMENT_A}
  ${ENROLMENT_B}
</Delivery>
`;

describe('reading a daycare delivery', () => {
  it('reads every record and field, with record numbers and lines', () => {
    const { records } = readAll(DOC);
    expect(records).toEqual([
      {
        n: 1,
        line: 3,
        fields: {
          cpr: '0103226123',
          institutionId: '1012345678',
          institutionName: 'Børnehuset Ærøskøbing Å',
          careType: 'vuggestue',
          startDate: '2023-08-01',
          weeklyHours: '37.5',
          privateProvider: 'false',
        },
      },
      {
        n: 2,
        line: 12,
        fields: {
          cpr: '1506205999',
          institutionId: '1099999999',
          careType: 'dagpleje',
          startDate: '2024-01-02',
          endDate: '2024-12-31',
          weeklyHours: '40',
        },
      },
    ]);
  });

  it('gives records the validator accepts', () => {
    const issues: ValidationIssue[] = [];
    const rows = readAll(DOC).records.map((r) => daycare.validate(r, issues));
    expect(issues).toEqual([]);
    expect(rows.map((r) => r?.weeklyHours)).toEqual([37.5, 40]);
  });

  it('hands records out as they complete, not only at the end', () => {
    // The XML reader itself; createReader hands it the body in pieces of at least 64 KiB.
    const reader = createXmlReader(xmlReaderOptions(daycare));
    const bytes = utf8(DOC);
    const cut = DOC.indexOf(ENROLMENT_B) + ENROLMENT_B.length; // after the second record
    const at = Buffer.byteLength(DOC.slice(0, cut));
    const first = reader.write(bytes.subarray(0, at));
    expect(first.map((r) => r.n)).toEqual([1, 2]);
    expect(reader.write(bytes.subarray(at))).toEqual([]);
    expect(reader.end()).toEqual([]);
  });

  it('exposes the root attributes (without namespace declarations)', () => {
    const { reader } = readAll(DOC);
    expect(reader.rootAttributes).toEqual({ municipality: '101', period: '2026-10' });
  });

  it('has no root attributes before the root is read', () => {
    expect(createReader({ format: 'xml', charset: 'utf-8' }, daycare).rootAttributes).toBeUndefined();
  });

  it('reads a namespace prefix as well as a default namespace', () => {
    const doc = `<d:Delivery xmlns:d="${NS}"><d:Enrolment><d:CareType>dagpleje</d:CareType></d:Enrolment></d:Delivery>`;
    expect(readAll(doc).records).toEqual([{ n: 1, line: 1, fields: { careType: 'dagpleje' } }]);
  });

  it('reports unknown and repeated elements on the record', () => {
    const doc = `<Delivery xmlns="${NS}"><Enrolment><CareType>dagpleje</CareType><ShoeSize>31</ShoeSize><CareType>vuggestue</CareType><Cpr xmlns="urn:other">1</Cpr></Enrolment></Delivery>`;
    const [r] = readAll(doc).records;
    expect(r?.unknown).toEqual(['ShoeSize', 'Cpr']);
    expect(r?.repeated).toEqual(['careType']);
    expect(r?.fields.cpr).toBeUndefined();
  });

  it('trims surrounding whitespace of a value and keeps an empty element as empty', () => {
    const doc = `<Delivery xmlns="${NS}"><Enrolment><CareType>
      dagpleje
    </CareType><EndDate/></Enrolment></Delivery>`;
    expect(readAll(doc).records[0]?.fields).toEqual({ careType: 'dagpleje', endDate: '' });
  });
});

describe('chunking', () => {
  it('1-byte chunks give the same records as one chunk', () => {
    const whole = readAll(DOC);
    const bytewise = readAll(DOC, 1);
    expect(bytewise.records).toEqual(whole.records);
    expect(bytewise.reader.rootAttributes).toEqual(whole.reader.rootAttributes);
    expect(bytewise.records).toHaveLength(2);
  });

  it('every chunk size gives the same records', () => {
    const whole = readAll(DOC).records;
    for (const size of [2, 3, 7, 64, 199, 200, 201, 1000]) expect(readAll(DOC, size).records).toEqual(whole);
  });

  it('keeps Danish letters split across chunk boundaries in UTF-8', () => {
    const name = 'ÆØÅæøå Ærø Ølstykke Århus';
    const doc = `<?xml version="1.0" encoding="UTF-8"?><Delivery xmlns="${NS}"><Enrolment><InstitutionName>${name}</InstitutionName></Enrolment></Delivery>`;
    const bytes = utf8(doc);
    const start = Buffer.from(bytes).indexOf(Buffer.from('Æ', 'utf8'));
    // Cut right inside the first two-byte letter, then everywhere else too.
    const reader = createReader({ format: 'xml', charset: 'utf-8' }, daycare);
    const records = [
      ...reader.write(bytes.subarray(0, start + 1)),
      ...reader.write(bytes.subarray(start + 1)),
      ...reader.end(),
    ];
    expect(records[0]?.fields.institutionName).toBe(name);
    for (const size of [1, 2, 3, 5])
      expect(readAll(bytes, size).records[0]?.fields.institutionName).toBe(name);
  });
});

describe('XML content', () => {
  it('decodes CDATA, entity and character references', () => {
    const doc = `<Delivery xmlns="${NS}"><Enrolment><InstitutionName>Ahl &amp; S&#248;n &lt;&#229;&gt; &#xE6;<![CDATA[ & <Co> ]]>&quot;&apos;</InstitutionName></Enrolment></Delivery>`;
    expect(readAll(doc).records[0]?.fields.institutionName).toBe(`Ahl & Søn <å> æ & <Co> "'`);
  });

  it('ignores comments and processing instructions', () => {
    const doc = `<?xml version="1.0"?><!-- head --><?vendor build="7"?><Delivery xmlns="${NS}"><!-- c --><Enrolment><?pi x?><CareType>dag<!-- split -->pleje<?pi y?></CareType><!-- <CareType>vuggestue</CareType> --></Enrolment></Delivery><!-- tail -->`;
    const { records } = readAll(doc);
    expect(records).toHaveLength(1);
    expect(records[0]?.fields).toEqual({ careType: 'dagpleje' });
    expect(records[0]?.unknown).toBeUndefined();
    expect(records[0]?.repeated).toBeUndefined();
  });

  it('accepts a UTF-8 byte order mark', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const body = utf8(DOC);
    const bytes = new Uint8Array(bom.length + body.length);
    bytes.set(bom);
    bytes.set(body, bom.length);
    expect(readAll(bytes).records).toEqual(readAll(DOC).records);
    expect(readAll(bytes, 1).records).toEqual(readAll(DOC).records);
  });

  it('decodes a delivery declared as ISO-8859-1', () => {
    const doc = `<?xml version="1.0" encoding="ISO-8859-1"?>\n<Delivery xmlns="${NS}"><Enrolment><InstitutionName>Børnehuset Ærø - Åbo</InstitutionName></Enrolment></Delivery>`;
    const bytes = new Uint8Array(Buffer.from(doc, 'latin1'));
    expect(bytes.includes(0xf8)).toBe(true); // ø as one byte
    expect(readAll(bytes).records[0]?.fields.institutionName).toBe('Børnehuset Ærø - Åbo');
    expect(readAll(bytes, 1).records[0]?.fields.institutionName).toBe('Børnehuset Ærø - Åbo');
  });

  it('decodes a delivery declared as windows-1252 (€ is 0x80)', () => {
    const head = utf8(
      `<?xml version='1.0' encoding='windows-1252'?><Delivery xmlns="${NS}"><Enrolment><InstitutionName>`,
    );
    const tail = utf8('</InstitutionName></Enrolment></Delivery>');
    const bytes = new Uint8Array([...head, 0x80, 0x20, 0xe6, 0xf8, 0xe5, ...tail]);
    expect(readAll(bytes).records[0]?.fields.institutionName).toBe('€ æøå');
  });

  it('refuses a declared encoding it does not support', () => {
    const err = failure(`<?xml version="1.0" encoding="UTF-16"?><Delivery xmlns="${NS}"/>`);
    expect(err.code).toBe('not_well_formed');
    expect(err.message).toContain('UTF-16');
  });
});

describe('refusals', () => {
  it('refuses a DOCTYPE with entity declarations, without expanding them', () => {
    const doc = `<?xml version="1.0"?>
<!DOCTYPE Delivery [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<Delivery xmlns="${NS}"><Enrolment><InstitutionName>&lol2;</InstitutionName></Enrolment></Delivery>`;
    for (const size of [undefined, 1]) {
      const err = failure(doc, size);
      expect(err.code).toBe('not_well_formed');
      expect(err.status).toBe(400);
      expect(err.message).not.toContain('lollol');
    }
  });

  it('refuses an external DOCTYPE', () => {
    const err = failure(`<!DOCTYPE Delivery SYSTEM "http://example.invalid/x.dtd"><Delivery xmlns="${NS}"/>`);
    expect(err.code).toBe('not_well_formed');
  });

  it('refuses an undeclared entity reference', () => {
    expect(failure(`<Delivery xmlns="${NS}"><Enrolment><Cpr>&nbsp;</Cpr></Enrolment></Delivery>`).code).toBe(
      'not_well_formed',
    );
  });

  it('refuses a root in the wrong namespace as a metadata mismatch', () => {
    const err = failure(`<Delivery xmlns="urn:flis-gateway:daycare:2"><Enrolment/></Delivery>`);
    expect(err.code).toBe('metadata_mismatch');
    expect(err.message).toContain(NS);
    expect(failure(`<Delivery><Enrolment/></Delivery>`).code).toBe('metadata_mismatch');
    expect(failure(`<Deliveries xmlns="${NS}"><Enrolment/></Deliveries>`).code).toBe('metadata_mismatch');
  });

  it('refuses a truncated document and says where', () => {
    const cut = DOC.slice(0, DOC.indexOf('<Enrolment><Cpr>1506205999') + 20);
    for (const size of [undefined, 1]) {
      const err = failure(cut, size);
      expect(err.code).toBe('not_well_formed');
      expect(err.extensions.line).toBe(12);
    }
  });

  it('refuses mismatched tags', () => {
    const err = failure(
      `<Delivery xmlns="${NS}">\n<Enrolment><CareType>dagpleje</StartDate></Enrolment></Delivery>`,
    );
    expect(err.code).toBe('not_well_formed');
    expect(err.extensions.line).toBe(2);
  });

  it('refuses content after the root element', () => {
    expect(failure(`<Delivery xmlns="${NS}"></Delivery><Delivery xmlns="${NS}"></Delivery>`).code).toBe(
      'not_well_formed',
    );
    expect(failure(`<Delivery xmlns="${NS}"></Delivery>trailing text`).code).toBe('not_well_formed');
  });

  it('refuses bytes that are not UTF-8', () => {
    const head = utf8(`<Delivery xmlns="${NS}"><Enrolment><InstitutionName>B`);
    const tail = utf8('rnehuset</InstitutionName></Enrolment></Delivery>');
    const latin1Slash = new Uint8Array([...head, 0xf8, ...tail]); // ø in ISO-8859-1, undeclared
    for (const size of [undefined, 1]) expect(failure(latin1Slash, size).code).toBe('not_well_formed');
    // A multi-byte sequence cut off at the very end.
    const cutOff = new Uint8Array([...utf8(`<Delivery xmlns="${NS}"/>`), 0xc3]);
    expect(failure(cutOff).code).toBe('not_well_formed');
  });

  it('refuses empty input', () => {
    expect(failure(new Uint8Array()).code).toBe('not_well_formed');
    expect(failure('   \n').code).toBe('not_well_formed');
    expect(failure('<?xml version="1.0"?>').code).toBe('not_well_formed');
  });

  it('refuses elements nested deeper than maxDepth', () => {
    const nested = (levels: number) =>
      `<Delivery xmlns="${NS}"><Enrolment><CareType>${'<x>'.repeat(levels)}${'</x>'.repeat(levels)}</CareType></Enrolment></Delivery>`;
    const reader = () =>
      createXmlReader({
        namespace: NS,
        root: 'Delivery',
        record: 'Enrolment',
        elementToField: daycare.elementToField,
        maxDepth: 6,
      });
    // Root, record and field are 3 levels: 3 more make 6, which is allowed; 4 more is one too deep.
    expect(readAll(nested(3), undefined, reader()).records).toHaveLength(1);
    const err = failure(nested(4), undefined, reader());
    expect(err.code).toBe('not_well_formed');
    expect(err.message).toContain('6');
    // The reader the gateway uses has a limit too.
    expect(failure(nested(1000)).code).toBe('not_well_formed');
  });

  it('refuses an element that is not a record directly under the root', () => {
    const err = failure(`<Delivery xmlns="${NS}"><Enrolment/><Child/></Delivery>`);
    expect(err.code).toBe('unprocessable');
    expect(err.message).toContain('Child');
  });
});

describe('every token is bounded while it is parsed', () => {
  const open = `<?xml version="1.0"?><Delivery xmlns="${NS}"><Enrolment>`;
  it.each([
    ['a text node', `${open}<InstitutionName>${'x'.repeat(70_000)}`, 'unprocessable'],
    ['a comment', `${open}<!--${'x'.repeat(70_000)}`, 'unprocessable'],
    ['an attribute value', `${open}<Cpr a="${'x'.repeat(70_000)}`, 'unprocessable'],
    ['a CDATA section', `${open}<InstitutionName><![CDATA[${'x'.repeat(70_000)}`, 'unprocessable'],
    ['a name', `${open}<${'X'.repeat(2000)}`, 'not_well_formed'],
    ['an entity reference', `${open}<InstitutionName>&${'x'.repeat(2000)}`, 'not_well_formed'],
    [
      'the attributes of one element',
      `${open}<Cpr ${Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ')}`,
      'not_well_formed',
    ],
  ])('%s is refused before it ends, fed in small chunks', (_what, xml, code) => {
    expect(failure(xml, 1000).code).toBe(code);
  });

  it('a record lists at most 16 unknown names, however many it has', () => {
    const unknown = Array.from({ length: 1000 }, (_, i) => `<Extra${i}>1</Extra${i}>`).join('');
    const { records } = readAll(`${open}${unknown}</Enrolment></Delivery>`);
    expect(records[0]?.unknown).toHaveLength(16);
  });
});
