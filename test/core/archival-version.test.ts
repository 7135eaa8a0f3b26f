import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { avid, planArchivalTable, sqlType } from '../../src/core/archival-version';
import { createTableWriter, tableIndexXml } from '../../src/core/archival-xml';
import { buildCatalogue, CatalogueError, type SourceFile } from '../../src/core/catalogue';
import { DatasetSchema } from '../../src/core/dataset';
import { ArchivalVersionOutputSchema } from '../../src/core/output';
import { type Profile, ProfileSchema } from '../../src/core/profile';

const read = (rel: string) => readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');
const daycare = DatasetSchema.parse(JSON.parse(read('schemas/daycare.json')));
const base = JSON.parse(read('deliveries/daycare/rigsarkivet.json')) as Record<string, unknown>;
const profile = (edit: (p: Record<string, unknown>) => void = () => {}): Profile => {
  const p = structuredClone(base);
  edit(p);
  return ProfileSchema.parse(p);
};

describe('planning the table', () => {
  it('puts the row number first as the primary key and gives each column its type', () => {
    const { plan, problems } = planArchivalTable(profile(), daycare);
    expect(problems).toEqual([]);
    expect(plan?.primaryKey).toEqual({ name: 'PK_indskrivninger', column: 'raekkenummer' });
    const byName = new Map(plan?.columns.map((c) => [c.name, c]));
    expect(plan?.columns[0]).toMatchObject({ name: 'raekkenummer', columnID: 'c1', nullable: false });
    expect(sqlType(byName.get('startdato')!.type, 0)).toBe('DATE');
    expect(sqlType(byName.get('ugentlige_timer')!.type, 0)).toBe('DECIMAL(18,2)');
    expect(sqlType(byName.get('cprnummer')!.type, 0)).toBe('CHARACTER(10)');
    expect(sqlType(byName.get('institutionsnavn')!.type, 0)).toBe('NATIONAL CHARACTER VARYING(200)');
    expect(sqlType(byName.get('pasningstype')!.type, 0)).toBe('NATIONAL CHARACTER VARYING(10)');
    expect(sqlType(byName.get('privat_leverandoer')!.type, 0)).toBe('BOOLEAN');
    // Metadata is text as long as the longest value written.
    expect(sqlType(byName.get('periode')!.type, 7)).toBe('NATIONAL CHARACTER VARYING(7)');
    expect(byName.get('slutdato')?.nullable).toBe(true);
    expect(byName.get('startdato')?.nullable).toBe(false);
    expect(plan?.holdsCpr).toBe(true);
    expect(plan?.holdsMunicipality).toBe(true);
  });

  it('a transformed or pseudonymised column is text, and a pseudonym is no CPR number', () => {
    const { plan } = planArchivalTable(
      profile((p) => {
        p.columns = [
          { name: 'pseudonym', from: 'cpr', pseudonymise: { key: 'flis' } },
          { name: 'start', from: 'startDate', date: 'DD-MM-YYYY' },
        ];
      }),
      daycare,
    );
    // 'start' is reserved; the plan is refused below. Here: the pseudonym's type and flag.
    expect(plan).toBeNull();
    const ok = planArchivalTable(
      profile((p) => {
        p.columns = [
          { name: 'pseudonym', from: 'cpr', pseudonymise: { key: 'flis' } },
          { name: 'startdag', from: 'startDate', date: 'DD-MM-YYYY' },
        ];
      }),
      daycare,
    );
    expect(ok.plan?.holdsCpr).toBe(false);
    expect(ok.plan?.columns.map((c) => c.type.kind)).toEqual(['fixed', 'text', 'text']);
    expect(ok.plan?.columns[1]?.description).toContain('Pseudonym');
  });

  it('refuses reserved words, bad identifiers, twice the same name and missing descriptions, naming the path', () => {
    const { problems } = planArchivalTable(
      profile((p) => {
        p.columns = [
          { name: 'Date', from: 'startDate' },
          { name: 'kol-navn', from: 'endDate' },
          { name: 'navn', from: 'institutionName' },
          { name: 'NAVN', from: 'institutionName' },
          { name: 'fast', const: 'x' },
        ];
        (p.output as Record<string, unknown>).table = { name: 'value', description: 'En tabel.' };
      }),
      daycare,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '$.output.table.name', message: expect.stringContaining('reserved word') },
        { path: '$.columns[0].name', message: expect.stringContaining('Date is an SQL:1999 reserved word') },
        { path: '$.columns[1].name', message: expect.stringContaining('not an archival identifier') },
        { path: '$.columns[3].name', message: 'NAVN is also the name at $.columns[2].name' },
        { path: '$.columns[4].description', message: expect.stringContaining('needs a description') },
      ]),
    );
  });

  it('the service will not start on such a profile, and says which file and path', () => {
    const bad = structuredClone(base);
    (bad.columns as Array<Record<string, unknown>>)[0] = { name: 'year', meta: 'period' };
    const files: SourceFile[] = [
      { path: 'deliveries/recipients.json', text: read('deliveries/recipients.json') },
      { path: 'deliveries/daycare/rigsarkivet.json', text: JSON.stringify(bad) },
    ];
    const sha256Hex = (t: string) => createHash('sha256').update(t).digest('hex');
    const build = () =>
      buildCatalogue([{ path: 'schemas/daycare.json', text: read('schemas/daycare.json') }], files, {
        sha256Hex,
        pseudonymiser: () => ({ keyId: 'k', pseudonymise: (v) => v }),
      });
    expect(build).toThrow(CatalogueError);
    expect(build).toThrow(
      /deliveries\/daycare\/rigsarkivet\.json \$\.columns\[0\]\.name: year is an SQL:1999 reserved word/,
    );
  });

  it('refuses a number template that could give a leading zero, before any delivery meets it', () => {
    for (const number of ['0{municipality}', '', '{year}'])
      expect(() =>
        profile((p) => {
          (p.output as Record<string, unknown>).number = number;
        }),
      ).toThrow(/beginning with 1–9 or a placeholder|digits/);
    expect(() =>
      profile((p) => {
        (p.output as Record<string, unknown>).number = '9{periodDigits}';
      }),
    ).not.toThrow();
  });

  it('an archival version is its own zip: package none only', () => {
    expect(() =>
      profile((p) => {
        p.package = 'zip';
      }),
    ).toThrow(/package stays none/);
  });
});

