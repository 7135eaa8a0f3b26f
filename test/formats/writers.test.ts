import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/errors';
import type { OutRow } from '../../src/core/projection';
import { escapeXml } from '../../src/core/xml-text';
import { type CsvWriterOptions, createCsvWriter } from '../../src/formats/csv-writer';
import { createRowWriter, type RowWriter } from '../../src/formats/index';
import { createJsonWriter, createNdjsonWriter } from '../../src/formats/json-writer';
import { createTextEncoder } from '../../src/formats/text-encoder';
import { createXmlReader } from '../../src/formats/xml-reader';
import { createXmlWriter } from '../../src/formats/xml-writer';

function write(w: RowWriter, ...batches: OutRow[][]): string {
  return w.start() + batches.map((b) => w.rows(b)).join('') + w.end();
}

/** A strict RFC 4180 parser, to read back what the CSV writer wrote. */
function parseCsv(text: string, delimiter: string, eol: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    if (quoted) {
      if (text[i] === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (text[i] === '"') {
        quoted = false;
        i++;
      } else cell += text[i++];
    } else if (text[i] === '"' && cell === '') {
      quoted = true;
      i++;
    } else if (text.startsWith(delimiter, i)) {
      row.push(cell);
      cell = '';
      i += delimiter.length;
    } else if (text.startsWith(eol, i)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += eol.length;
    } else {
      const c = text[i++] as string;
      if (c === '"' || c === '\r' || c === '\n') throw new Error(`unquoted ${JSON.stringify(c)} at ${i - 1}`);
      cell += c;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (cell !== '' || row.length) throw new Error('last line has no line ending');
  return rows;
}

describe('XML writer', () => {
  const columns = ['Navn', 'Timer', 'Slut', 'Privat'];
  const NS = 'urn:test:out:1';

  it('writes a declaration, the namespace on the root and one element per record', () => {
    const w = createXmlWriter({ root: 'Boern', record: 'Barn', namespace: NS }, columns);
    const xml = write(w, [['Solsikken', '37.50', '20260131', true]]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Boern xmlns="${NS}">\n` +
        '<Barn><Navn>Solsikken</Navn><Timer>37.50</Timer><Slut>20260131</Slut><Privat>true</Privat></Barn>\n' +
        '</Boern>\n',
    );
    expect(w.charset).toBe('utf-8');
    expect(w.contentType).toContain('xml');
  });

  it('escapes & < > (and quotes) in values', () => {
    const w = createXmlWriter({ root: 'R', record: 'r' }, ['a']);
    const xml = write(w, [['Ahl & Søn <A/S> "x" \'y\'']]);
    expect(xml).toContain('<a>Ahl &amp; Søn &lt;A/S&gt; &quot;x&quot; &apos;y&apos;</a>');
    expect(escapeXml('a&b<c>d')).toBe('a&amp;b&lt;c&gt;d');
    expect(escapeXml('&amp;')).toBe('&amp;amp;');
  });

  it('drops characters XML 1.0 cannot carry, keeps tab, newline and the rest, and writes CR so it arrives', () => {
    expect(escapeXml('a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi')).toBe('abcdefghi');
    expect(escapeXml('tab\there\nnew\rline æøå 🌻')).toBe('tab\there\nnew&#13;line æøå 🌻');
  });

  it('drops a lone surrogate (half a character is not an XML character)', () => {
    expect(escapeXml('Børnehus \uD83C')).toBe('Børnehus ');
    expect(escapeXml('\uDF3BNord')).toBe('Nord');
  });

  it('omits null columns', () => {
    const w = createXmlWriter({ root: 'R', record: 'r' }, columns);
    const xml = write(w, [['A', null, null, false]]);
    expect(xml).toContain('<r><Navn>A</Navn><Privat>false</Privat></r>');
    expect(xml).not.toContain('<Timer');
    expect(xml).not.toContain('<Slut');
    expect(xml).not.toContain('null');
  });

  it('has no namespace when none is given, and escapes root attributes', () => {
    const w = createXmlWriter(
      { root: 'R', record: 'r', rootAttributes: { period: '2026-10', note: 'a"b&c' } },
      ['a'],
    );
    expect(w.start()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R period="2026-10" note="a&quot;b&amp;c">\n',
    );
  });

  it('writes XML that reads back to the same values, across many batches', () => {
    const w = createRowWriter({ format: 'xml', root: 'Boern', record: 'Barn', namespace: NS }, columns, {
      municipality: '101',
    });
    const rows: OutRow[] = [
      ['Ahl & Søn <A/S>', '12.50', null, true],
      ['Ærø "Å" Skole\u0007', null, '20250101', false],
      ['Tab\there', '0.00', '20260228', null],
    ];
    const xml = write(w, rows.slice(0, 1), [], rows.slice(1));
    const reader = createXmlReader({
      namespace: NS,
      root: 'Boern',
      record: 'Barn',
      elementToField: new Map(columns.map((c) => [c, c])),
    });
    const records = [...reader.write(new TextEncoder().encode(xml)), ...reader.end()];
    expect(reader.rootAttributes).toEqual({ municipality: '101' });
    expect(records.map((r) => r.fields)).toEqual([
      { Navn: 'Ahl & Søn <A/S>', Timer: '12.50', Privat: 'true' },
      { Navn: 'Ærø "Å" Skole', Slut: '20250101', Privat: 'false' },
      { Navn: 'Tab\there', Timer: '0.00', Slut: '20260228' },
    ]);
  });
});

describe('CSV writer', () => {
  const opts = (o: Partial<CsvWriterOptions> = {}): CsvWriterOptions => ({
    delimiter: ';',
    header: true,
    quote: 'minimal',
    encoding: 'utf-8',
    lineEnding: 'crlf',
    ...o,
  });

  it('writes a header and rows with CRLF', () => {
    const w = createCsvWriter(opts(), ['kommune', 'antal', 'timer']);
    expect(write(w, [['101', 6, '34,2']], [['751', null, null]])).toBe(
      'kommune;antal;timer\r\n101;6;34,2\r\n751;;\r\n',
    );
  });

  it('writes LF line endings when asked, and no header when asked', () => {
    const w = createCsvWriter(opts({ lineEnding: 'lf', header: false }), ['a', 'b']);
    expect(
      write(w, [
        ['1', '2'],
        ['3', '4'],
      ]),
    ).toBe('1;2\n3;4\n');
  });

  it('quotes a value holding the delimiter, a quote, a line break or surrounding spaces', () => {
    const w = createCsvWriter(opts({ lineEnding: 'lf', header: false }), ['v']);
    const line = (v: string) => w.rows([[v]]);
    expect(line('a;b')).toBe('"a;b"\n');
    expect(line('say "hi"')).toBe('"say ""hi"""\n');
    expect(line('two\nlines')).toBe('"two\nlines"\n');
    expect(line('cr\rhere')).toBe('"cr\rhere"\n');
    expect(line(' lead')).toBe('" lead"\n');
    expect(line('trail ')).toBe('"trail "\n');
    // A leading TAB also gets the single quote that keeps spreadsheets from reading a formula.
    expect(line('\ttab')).toBe(`"'\ttab"\n`);
    expect(line('plain æøå')).toBe('plain æøå\n');
  });

  it('quotes by the delimiter in use', () => {
    const cells = ['a,b', 'c;d', 'e|f', 'g\th'];
    for (const delimiter of [',', ';', '|', '\t']) {
      const w = createCsvWriter(opts({ delimiter, header: false }), cells);
      const text = w.rows([cells]);
      expect(parseCsv(text, delimiter, '\r\n')).toEqual([cells]);
      const holding = cells.find((c) => c.includes(delimiter)) as string;
      expect(text).toContain(`"${holding}"`);
    }
  });

  it("quote 'all' quotes every cell, the header too", () => {
    const w = createCsvWriter(opts({ quote: 'all' }), ['a', 'b', 'c']);
    expect(write(w, [['x', 1, null]])).toBe('"a";"b";"c"\r\n"x";"1";""\r\n');
  });

  it('quotes a header cell that needs it', () => {
    const w = createCsvWriter(opts(), ['navn;kort', 'antal']);
    expect(w.start()).toBe('"navn;kort";antal\r\n');
  });

  it('reads back to the same cells', () => {
    const columns = ['navn', 'note', 'n'];
    const rows: OutRow[] = [
      ['Børnegården "Tusindfryd" & Co', 'a;b', 1],
      [' space ', 'line1\r\nline2', 2.5],
      ['', null, true],
    ];
    for (const lineEnding of ['crlf', 'lf'] as const) {
      for (const quote of ['minimal', 'all'] as const) {
        const w = createCsvWriter(opts({ lineEnding, quote }), columns);
        const parsed = parseCsv(write(w, rows), ';', lineEnding === 'crlf' ? '\r\n' : '\n');
        expect(parsed).toEqual([
          columns,
          ['Børnegården "Tusindfryd" & Co', 'a;b', '1'],
          [' space ', 'line1\r\nline2', '2.5'],
          ['', '', 'true'],
        ]);
      }
    }
  });

  it('names its charset', () => {
    const w = createCsvWriter(opts({ encoding: 'iso-8859-1' }), ['a']);
    expect(w.charset).toBe('iso-8859-1');
    expect(w.contentType).toBe('text/csv; charset=iso-8859-1');
  });
});

describe('NDJSON writer', () => {
  it('writes one object per line, leaving out nulls', () => {
    const w = createNdjsonWriter(['id', 'hours', 'end', 'private']);
    const text = write(w, [['a', 37.5, null, true]], [], [['b', null, '2026-01-31', false]]);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { id: 'a', hours: 37.5, private: true },
      { id: 'b', end: '2026-01-31', private: false },
    ]);
    expect(text).not.toContain('null');
  });

  it('keeps a value with a line break on its line', () => {
    const w = createNdjsonWriter(['note']);
    const text = write(w, [['one\ntwo']], [['three']]);
    expect(text.split('\n')).toHaveLength(3);
    expect(JSON.parse(text.split('\n')[0] as string)).toEqual({ note: 'one\ntwo' });
  });

  it('writes nothing for no rows', () => {
    expect(write(createNdjsonWriter(['a']))).toBe('');
  });
});

describe('JSON writer', () => {
  const columns = ['id', 'n', 'x'];
  const row = (i: number): OutRow => [`r${i}`, i, i % 2 ? null : 'even'];
  const expected = (i: number) => (i % 2 ? { id: `r${i}`, n: i } : { id: `r${i}`, n: i, x: 'even' });

  it('gives a valid, empty JSON array for no rows', () => {
    expect(JSON.parse(write(createJsonWriter(columns)))).toEqual([]);
    expect(JSON.parse(write(createJsonWriter(columns), [], []))).toEqual([]);
  });

  it('gives a valid JSON array for one row', () => {
    expect(JSON.parse(write(createJsonWriter(columns), [row(0)]))).toEqual([expected(0)]);
  });

  it('gives a valid JSON array for many rows in many batches', () => {
    const all = Array.from({ length: 25 }, (_, i) => row(i));
    const text = write(createJsonWriter(columns), all.slice(0, 1), [], all.slice(1, 10), all.slice(10));
    expect(JSON.parse(text)).toEqual(all.map((_, i) => expected(i)));
  });
});

describe('text encoders', () => {
  const bytes = (u: Uint8Array) => [...u];

  function refusal(fn: () => unknown): GatewayError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      return e as GatewayError;
    }
    throw new Error('the encoder wrote the character');
  }

  it('utf-8 writes æøå as two bytes each', () => {
    expect(bytes(createTextEncoder('utf-8')('æøå'))).toEqual([0xc3, 0xa6, 0xc3, 0xb8, 0xc3, 0xa5]);
  });

  it('iso-8859-1 writes æøå ÆØÅ as single bytes', () => {
    const enc = createTextEncoder('iso-8859-1');
    expect(bytes(enc('æøå'))).toEqual([0xe6, 0xf8, 0xe5]);
    expect(bytes(enc('ÆØÅ'))).toEqual([0xc6, 0xd8, 0xc5]);
    expect(bytes(enc('a;1\r\n'))).toEqual([0x61, 0x3b, 0x31, 0x0d, 0x0a]);
  });

  it.each([
    ['€', 'U+20AC'],
    ['ő', 'U+0151'],
    ['Ł', 'U+0141'],
    ['“', 'U+201C'],
  ])('iso-8859-1 refuses %s (%s) rather than write a substitute', (c, code) => {
    const err = refusal(() => createTextEncoder('iso-8859-1')(`Dagplejen ${c}`));
    expect(err.message).toContain(code);
  });

  it('iso-8859-1 refuses a character outside the BMP', () => {
    refusal(() => createTextEncoder('iso-8859-1')('Solsikken 🌻'));
  });

  it("windows-1252 writes '€' as 0x80 and æøå as single bytes", () => {
    const enc = createTextEncoder('windows-1252');
    expect(bytes(enc('€'))).toEqual([0x80]);
    expect(bytes(enc('5 € æøå'))).toEqual([0x35, 0x20, 0x80, 0x20, 0xe6, 0xf8, 0xe5]);
    expect(bytes(enc('“x”'))).toEqual([0x93, 0x78, 0x94]);
  });

  it('windows-1252 keeps a real question mark', () => {
    expect(bytes(createTextEncoder('windows-1252')('hvad? ja?'))).toEqual([
      ...Buffer.from('hvad? ja?', 'latin1'),
    ]);
  });

  it.each(['ő', 'Ł', '🌻', '?ő', 'ok ? then ő'])('windows-1252 refuses %j', (s) => {
    const err = refusal(() => createTextEncoder('windows-1252')(s));
    expect(err.message).toMatch(/U\+[0-9A-F]{4}/);
  });
});
