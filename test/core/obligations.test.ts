import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalogue, CatalogueError } from '../../src/core/catalogue';
import {
  type CompiledObligation,
  compileObligation,
  deadlineOf,
  latestDuePeriod,
  nextDeadlines,
  ObligationSchema,
} from '../../src/core/obligations';
import { type Period, parsePeriod } from '../../src/core/period';
import { BUNDLED_DELIVERIES, BUNDLED_SCHEMAS } from '../../src/runtime/bundled-catalogue';
import { readJsonFiles } from '../../src/runtime/catalogue-files';

const ROOT = join(__dirname, '..', '..');
const must = (id: string, cadence: Period['cadence']) => {
  const p = parsePeriod(id, cadence);
  if (!p) throw new Error(id);
  return p;
};
const obligation = (o: Record<string, unknown>): CompiledObligation =>
  compileObligation(ObligationSchema.parse(o));

describe('deadlines', () => {
  it('workingDaysAfterPeriodEnd counts Danish working days after the last day', () => {
    expect(deadlineOf(must('2026-10', 'monthly'), { workingDaysAfterPeriodEnd: 10 })).toBe('2026-11-13');
    // March 2024 ends on Easter Sunday; 2. Påskedag does not count.
    expect(deadlineOf(must('2024-03', 'monthly'), { workingDaysAfterPeriodEnd: 10 })).toBe('2024-04-15');
    // December: 1 January and the weekend.
    expect(deadlineOf(must('2026-12', 'monthly'), { workingDaysAfterPeriodEnd: 10 })).toBe('2027-01-15');
    // Week 52 of 2025 (22–28 December): 29 and 30 December; 31 December and 1 January are closed.
    expect(deadlineOf(must('2025-W52', 'weekly'), { workingDaysAfterPeriodEnd: 3 })).toBe('2026-01-02');
    // A daily period on the Friday before Christmas 2025.
    expect(deadlineOf(must('2025-12-22', 'daily'), { workingDaysAfterPeriodEnd: 2 })).toBe('2025-12-29');
  });

  it('dayOfFollowingMonth: monthly the n-th of the next month; weekly and daily n days after the end', () => {
    expect(deadlineOf(must('2026-10', 'monthly'), { dayOfFollowingMonth: 14 })).toBe('2026-11-14');
    expect(deadlineOf(must('2026-12', 'monthly'), { dayOfFollowingMonth: 14 })).toBe('2027-01-14');
    expect(deadlineOf(must('2026-W43', 'weekly'), { dayOfFollowingMonth: 3 })).toBe('2026-10-28');
    expect(deadlineOf(must('2026-12-31', 'daily'), { dayOfFollowingMonth: 1 })).toBe('2027-01-01');
  });

  it('the next deadlines from a day, none for periods before the first', () => {
    const daycare = obligation({
      dataset: 'daycare',
      cadence: 'monthly',
      deadline: { workingDaysAfterPeriodEnd: 10 },
      municipalities: 'all',
      firstPeriod: '2026-01',
    });
    expect(nextDeadlines(daycare, '2026-11-13')).toEqual([
      { period: '2026-10', deadline: '2026-11-13' },
      { period: '2026-11', deadline: '2026-12-14' },
      { period: '2026-12', deadline: '2027-01-15' },
    ]);
    expect(nextDeadlines(daycare, '2025-06-01', 1)).toEqual([{ period: '2026-01', deadline: '2026-02-13' }]);
    expect(latestDuePeriod(daycare, '2026-11-13')?.id).toBe('2026-09');
    expect(latestDuePeriod(daycare, '2026-11-14')?.id).toBe('2026-10');
    expect(latestDuePeriod(daycare, '2026-02-13')).toBeNull();
    expect(daycare.municipalities).toHaveLength(98);
  });
});

describe('deliveries/obligations.json at start', () => {
  const sha256Hex = (t: string) => createHash('sha256').update(t).digest('hex');
  const deps = { sha256Hex, pseudonymiser: () => ({ keyId: 'k', pseudonymise: (v: string) => v }) };
  const schemas = readJsonFiles(join(ROOT, 'schemas'), ROOT).filter((f) => !f.path.includes('archival'));
  const deliveries = readJsonFiles(join(ROOT, 'deliveries'), ROOT);
  const withObligations = (value: unknown) =>
    deliveries.map((f) =>
      f.path === 'deliveries/obligations.json' ? { ...f, text: JSON.stringify(value) } : f,
    );
  const shipped = JSON.parse(readFileSync(join(ROOT, 'deliveries/obligations.json'), 'utf8'));

  it('the shipped file: daycare and eldercare for all 98, one weekly and one daily example', () => {
    const c = buildCatalogue(schemas, deliveries, deps);
    expect(c.obligations.get('daycare')?.municipalities).toHaveLength(98);
    expect(c.obligations.get('eldercare')?.municipalities).toHaveLength(98);
    expect([...c.obligations.values()].map((o) => o.obligation.cadence).sort()).toEqual([
      'daily',
      'monthly',
      'monthly',
      'weekly',
    ]);
  });

  it('the Workers bundle carries the same obligations', () => {
    const profiles = BUNDLED_DELIVERIES.filter((f) => !f.text.includes('"archival-version"'));
    const c = buildCatalogue(BUNDLED_SCHEMAS, profiles, deps);
    expect([...c.obligations.keys()]).toEqual([
      ...buildCatalogue(schemas, deliveries, deps).obligations.keys(),
    ]);
    expect(c.obligations.size).toBe(4);
  });

  it("a cadence that is not the dataset's, an unknown municipality, a bad first period or rule: no start", () => {
    const bad = structuredClone(shipped);
    bad.obligations[0].cadence = 'weekly';
    bad.obligations[1].municipalities = ['101', '999'];
    bad.obligations[2].firstPeriod = '2026-13';
    bad.obligations[3].deadline = { daysAfterPeriodEnd: 3 };
    const build = () => buildCatalogue(schemas, withObligations(bad), deps);
    expect(build).toThrow(CatalogueError);
    let message = '';
    try {
      build();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      'deliveries/obligations.json $.obligations[0].cadence: the dataset daycare is monthly, not weekly',
    );
    expect(message).toContain('$.obligations[1].municipalities[1]: 999 is not a municipality code');
    expect(message).toContain('$.obligations[3].deadline');
  });

  it('an unknown dataset, a dataset twice, or not JSON: no start', () => {
    const unknown = structuredClone(shipped);
    unknown.obligations[0].dataset = 'nope';
    expect(() => buildCatalogue(schemas, withObligations(unknown), deps)).toThrow(/no dataset nope/);
    const twice = structuredClone(shipped);
    twice.obligations.push(twice.obligations[0]);
    expect(() => buildCatalogue(schemas, withObligations(twice), deps)).toThrow(
      /a second obligation for daycare/,
    );
    const notJson = deliveries.map((f) =>
      f.path === 'deliveries/obligations.json' ? { ...f, text: '{' } : f,
    );
    expect(() => buildCatalogue(schemas, notJson, deps)).toThrow(/obligations\.json \$: not JSON/);
  });
});
