import type { Dataset, FieldDef } from './dataset';
import { fieldRule, ruleTexts, sentPattern, XML_SPACE } from './value-patterns';

type Json = Record<string, unknown>;

/** What JSON Schema cannot say about one NDJSON line; the gateway checks it all the same. */
export function jsonSchemaCannotExpress(dataset: Dataset): string[] {
  const out = ruleTexts(dataset).map((r) => `rule ${r.id}: ${r.text}`);
  if (dataset.fields.some((f) => f.type === 'cpr'))
    out.push('a CPR number whose day does not exist in its month (3102…, 3104…) for its century');
  if (dataset.fields.some((f) => f.type === 'decimal' || f.type === 'integer'))
    out.push(
      'a number given as a JSON string is checked against min and max by the gateway only; a JSON number is checked as written (no exponent, 5.0 is not a whole number, at most scale decimals), which JSON Schema sees only as a value',
    );
  return out;
}

function stringOf(f: FieldDef, trim: boolean): Json {
  return { type: 'string', pattern: `^${sentPattern(f, 'ecma', trim)}$` };
}

function fieldSchema(f: FieldDef, trim: boolean): Json {
  const description = [f.description, f.personal ? 'Personal data.' : '', `Accepts ${fieldRule(f)}.`]
    .filter(Boolean)
    .join(' ');
  const range: Json = {};
  if (f.min !== undefined) range.minimum = f.min;
  if (f.max !== undefined) range.maximum = f.max;
  const options: Json[] = [stringOf(f, trim)];
  if (f.type === 'integer') options.unshift({ type: 'integer', ...range });
  if (f.type === 'decimal') options.unshift({ type: 'number', ...range });
  if (f.type === 'boolean') options.unshift({ type: 'boolean' }, { enum: [0, 1] });
  // null, like an empty string, is a field not given.
  if (!f.required) options.push({ type: 'null' });
  return options.length === 1 ? { description, ...options[0] } : { description, anyOf: options };
}

/**
 * The JSON Schema (draft 2020-12) of one line of an NDJSON delivery: an object whose keys are
 * the dataset's field ids, no other key, the required ones given and not empty.
 */
export function datasetJsonSchema(dataset: Dataset, id?: string): Json {
  const trim = dataset.whitespace === 'trim';
  const cannot = jsonSchemaCannotExpress(dataset);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(id ? { $id: id } : {}),
    title: `${dataset.title}: one NDJSON line`,
    description: [
      `One record of dataset ${dataset.id}, version ${dataset.version}, as the gateway accepts it: one JSON object per line, UTF-8.`,
      trim
        ? `String values lose spaces, TABs, CRs and LFs at both ends before they are checked (the patterns allow them: ${XML_SPACE}); an empty string or null is a field not given.`
        : 'Values are checked exactly as sent; an empty string or null is a field not given.',
      cannot.length ? `Not expressed here, checked by the gateway: ${cannot.join('; ')}.` : '',
    ]
      .filter(Boolean)
      .join(' '),
    $comment: 'Made from the dataset definition; the gateway’s own check is the reference.',
    type: 'object',
    properties: Object.fromEntries(dataset.fields.map((f) => [f.id, fieldSchema(f, trim)])),
    required: dataset.fields.filter((f) => f.required).map((f) => f.id),
    additionalProperties: false,
  };
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One line of CSV: cells quoted where they must be, CRLF at the end. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * The columns of a CSV delivery, as a CSV document: name, type, required, rule. The header of
 * a delivery names these columns in any order; an optional one may be left out.
 */
export function datasetCsvColumns(dataset: Dataset): string {
  const rules = ruleTexts(dataset);
  let out = csvLine(['name', 'type', 'required', 'rule']);
  for (const f of dataset.fields) {
    const rule = [fieldRule(f), ...rules.filter((r) => r.field === f.id).map((r) => r.text)].join('; ');
    out += csvLine([f.id, f.type, String(f.required), rule]);
  }
  return out;
}
