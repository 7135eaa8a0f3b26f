import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Dataset, DatasetSchema } from '../../src/core/dataset';
import {
  type CompiledDataset,
  compileDataset,
  cprBirthDate,
  DEFAULT_TEXT_LIMIT,
  isValidIsoDate,
  type RawRecord,
  type Row,
  type ValidationIssue,
} from '../../src/core/validator';

const daycareJson: unknown = JSON.parse(
  readFileSync(new URL('../../schemas/daycare.json', import.meta.url), 'utf8'),
);
const daycare: CompiledDataset = compileDataset(DatasetSchema.parse(daycareJson));

/** A synthetic, fully valid enrolment as a reader would hand it over (raw text per field). */
const VALID: Record<string, string> = {
  cpr: '0103226123',
  institutionId: '1012345678',
  institutionName: 'Børnehuset Solsikken',
  careType: 'vuggestue',
  startDate: '2023-08-01',
  endDate: '2025-07-31',
  weeklyHours: '37.5',
  privateProvider: 'false',
};

function check(
  fields: Record<string, string | undefined>,
  extra: Partial<RawRecord> = {},
  compiled: CompiledDataset = daycare,
): { row: Row | null; issues: ValidationIssue[] } {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) clean[k] = v;
  const issues: ValidationIssue[] = [];
  const row = compiled.validate({ n: 7, line: 42, fields: clean, ...extra }, issues);
  return { row, issues };
}

function withField(field: string, value: string | undefined) {
  return check({ ...VALID, [field]: value });
}

function rulesOf(issues: ValidationIssue[]): string[] {
  return issues.map((i) => i.rule);
}

describe('the real daycare schema', () => {
  it('parses and compiles with the fields and element names a vendor writes', () => {
    expect(daycare.fieldIds).toEqual([
      'cpr',
      'institutionId',
      'institutionName',
      'careType',
      'startDate',
      'endDate',
      'weeklyHours',
      'privateProvider',
    ]);
    expect(daycare.elementToField.get('InstitutionId')).toBe('institutionId');
    expect(daycare.elementToField.get('Cpr')).toBe('cpr');
  });
});

describe('a fully valid record', () => {
  it('validates without issues and gives typed values', () => {
    const { row, issues } = check(VALID);
    expect(issues).toEqual([]);
    expect(row).not.toBeNull();
    expect(row).toEqual({
      cpr: '0103226123',
      institutionId: '1012345678',
      institutionName: 'Børnehuset Solsikken',
      careType: 'vuggestue',
      startDate: '2023-08-01',
      endDate: '2025-07-31',
      weeklyHours: 37.5,
      privateProvider: false,
    });
    expect(typeof row?.weeklyHours).toBe('number');
    expect(typeof row?.privateProvider).toBe('boolean');
  });

  it('leaves optional fields out when they are not given', () => {
    const { row, issues } = check({
      ...VALID,
      endDate: undefined,
      privateProvider: undefined,
      institutionName: '',
    });
    expect(issues).toEqual([]);
    expect(row).not.toBeNull();
    expect(row && 'endDate' in row).toBe(false);
    expect(row && 'privateProvider' in row).toBe(false);
    expect(row && 'institutionName' in row).toBe(false);
  });
});

describe('required', () => {
  it.each(['cpr', 'institutionId', 'careType', 'startDate', 'weeklyHours'])(
    'reports %s when it is missing',
    (field) => {
      const { row, issues } = withField(field, undefined);
      expect(row).toBeNull();
      expect(issues).toEqual([
        { record: 7, line: 42, field, rule: 'required', message: `${field} is required` },
      ]);
    },
  );

  it('treats an empty value as missing', () => {
    const { row, issues } = withField('careType', '');
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'careType', rule: 'required' });
  });

  it('reports every missing required field of an empty record', () => {
    const { row, issues } = check({});
    expect(row).toBeNull();
    expect(issues.map((i) => i.field).sort()).toEqual(
      ['careType', 'cpr', 'institutionId', 'startDate', 'weeklyHours'].sort(),
    );
    expect(new Set(rulesOf(issues))).toEqual(new Set(['required']));
  });
});

