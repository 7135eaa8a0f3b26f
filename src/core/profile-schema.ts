import type { CompiledProfile } from './mapper';
import type { ColumnSpec } from './profile';
import { csvLine } from './published-json';
import { escapeXml } from './xml-text';

/** One column of what a recipient receives: its name, where it comes from and how it is made. */
export interface OutputColumn {
  name: string;
  /** The dataset fields it is made from. */
  fields: string[];
  /** Where the value comes from, in words. */
  source: string;
  /** How it is made from there, in words; empty when copied as it is. */
  how: string[];
  /** Whether every row carries it (a delivery fact, a constant, a count). */
  always: boolean;
}

function sourceOf(c: ColumnSpec): string {
  if (c.from !== undefined) return `field ${c.from}`;
  if (c.meta !== undefined) return `the delivery's ${c.meta}`;
  if (c.const !== undefined) return `the constant ${JSON.stringify(c.const)}`;
  const parts = (c.concat ?? []).map((p) =>
    typeof p === 'string'
      ? JSON.stringify(p)
      : p.from
        ? p.from
        : p.meta
          ? `the delivery's ${p.meta}`
          : JSON.stringify(p.const),
  );
  return `${parts.join(' + ')} joined${c.separator ? ` by ${JSON.stringify(c.separator)}` : ''}`;
}

function fieldsOf(c: ColumnSpec): string[] {
  if (c.from !== undefined) return [c.from];
  return (c.concat ?? []).flatMap((p) => (typeof p !== 'string' && p.from ? [p.from] : []));
}

function howOf(c: ColumnSpec): string[] {
  const how: string[] = [];
  if (c.pseudonymise)
    how.push(`pseudonymised (HMAC, key ${c.pseudonymise.key}): the recipient never gets the value itself`);
  if (c.map)
    how.push(
      `codes mapped: ${Object.entries(c.map)
        .map(([a, b]) => `${a} → ${b}`)
        .join(', ')}`,
    );
  if (c.date) how.push(`date written ${c.date}`);
  if (c.number)
    how.push(
      `number written${c.number.decimals !== undefined ? ` with ${c.number.decimals} decimals` : ''}${c.number.decimalSeparator ? `, separator ${JSON.stringify(c.number.decimalSeparator)}` : ''}`,
    );
  if (c.pad)
    how.push(
      `padded to ${c.pad.length} with ${JSON.stringify(c.pad.char ?? ' ')} on the ${c.pad.side ?? 'left'}`,
    );
  if (c.truncate) how.push(`cut to ${c.truncate} characters`);
  if (c.default !== undefined) how.push(`${JSON.stringify(c.default)} when not given`);
  return how;
}

/** The columns of a profile's extract, in the order it writes them. */
export function outputColumns(cp: CompiledProfile): OutputColumn[] {
  const byName = new Map(describedColumns(cp).map((c) => [c.name, c]));
  return cp.columns.map(
    (name) => byName.get(name) ?? { name, fields: [], source: 'made by the profile', how: [], always: false },
  );
}

function describedColumns(cp: CompiledProfile): OutputColumn[] {
  const p = cp.profile;
  if (p.aggregate) {
    const a = p.aggregate;
    const out: OutputColumn[] = a.groupBy.map((c) => ({
      name: c.name,
      fields: fieldsOf(c),
      source: `group by ${sourceOf(c)}`,
      how: howOf(c),
      always: true,
    }));
    for (const m of a.measures)
      out.push({
        name: m.name,
        fields: m.field ? [m.field] : [],
        source: `${m.fn}${m.field ? ` of field ${m.field}` : ' of records'} in the group`,
        how: [
          ...(m.decimals !== undefined ? [`${m.decimals} decimals`] : []),
          ...(a.suppress ? [`left empty when the group has fewer than ${a.suppress.below} records`] : []),
        ],
        always: !a.suppress,
      });
    if (a.suppress)
      out.push({
        name: a.suppress.flag,
        fields: [],
        source: 'whether the row is suppressed',
        how: [],
        always: true,
      });
    return out;
  }
  return (p.columns ?? []).map((c) => ({
    name: c.name,
    fields: fieldsOf(c),
    source: sourceOf(c),
    how: howOf(c),
    always: c.meta !== undefined || c.const !== undefined || c.default !== undefined,
  }));
}

