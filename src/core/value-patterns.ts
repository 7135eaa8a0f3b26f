import type { Dataset, FieldDef } from './dataset';
import { MUNICIPALITIES } from './municipalities';
import { DEFAULT_TEXT_LIMIT } from './validator';

/**
 * What the validator (`validator.ts`) accepts for one field, written as a regular expression a
 * published schema can carry: the same text for XML Schema 1.0 (`xsd`, whole-value match) and
 * ECMAScript/JSON Schema (`ecma`, anchored by the caller). Only groups, classes, counts and
 * alternation are used, which both dialects read alike; escapes differ and are chosen here.
 */
export type Dialect = 'xsd' | 'ecma';

/** The whitespace `trim` removes at both ends of a value: space, TAB, CR, LF (XML's). */
export const XML_SPACE = '[ \\t\\n\\r]';

/** Any character a value may hold: XML can carry no other (U+0000–U+0008, U+000B, …, U+FFFE). */
function anyChar(d: Dialect): string {
  return d === 'xsd' ? '[\\s\\S]' : '[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]';
}
function nonSpace(d: Dialect): string {
  return d === 'xsd'
    ? '[^ \\t\\n\\r]'
    : '[^ \\t\\n\\r\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]';
}

/** A literal in a pattern. XSD 1.0 has no `\$` (and `$` is plain there); ECMAScript's u flag no `\-`. */
export function literal(s: string, d: Dialect): string {
  return d === 'xsd' ? s.replace(/[\\.?*+(){}[\]|^-]/g, '\\$&') : s.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&');
}

const DAY31 = '(0[1-9]|[12][0-9]|3[01])';
/** YYYY-MM-DD and a real day of that month, 29 February only in a leap year (as `isValidIsoDate`). */
export const DATE_PATTERN =
  '([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))' +
  '|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)';
/**
 * Ten digits beginning DDMM with a day 01–31 and a month 01–12. The validator also refuses a day
 * the month lacks (3102…, 3104…) for the century the seventh digit gives: no schema says that.
 */
export const CPR_PATTERN = `${DAY31}(0[1-9]|1[0-2])[0-9]{6}`;
/** A period's id for each cadence (`period.ts`), as the root element's period attribute gives it. */
export const PERIOD_PATTERNS: Record<Dataset['cadence'], string> = {
  monthly: '[0-9]{4}-(0[1-9]|1[0-2])',
  weekly: '[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])',
  daily: DATE_PATTERN,
};
export const INTEGER_PATTERN = '[+\\-]?[0-9]+';

export function decimalPattern(scale: number | undefined): string {
  if (scale === 0) return INTEGER_PATTERN;
  return `[+\\-]?[0-9]+(\\.[0-9]${scale === undefined ? '+' : `{1,${scale}}`})?`;
}

/** The longest text a field may hold: its maxLength, or the validator's limit for text. */
export function lengthLimit(f: FieldDef): number | undefined {
  return f.maxLength ?? (f.type === 'text' ? DEFAULT_TEXT_LIMIT : undefined);
}

/**
 * A value of the field after trimming, as a pattern. For `text`, a trimmed value begins and
 * ends with a non-space character, so "spaces, at most N characters, spaces" is exactly the
 * validator's "at most N characters once trimmed".
 */
export function valuePattern(f: FieldDef, d: Dialect, trim: boolean): string {
  switch (f.type) {
    case 'text': {
      const n = lengthLimit(f) ?? DEFAULT_TEXT_LIMIT;
      if (!trim) return `${anyChar(d)}{1,${n}}`;
      return n === 1 ? nonSpace(d) : `${nonSpace(d)}(${anyChar(d)}{0,${n - 2}}${nonSpace(d)})?`;
    }
    case 'code':
      return `(${(f.codes ?? []).map((c) => literal(c, d)).join('|')})`;
    case 'date':
      return DATE_PATTERN;
    case 'decimal':
      return decimalPattern(f.scale);
    case 'integer':
      return INTEGER_PATTERN;
    case 'boolean':
      return '(true|false|1|0)';
    case 'cpr':
      return CPR_PATTERN;
    case 'pnumber':
      return '[0-9]{10}';
    case 'municipality':
      return `(${[...MUNICIPALITIES.keys()].join('|')})`;
  }
}

/** The whole text of a value as sent: spaces around it when the dataset trims; optional when the field is. */
export function sentPattern(f: FieldDef, d: Dialect, trim: boolean): string {
  const v = valuePattern(f, d, trim);
  const value = f.required ? v : `(${v})?`;
  return trim ? `${XML_SPACE}*${value}${XML_SPACE}*` : value;
}

/** What each rule of a dataset says, in words, for the schemas' documentation. */
export function ruleTexts(dataset: Dataset): Array<{ id: string; field: string; text: string }> {
  return dataset.rules.map((r) => ({
    id: r.id,
    field: r.field,
    text: `${r.field}, when given, is not before ${r.reference} (${r.message})`,
  }));
}

/** What a field accepts, in words: the CSV columns description and the data dictionary. */
export function fieldRule(f: FieldDef): string {
  const range = [
    f.min !== undefined ? `at least ${f.min}` : '',
    f.max !== undefined ? `at most ${f.max}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const withRange = (s: string) => (range ? `${s}; ${range}` : s);
  switch (f.type) {
    case 'text':
      return `text of at most ${lengthLimit(f)} characters`;
    case 'code':
      return `one of: ${(f.codes ?? []).join(' | ')}`;
    case 'date':
      return 'a date, YYYY-MM-DD';
    case 'decimal':
      return withRange(
        `a decimal number with a point, no exponent${f.scale !== undefined ? `, at most ${f.scale} decimals` : ''}`,
      );
    case 'integer':
      return withRange('a whole number');
    case 'boolean':
      return 'true, false, 1 or 0';
    case 'cpr':
      return 'a CPR number: 10 digits, no dash, beginning with a real date DDMMYY';
    case 'pnumber':
      return 'a P-number: 10 digits';
    case 'municipality':
      return 'one of the 98 three-digit municipality codes';
  }
}
