/** What is wrong with a profile: zod's issues and the checks against its dataset, as `$.path: message`. */
import type { z } from 'zod';
import type { Dataset } from './dataset';
import type { ColumnSpec, Profile } from './profile';

export interface ProfileProblem {
  path: string;
  message: string;
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0
    ? '$'
    : `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/** Issues from a zod parse as `$.path: message` pairs. */
export function zodProblems(error: z.ZodError): ProfileProblem[] {
  return error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
}

/** Checks a parsed profile against its dataset: every field it names exists, every code is mapped. */
export function checkProfileAgainstDataset(profile: Profile, dataset: Dataset): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const fields = new Map(dataset.fields.map((f) => [f.id, f]));
  const checkColumn = (c: ColumnSpec, path: string) => {
    const refs = [c.from, ...(c.concat ?? []).map((s) => (typeof s === 'string' ? undefined : s.from))];
    for (const ref of refs) {
      if (ref !== undefined && !fields.has(ref))
        problems.push({ path, message: `field ${ref} is not in dataset ${dataset.id}` });
    }
    if (c.map && c.from) {
      const def = fields.get(c.from);
      for (const code of def?.codes ?? []) {
        if (!(code in c.map))
          problems.push({ path: `${path}.map`, message: `code ${code} of ${c.from} is not mapped` });
      }
    }
    if (c.date && c.from && fields.get(c.from)?.type !== 'date')
      problems.push({ path: `${path}.date`, message: `${c.from} is not a date field` });
    if (c.number && c.from && !['decimal', 'integer'].includes(fields.get(c.from)?.type ?? ''))
      problems.push({ path: `${path}.number`, message: `${c.from} is not a number field` });
  };
  profile.columns?.forEach((c, i) => {
    checkColumn(c, `$.columns[${i}]`);
  });
  profile.aggregate?.groupBy.forEach((c, i) => {
    checkColumn(c, `$.aggregate.groupBy[${i}]`);
  });
  profile.aggregate?.measures.forEach((m, i) => {
    if (m.field && !fields.has(m.field))
      problems.push({
        path: `$.aggregate.measures[${i}].field`,
        message: `field ${m.field} is not in dataset ${dataset.id}`,
      });
    else if (m.field && m.fn !== 'count' && !['decimal', 'integer'].includes(fields.get(m.field)?.type ?? ''))
      problems.push({
        path: `$.aggregate.measures[${i}].field`,
        message: `${m.fn} needs a number field; ${m.field} is not`,
      });
  });
  profile.filter.forEach((f, i) => {
    if (!fields.has(f.field))
      problems.push({
        path: `$.filter[${i}].field`,
        message: `field ${f.field} is not in dataset ${dataset.id}`,
      });
  });
  // A record-level extract that carries a personal field in clear must say so by naming it plainly;
  // aggregate extracts can never carry one.
  profile.aggregate?.groupBy.forEach((c, i) => {
    if (c.from && fields.get(c.from)?.personal)
      problems.push({
        path: `$.aggregate.groupBy[${i}]`,
        message: `personal field ${c.from} cannot be a group of an aggregate`,
      });
  });
  if (profile.dataset !== dataset.id) problems.push({ path: '$.dataset', message: `expected ${dataset.id}` });
  problems.push(...encodingProblems(profile));
  return problems;
}

/** The characters Windows-1252 puts where ISO-8859-1 has C1 controls (0x80–0x9F). */
const CP1252_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Whether a charset can hold every character of a text. */
export function representable(text: string, encoding: 'utf-8' | 'iso-8859-1' | 'windows-1252'): boolean {
  if (encoding === 'utf-8') return true;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (
      encoding === 'iso-8859-1' ? c > 0xff : !(c < 0x80 || (c >= 0xa0 && c <= 0xff) || CP1252_EXTRA.has(ch))
    )
      return false;
  }
  return true;
}

/**
 * Text a profile itself writes (header names, constants, mapped codes, separators) must fit
 * the output's charset; the lint says so before any delivery fails on it.
 */
function encodingProblems(profile: Profile): ProfileProblem[] {
  if (profile.output.format !== 'csv' || profile.output.encoding === 'utf-8') return [];
  const encoding = profile.output.encoding;
  const problems: ProfileProblem[] = [];
  const check = (text: string | number | boolean | undefined, path: string) => {
    if (typeof text === 'string' && !representable(text, encoding))
      problems.push({ path, message: `${JSON.stringify(text)} cannot be written in ${encoding}` });
  };
  const column = (c: ColumnSpec, path: string) => {
    check(c.name, `${path}.name`);
    check(c.const, `${path}.const`);
    check(c.default, `${path}.default`);
    check(c.separator, `${path}.separator`);
    for (const [code, v] of Object.entries(c.map ?? {})) check(v, `${path}.map.${code}`);
    c.concat?.forEach((part, i) => {
      check(typeof part === 'string' ? part : part.const, `${path}.concat[${i}]`);
    });
  };
  for (const [i, c] of (profile.columns ?? []).entries()) column(c, `$.columns[${i}]`);
  for (const [i, c] of (profile.aggregate?.groupBy ?? []).entries()) column(c, `$.aggregate.groupBy[${i}]`);
  for (const [i, m] of (profile.aggregate?.measures ?? []).entries())
    check(m.name, `$.aggregate.measures[${i}].name`);
  check(profile.aggregate?.suppress?.flag, '$.aggregate.suppress.flag');
  return problems;
}
