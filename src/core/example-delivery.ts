import type { Dataset, FieldDef } from './dataset';
import { xmlElementName } from './dataset';
import { csvLine } from './published-json';
import { escapeXml } from './xml-text';

export const EXAMPLE_FORMATS = ['xml', 'csv', 'ndjson'] as const;
export type ExampleFormat = (typeof EXAMPLE_FORMATS)[number];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A number inside the field's range, written with at most its scale's decimals. */
function numberIn(f: FieldDef, i: number): number {
  const lo = f.min ?? 0;
  const hi = f.max ?? lo + 100 * (i + 1);
  const v = lo + ((hi - lo) * (i + 1)) / 4;
  const decimals = f.type === 'integer' ? 0 : Math.min(f.scale ?? 2, 2);
  const rounded = Number(v.toFixed(decimals));
  return rounded > hi ? lo : rounded;
}

/**
 * One synthetic value per field and record: made up, tied to no one. CPR numbers are
 * 1 January–3 January 1970 with the serial 999x; every date field of a record holds the same
 * day, so every notBefore rule holds.
 */
function exampleValue(f: FieldDef, i: number): string | number | boolean {
  switch (f.type) {
    case 'text':
      return `Example ${f.id} ${i + 1}`.slice(0, f.maxLength ?? 200);
    case 'code':
      return (f.codes ?? [])[i % (f.codes ?? []).length] as string;
    case 'date':
      return `2026-0${1 + (i % 9)}-15`;
    case 'decimal':
    case 'integer':
      return numberIn(f, i);
    case 'boolean':
      return i % 2 === 1;
    case 'cpr':
      return `${pad(i + 1)}0170999${i % 10}`;
    case 'pnumber':
      return `10${pad(12_345_670 + i, 8)}`;
    case 'municipality':
      return '101';
  }
}

/** A few records with every field given, as typed values. */
export function exampleRecords(
  dataset: Dataset,
  count = 3,
): Array<Record<string, string | number | boolean>> {
  return Array.from({ length: count }, (_, i) =>
    Object.fromEntries(dataset.fields.map((f) => [f.id, exampleValue(f, i)])),
  );
}

/**
 * A small valid delivery of the dataset in one format, synthetic data only. The XML root
 * carries no dataset, municipality or period attribute, so the example fits any slot.
 */
export function exampleDelivery(dataset: Dataset, format: ExampleFormat): string {
  const records = exampleRecords(dataset);
  if (format === 'ndjson') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (format === 'csv') {
    const ids = dataset.fields.map((f) => f.id);
    return csvLine(ids) + records.map((r) => csvLine(ids.map((id) => String(r[id])))).join('');
  }
  const body = records
    .map(
      (r) =>
        `  <${dataset.xml.record}>\n${dataset.fields
          .map((f) => {
            const name = xmlElementName(f.id);
            return `    <${name}>${escapeXml(String(r[f.id]))}</${name}>\n`;
          })
          .join('')}  </${dataset.xml.record}>\n`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${dataset.xml.root} xmlns="${escapeXml(dataset.xml.namespace)}">\n${body}</${dataset.xml.root}>\n`;
}