describe('cpr', () => {
  it.each(['12345', '01032261234', '010322-6123', '01032261a3', ' 0103226123'])(
    'refuses %j, which is not 10 digits',
    (cpr) => {
      const { row, issues } = withField('cpr', cpr);
      expect(row).toBeNull();
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ field: 'cpr', rule: 'cpr', record: 7, line: 42 });
    },
  );

  it.each([
    '3102231234', // 31 February
    '0013221234', // month 13
    '0001221234', // day 0
    '2902001234', // 29 February 1900 (7th digit 1: 1900s; not a leap year)
    '2902585123', // 29 February 1858 (7th digit 5, yy 58: 1800s; not a leap year)
  ])('refuses %s, whose date part is not a real date', (cpr) => {
    const { row, issues } = withField('cpr', cpr);
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'cpr', rule: 'cpr' });
    expect(issues[0]?.message).toMatch(/date/i);
  });

  it.each(['0103226123', '2902004123', '2902565123', '0101374999', '3112999999'])('accepts %s', (cpr) => {
    const { row, issues } = withField('cpr', cpr);
    expect(issues).toEqual([]);
    expect(row?.cpr).toBe(cpr);
  });

  it('never puts the CPR number into an issue message', () => {
    for (const cpr of ['3102231234', '12345', '0103226123x', '2902585123', '9999999999']) {
      const { issues } = withField('cpr', cpr);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue.message).not.toContain(cpr);
        expect(JSON.stringify(issue)).not.toContain(cpr);
        // Nor a recognisable part of it.
        expect(issue.message).not.toContain(cpr.slice(0, 6));
      }
    }
  });
});

describe('personal fields in messages', () => {
  it('never shows the value of any personal field, whatever its type', () => {
    const ds = compileDataset(
      DatasetSchema.parse({
        id: 'personal',
        version: 1,
        title: 'Personal',
        cadence: 'monthly',
        xml: { namespace: 'urn:test:personal', root: 'P', record: 'R' },
        fields: [
          { id: 'diagnosis', type: 'code', personal: true, codes: ['A', 'B'] },
          { id: 'birthDate', type: 'date', personal: true },
          { id: 'income', type: 'decimal', personal: true },
          { id: 'ward', type: 'code', codes: ['x'] },
        ],
      }),
    );
    const { issues } = check(
      { diagnosis: 'ZZ-secret-code', birthDate: '2019-13-45', income: 'secret-income', ward: 'public-ward' },
      {},
      ds,
    );
    expect(rulesOf(issues).sort()).toEqual(['code', 'code', 'date', 'decimal']);
    const text = JSON.stringify(issues);
    for (const secret of ['ZZ-secret-code', '2019-13-45', 'secret-income'])
      expect(text).not.toContain(secret);
    // Nor is a field that is not personal: a CPR number typed there would be echoed. Its shape is.
    expect(text).not.toContain('public-ward');
    expect(issues.find((i) => i.field === 'ward')?.message).toContain('11 characters: letters and dashes');
  });
});

describe('cprBirthDate', () => {
  it.each([
    ['0101001234', '1900-01-01'], // 7th digit 0–3: 1900s
    ['0101993234', '1999-01-01'],
    ['1506364123', '2036-06-15'], // 4: yy ≤ 36 → 2000s
    ['1506374123', '1937-06-15'], // 4: yy ≥ 37 → 1900s
    ['1506369123', '2036-06-15'], // 9: as 4
    ['1506379123', '1937-06-15'],
    ['1506575123', '2057-06-15'], // 5–8: yy ≤ 57 → 2000s
    ['1506585123', '1858-06-15'], // 5–8: yy ≥ 58 → 1800s
    ['1506998123', '1899-06-15'],
    ['0103226123', '2022-03-01'],
    ['2902004123', '2000-02-29'], // 2000 is a leap year
    ['2902605123', '1860-02-29'], // 1860 is a leap year
  ])('%s was born %s', (cpr, date) => {
    expect(cprBirthDate(cpr)).toBe(date);
  });

  it.each([
    '2902585123', // 1858 is not a leap year
    '2902001123', // 1900 is not a leap year
    '2902014123', // 2001 is not a leap year
    '3102231234',
    '3104221234',
    '0000001234',
    '123456789',
    '12345678901',
    'abcdefghij',
    '',
  ])('%j has no birth date', (cpr) => {
    expect(cprBirthDate(cpr)).toBeNull();
  });
});

describe('isValidIsoDate', () => {
  it.each(['2026-01-31', '2024-02-29', '2000-02-29', '2026-12-31', '1858-06-15'])('%s is a date', (d) => {
    expect(isValidIsoDate(d)).toBe(true);
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-1-01',
    '20260101',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '',
  ])('%j is not a date', (d) => {
    expect(isValidIsoDate(d)).toBe(false);
  });
});

describe('pnumber', () => {
  it.each(['123456789', '12345678901', '10123456a8', '1012 345678'])('refuses %j', (p) => {
    const { row, issues } = withField('institutionId', p);
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'institutionId', rule: 'pnumber' });
  });

  it('accepts 10 digits', () => {
    expect(withField('institutionId', '1000000001').issues).toEqual([]);
  });
});