describe('the id', () => {
  it('is AVID.<archive>.<number> from the template, the folder adds medium 1', () => {
    const o = profile().output as Parameters<typeof avid>[0];
    expect(o.number).toBe('{municipality}{periodDigits}{sequence}');
    expect(avid(o, { municipality: '101', period: '2026-10', sequence: 1 })).toEqual({
      id: 'AVID.SA.10120261001',
      folder: 'AVID.SA.10120261001.1',
    });
    expect(
      avid({ ...o, number: '{periodDigits}' }, { municipality: '101', period: '2026-W07', sequence: 1 }).id,
    ).toBe('AVID.SA.202607');
    expect(() =>
      avid({ ...o, number: '0{municipality}' }, { municipality: '101', period: '2026-10', sequence: 1 }),
    ).toThrow(/leading zeros/);
  });

  it('numbers each correction of a slot: {sequence} is at least two digits', () => {
    const o = profile().output as Parameters<typeof avid>[0];
    const at = (sequence: number) => avid(o, { municipality: '101', period: '2026-10', sequence }).id;
    expect([at(1), at(2), at(10), at(99), at(100)]).toEqual([
      'AVID.SA.10120261001',
      'AVID.SA.10120261002',
      'AVID.SA.10120261010',
      'AVID.SA.10120261099',
      'AVID.SA.101202610100',
    ]);
    expect(new Set([1, 2, 3, 11, 12].map(at)).size).toBe(5);
    expect(() => at(0)).toThrow(/from 1/);
  });

  it('the template never begins with {sequence} (an AVID number has no leading zero)', () => {
    const output = (number: string) => ({ ...profile().output, number });
    expect(
      ArchivalVersionOutputSchema.safeParse(output('{municipality}{periodDigits}{sequence}')).success,
    ).toBe(true);
    expect(ArchivalVersionOutputSchema.safeParse(output('9{sequence}')).success).toBe(true);
    expect(ArchivalVersionOutputSchema.safeParse(output('{sequence}{municipality}')).success).toBe(false);
    expect(ArchivalVersionOutputSchema.safeParse(output('{municipality}{serial}')).success).toBe(false);
  });
});

describe('the table writer', () => {
  const { plan } = planArchivalTable(profile(), daycare);
  it('numbers rows, writes NULL as xsi:nil, escapes text and keeps the longest text', () => {
    const w = createTableWriter(plan!);
    const row = [
      '101',
      '2026-10',
      '0101011234',
      '1234567890',
      'Leg & Lær <Øst>',
      'vuggestue',
      '2026-01-01',
      null,
      37.5,
      false,
    ];
    const text = w.rows([row, [...row]]);
    expect(text).toContain('<row><c1>1</c1><c2>101</c2>');
    expect(text).toContain('<row><c1>2</c1>');
    expect(text).toContain('<c6>Leg &amp; Lær &lt;Øst&gt;</c6>');
    expect(text).toContain('<c9 xsi:nil="true"/>');
    expect(text).toContain('<c10>37.5</c10><c11>false</c11>');
    expect(w.rowCount).toBe(2);
    expect(w.longest[2]).toBe(7); // periode
    expect(tableIndexXml(plan!, w.rowCount, w.longest)).toContain('<rows>2</rows>');
  });
});