/** Which of the profile-schema documents a profile's output has; null for the archival version. */
export function profileSchemaFiles(
  cp: CompiledProfile,
): Array<'schema.xsd' | 'schema.json' | 'schema.csv'> | null {
  switch (cp.profile.output.format) {
    case 'xml':
      return ['schema.xsd'];
    case 'ndjson':
    case 'json':
      return ['schema.json'];
    case 'csv':
      return ['schema.csv'];
    default:
      return null;
  }
}

/** The XML Schema of an XML extract: the profile's root, its records, each column's element in order. */
export function profileXsd(cp: CompiledProfile): string {
  const out = cp.profile.output;
  if (out.format !== 'xml') throw new Error(`${cp.profile.id} writes ${out.format}, not XML`);
  const ns = out.namespace ? escapeXml(out.namespace) : null;
  const cols = outputColumns(cp);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"${ns ? ` targetNamespace="${ns}" elementFormDefault="qualified"` : ''} version="${cp.profile.version}">`,
    `  <xs:annotation><xs:documentation>${escapeXml(`What ${cp.profile.recipient} receives from ${cp.profile.dataset}: profile ${cp.profile.id}, version ${cp.profile.version}, sha256 ${cp.sha256}. A column with no value in a row is left out of it; the data dictionary (GET /v1/datasets/${cp.profile.dataset}/dictionary) says how each is made.`)}</xs:documentation></xs:annotation>`,
    `  <xs:element name="${out.root}">`,
    '    <xs:complexType>',
    '      <xs:sequence>',
    `        <xs:element name="${out.record}" minOccurs="0" maxOccurs="unbounded">`,
    '          <xs:complexType>',
    '            <xs:sequence>',
    ...cols.map(
      (c) =>
        `              <xs:element name="${c.name}" type="xs:string" minOccurs="${c.always ? 1 : 0}"><xs:annotation><xs:documentation>${escapeXml([c.source, ...c.how].join('; '))}</xs:documentation></xs:annotation></xs:element>`,
    ),
    '            </xs:sequence>',
    '          </xs:complexType>',
    '        </xs:element>',
    '      </xs:sequence>',
    '      <xs:anyAttribute processContents="skip"/>',
    '    </xs:complexType>',
    '  </xs:element>',
    '</xs:schema>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The JSON Schema (2020-12) of one row of an NDJSON or JSON extract. */
export function profileJsonSchema(cp: CompiledProfile, id?: string): Record<string, unknown> {
  const cols = outputColumns(cp);
  const row = {
    type: 'object',
    properties: Object.fromEntries(
      cols.map((c) => [
        c.name,
        {
          description: [c.source, ...c.how].join('; '),
          anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
        },
      ]),
    ),
    required: cols.filter((c) => c.always).map((c) => c.name),
    additionalProperties: false,
  };
  const json = cp.profile.output.format === 'json';
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(id ? { $id: id } : {}),
    title: `${cp.profile.id} version ${cp.profile.version}: ${json ? 'the extract, one JSON array of rows' : 'one line of the extract'}`,
    description: `What ${cp.profile.recipient} receives from ${cp.profile.dataset} (profile sha256 ${cp.sha256}). A column with no value in a row is left out of it.`,
    ...(json ? { type: 'array', items: row } : row),
  };
}

/** The columns of a CSV extract, as CSV: name, type, required, rule. */
export function profileCsvColumns(cp: CompiledProfile): string {
  let s = csvLine(['name', 'type', 'required', 'rule']);
  for (const c of outputColumns(cp))
    s += csvLine([c.name, 'text', String(c.always), [c.source, ...c.how].join('; ')]);
  return s;
}