describe('code', () => {
  it('refuses a code not in the list and names the allowed codes', () => {
    const { row, issues } = withField('careType', 'fritidshjem');
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'careType', rule: 'code' });
    const message = issues[0]?.message ?? '';
    for (const code of ['dagpleje', 'vuggestue', 'boernehave', 'integreret']) expect(message).toContain(code);
    expect(message).not.toContain('fritidshjem');
    expect(message).toContain('11 characters: letters');
  });

  it('is case-sensitive', () => {
    expect(rulesOf(withField('careType', 'Vuggestue').issues)).toEqual(['code']);
  });

  it.each(['dagpleje', 'vuggestue', 'boernehave', 'integreret'])('accepts %s', (code) => {
    const { row, issues } = withField('careType', code);
    expect(issues).toEqual([]);
    expect(row?.careType).toBe(code);
  });
});

describe('date', () => {
  it.each(['2026-02-30', '2026-13-01', '01-08-2023', '2023/08/01', 'yesterday'])('refuses %j', (d) => {
    const { row, issues } = withField('startDate', d);
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'startDate', rule: 'date' });
  });

  it('accepts a leap day', () => {
    const { row, issues } = check({ ...VALID, startDate: '2024-02-29', endDate: undefined });
    expect(issues).toEqual([]);
    expect(row?.startDate).toBe('2024-02-29');
  });
});

describe('decimal (weeklyHours: min 0, max 60, scale 2)', () => {
  it.each([
    ['0', 0],
    ['60', 60],
    ['37.25', 37.25],
    ['+12.5', 12.5],
    ['40.10', 40.1],
  ])('accepts %j as %d', (raw, value) => {
    const { row, issues } = withField('weeklyHours', raw);
    expect(issues).toEqual([]);
    expect(row?.weeklyHours).toBe(value);
  });

  it.each([
    ['-0.5', 'min'],
    ['-1', 'min'],
    ['60.01', 'max'],
    ['75', 'max'],
    ['37.125', 'scale'],
    ['37,5', 'decimal'],
    ['1e1', 'decimal'],
    ['.5', 'decimal'],
    ['abc', 'decimal'],
  ])('refuses %j (%s)', (raw, rule) => {
    const { row, issues } = withField('weeklyHours', raw);
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'weeklyHours', rule });
  });

  it('names the limit in a range message', () => {
    expect(withField('weeklyHours', '75').issues[0]?.message).toContain('60');
    expect(withField('weeklyHours', '-1').issues[0]?.message).toContain('0');
    expect(withField('weeklyHours', '37.125').issues[0]?.message).toContain('2');
  });
});

describe('boolean', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads %j as %s', (raw, value) => {
    const { row, issues } = withField('privateProvider', raw);
    expect(issues).toEqual([]);
    expect(row?.privateProvider).toBe(value);
  });

  it.each(['yes', 'True', 'FALSE', '2', 'ja'])('refuses %j', (raw) => {
    const { row, issues } = withField('privateProvider', raw);
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'privateProvider', rule: 'boolean' });
  });
});

describe('text maxLength', () => {
  it('accepts exactly maxLength characters (institutionName: 200)', () => {
    const name = 'æ'.repeat(200);
    const { row, issues } = withField('institutionName', name);
    expect(issues).toEqual([]);
    expect(row?.institutionName).toBe(name);
  });

  it('refuses one character more and says how many', () => {
    const { row, issues } = withField('institutionName', 'a'.repeat(201));
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'institutionName', rule: 'maxLength' });
    expect(issues[0]?.message).toContain('201');
    expect(issues[0]?.message).toContain('200');
  });

  it('limits text without its own maxLength to DEFAULT_TEXT_LIMIT', () => {
    const ds = compileDataset(
      DatasetSchema.parse({
        id: 'notes',
        version: 1,
        title: 'Notes',
        cadence: 'monthly',
        xml: { namespace: 'urn:test:notes', root: 'Notes', record: 'Note' },
        fields: [{ id: 'note', type: 'text' }],
      }),
    );
    const atLimit = check({ note: 'x'.repeat(DEFAULT_TEXT_LIMIT) }, {}, ds);
    expect(atLimit.issues).toEqual([]);
    expect(atLimit.row?.note).toHaveLength(DEFAULT_TEXT_LIMIT);
    const over = check({ note: 'x'.repeat(DEFAULT_TEXT_LIMIT + 1) }, {}, ds);
    expect(over.row).toBeNull();
    expect(over.issues).toHaveLength(1);
    expect(over.issues[0]).toMatchObject({ field: 'note', rule: 'maxLength' });
    expect(over.issues[0]?.message).toContain(String(DEFAULT_TEXT_LIMIT));
  });
});

