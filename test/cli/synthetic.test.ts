import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  daycareRecords,
  FAULT_RULES,
  SYNTHETIC_FAULTS,
  type SyntheticOptions,
  syntheticDelivery,
} from '../../src/cli/synthetic';
import { DatasetSchema } from '../../src/core/dataset';
import { compileDataset, cprBirthDate, type RawRecord, type ValidationIssue } from '../../src/core/validator';
import { createReader } from '../../src/formats/readers';

const daycare = compileDataset(
  DatasetSchema.parse(
    JSON.parse(readFileSync(new URL('../../schemas/daycare.json', import.meta.url), 'utf8')),
  ),
);

function generate(opts: Partial<SyntheticOptions> & Pick<SyntheticOptions, 'records' | 'format'>): string[] {
  return [...syntheticDelivery({ dataset: 'daycare', ...opts })];
}

/** RFC 4180 with CRLF rows; enough to read the generator's CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (quoted || cell !== '' || row.length) throw new Error('the CSV does not end with a complete row');
  return rows;
}

/** The delivery as raw records, read the way each format is meant to be read. */
function readBack(format: SyntheticOptions['format'], chunks: string[]): RawRecord[] {
  const text = chunks.join('');
  if (format === 'xml') {
    const reader = createReader({ format: 'xml', charset: 'utf-8' }, daycare);
    const out: RawRecord[] = [];
    for (const chunk of chunks) out.push(...reader.write(new TextEncoder().encode(chunk)));
    out.push(...reader.end());
    return out;
  }
  if (format === 'csv') {
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(daycare.fieldIds);
    return rows.map((cells, i) => {
      expect(cells).toHaveLength(header?.length ?? 0);
      const fields: Record<string, string> = {};
      header?.forEach((h, j) => {
        const v = cells[j];
        if (v !== undefined && v !== '') fields[h] = v;
      });
      return { n: i + 1, fields };
    });
  }
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => ({ n: i + 1, fields: JSON.parse(l) as Record<string, string> }));
}

function validateAll(records: RawRecord[]) {
  const issues: ValidationIssue[] = [];
  let invalid = 0;
  for (const r of records) if (daycare.validate(r, issues) === null) invalid++;
  return { invalid, issues };
}

describe('synthetic deliveries', () => {
  it('are deterministic for a seed', () => {
    for (const format of ['xml', 'csv', 'ndjson'] as const) {
      const a = generate({ records: 300, format, seed: 42, invalidShare: 0.1 }).join('');
      const b = generate({ records: 300, format, seed: 42, invalidShare: 0.1 }).join('');
      const c = generate({ records: 300, format, seed: 43, invalidShare: 0.1 }).join('');
      expect(b).toBe(a);
      expect(c).not.toBe(a);
    }
    expect([...daycareRecords({ records: 50, seed: 7 })]).toEqual([
      ...daycareRecords({ records: 50, seed: 7 }),
    ]);
  });

  it.each(['xml', 'csv', 'ndjson'] as const)('%s gives exactly N records', (format) => {
    for (const records of [0, 1, 17, 1000]) {
      expect(readBack(format, generate({ records, format, seed: 3 }))).toHaveLength(records);
    }
  });

  it.each(['xml', 'csv', 'ndjson'] as const)('%s carries the same records as the other formats', (format) => {
    const reference = readBack('ndjson', generate({ records: 200, format: 'ndjson', seed: 11 })).map(
      (r) => r.fields,
    );
    expect(readBack(format, generate({ records: 200, format, seed: 11 })).map((r) => r.fields)).toEqual(
      reference,
    );
  });

  it('makes only CPR numbers with a real birth date, of children born 2020–2025', () => {
    const records = [...daycareRecords({ records: 2000, seed: 5, invalidShare: 0 })];
    expect(records).toHaveLength(2000);
    for (const r of records) {
      expect(r.cpr).toMatch(/^\d{10}$/);
      const born = cprBirthDate(r.cpr as string);
      expect(born).not.toBeNull();
      const year = Number(born?.slice(0, 4));
      expect(year).toBeGreaterThanOrEqual(2020);
      expect(year).toBeLessThanOrEqual(2025);
    }
  });

  it.each(['xml', 'csv', 'ndjson'] as const)('with invalidShare 0 every %s record is valid', (format) => {
    const records = readBack(format, generate({ records: 1000, format, seed: 9, invalidShare: 0 }));
    expect(records).toHaveLength(1000);
    const { invalid, issues } = validateAll(records);
    expect(issues).toEqual([]);
    expect(invalid).toBe(0);
  });

  it.each(['xml', 'csv', 'ndjson'] as const)(
    'with invalidShare 0.2 roughly a fifth of %s records is invalid',
    (format) => {
      const records = readBack(format, generate({ records: 1000, format, seed: 9, invalidShare: 0.2 }));
      expect(records).toHaveLength(1000);
      const { invalid, issues } = validateAll(records);
      expect(invalid).toBeGreaterThanOrEqual(100);
      expect(invalid).toBeLessThanOrEqual(300);
      // Several kinds of mistake, not just one.
      expect(new Set(issues.map((i) => i.rule)).size).toBeGreaterThanOrEqual(3);
    },
  );

  it('arrives in chunks rather than as one string', () => {
    for (const format of ['xml', 'csv', 'ndjson'] as const) {
      const chunks = generate({ records: 5000, format, seed: 1 });
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
      expect(readBack(format, chunks)).toHaveLength(5000);
    }
  });

  it('puts dataset, municipality and period on the XML root when asked', () => {
    const chunks = generate({
      records: 3,
      format: 'xml',
      rootAttributes: true,
      municipality: '751',
      period: '2026-09',
    });
    const reader = createReader({ format: 'xml', charset: 'utf-8' }, daycare);
    for (const chunk of chunks) reader.write(new TextEncoder().encode(chunk));
    reader.end();
    expect(reader.rootAttributes).toEqual({ dataset: 'daycare', municipality: '751', period: '2026-09' });
  });
});

const eldercare = compileDataset(
  DatasetSchema.parse(
    JSON.parse(readFileSync(new URL('../../schemas/eldercare.json', import.meta.url), 'utf8')),
  ),
);

describe('faults put in on purpose', () => {
  it.each(['xml', 'csv', 'ndjson'] as const)(
    'make exactly the chosen daycare %s records invalid, each by the rule named for it',
    (format) => {
      for (const fault of SYNTHETIC_FAULTS) {
        const records = readBack(
          format,
          generate({ records: 6, format, seed: 4, faults: new Map([[2, fault]]) }),
        );
        const { invalid, issues } = validateAll(records);
        expect(invalid, fault).toBe(1);
        expect(issues.map((i) => [i.record, i.rule])).toEqual([[3, FAULT_RULES.daycare[fault]]]);
      }
    },
  );

  it('make exactly the chosen eldercare records invalid, each by the rule named for it', () => {
    for (const fault of SYNTHETIC_FAULTS) {
      const text = [
        ...syntheticDelivery({
          dataset: 'eldercare',
          records: 6,
          format: 'ndjson',
          seed: 4,
          faults: new Map([[4, fault]]),
        }),
      ].join('');
      const issues: ValidationIssue[] = [];
      text
        .split('\n')
        .filter(Boolean)
        .forEach((l, i) => {
          eldercare.validate({ n: i + 1, fields: JSON.parse(l) as Record<string, string> }, issues);
        });
      expect(issues.map((i) => [i.record, i.rule])).toEqual([[5, FAULT_RULES.eldercare[fault]]]);
    }
  });
});