describe('cross-field rule endDate-not-before-startDate', () => {
  it('refuses an end before the start', () => {
    const { row, issues } = check({ ...VALID, startDate: '2024-08-01', endDate: '2024-07-31' });
    expect(row).toBeNull();
    expect(issues).toEqual([
      {
        record: 7,
        line: 42,
        field: 'endDate',
        rule: 'endDate-not-before-startDate',
        message: 'endDate is before startDate',
      },
    ]);
  });

  it('accepts an end on the start day and one after it', () => {
    expect(check({ ...VALID, startDate: '2024-08-01', endDate: '2024-08-01' }).issues).toEqual([]);
    expect(check({ ...VALID, startDate: '2024-08-01', endDate: '2024-08-02' }).issues).toEqual([]);
  });

  it('does not apply without an end date', () => {
    expect(check({ ...VALID, endDate: undefined }).issues).toEqual([]);
  });

  it('compares across years and months as dates', () => {
    expect(rulesOf(check({ ...VALID, startDate: '2025-01-10', endDate: '2024-12-31' }).issues)).toEqual([
      'endDate-not-before-startDate',
    ]);
    expect(check({ ...VALID, startDate: '2024-09-30', endDate: '2024-10-01' }).issues).toEqual([]);
  });
});

describe('unknown and repeated fields', () => {
  it('reports an unknown field by name', () => {
    const { row, issues } = check(VALID, { unknown: ['ShoeSize'] });
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ record: 7, line: 42, field: 'ShoeSize', rule: 'unknown-field' });
    expect(issues[0]?.message).toContain('ShoeSize');
  });

  it('reports a field given more than once', () => {
    const { row, issues } = check(VALID, { repeated: ['careType'] });
    expect(row).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: 'careType', rule: 'repeated-field' });
  });

  it('reports every problem of a record, not only the first', () => {
    const { issues } = check(
      { ...VALID, careType: 'fritidshjem', weeklyHours: '99', institutionId: undefined },
      { unknown: ['Extra'] },
    );
    expect(rulesOf(issues).sort()).toEqual(['code', 'max', 'required', 'unknown-field']);
    for (const issue of issues) expect(issue.record).toBe(7);
  });
});

describe('DatasetSchema', () => {
  const base = daycareJson as Dataset;
  const clone = (): Record<string, unknown> & { fields: Array<Record<string, unknown>> } =>
    structuredClone(base) as never;

  function problems(input: unknown): Array<{ path: string; message: string }> {
    const r = DatasetSchema.safeParse(input);
    if (r.success) return [];
    return r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }

  it('accepts the real schema', () => {
    expect(problems(daycareJson)).toEqual([]);
  });

  it('rejects duplicate field ids at the duplicate', () => {
    const d = clone();
    d.fields.push({ id: 'careType', type: 'text' });
    const found = problems(d);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe(`fields.${d.fields.length - 1}.id`);
    expect(found[0]?.message).toContain('careType');
  });

  it('rejects a rule naming a missing field', () => {
    const d = clone();
    d.rules = [
      {
        type: 'notBefore',
        id: 'x',
        field: 'leaveDate',
        reference: 'startDate',
        message: 'leave before start',
      },
    ];
    const found = problems(d);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe('rules.0.field');
    expect(found[0]?.message).toContain('leaveDate');

    d.rules = [{ type: 'notBefore', id: 'x', field: 'endDate', reference: 'beginDate', message: 'msg' }];
    expect(problems(d).map((p) => p.path)).toEqual(['rules.0.reference']);
  });

  it('rejects a code field without codes', () => {
    const d = clone();
    const careType = d.fields.findIndex((f) => f.id === 'careType');
    delete d.fields[careType]?.codes;
    const found = problems(d);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe(`fields.${careType}.codes`);
  });

  it('rejects codes on a field that is not a code field', () => {
    const d = clone();
    d.fields.push({ id: 'note', type: 'text', codes: ['a'] });
    expect(problems(d).map((p) => p.path)).toEqual([`fields.${d.fields.length - 1}.codes`]);
  });

  it('rejects min greater than max, an unknown type, an unknown key and a bad field id', () => {
    const d = clone();
    d.fields.push({ id: 'hours', type: 'decimal', min: 10, max: 5 });
    expect(problems(d).map((p) => p.path)).toEqual([`fields.${d.fields.length - 1}.min`]);

    const e = clone();
    e.fields.push({ id: 'shoe', type: 'shoesize' });
    expect(problems(e).map((p) => p.path)).toEqual([`fields.${e.fields.length - 1}.type`]);

    const f = clone();
    f.fields.push({ id: 'note', type: 'text', colour: 'red' });
    expect(problems(f).map((p) => p.path)).toEqual([`fields.${f.fields.length - 1}`]);

    const g = clone();
    g.fields.push({ id: 'Bad-Id', type: 'text' });
    expect(problems(g).map((p) => p.path)).toEqual([`fields.${g.fields.length - 1}.id`]);
  });
});
