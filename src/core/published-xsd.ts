import type { Dataset, FieldDef } from './dataset';
import { xmlElementName } from './dataset';
import { MUNICIPALITIES } from './municipalities';
import {
  lengthLimit,
  PERIOD_PATTERNS,
  ruleTexts,
  sentPattern,
  valuePattern,
  XML_SPACE,
} from './value-patterns';
import { escapeXml } from './xml-text';

/** What XML Schema 1.0 cannot say about a dataset's deliveries; the gateway checks it all the same. */
export function xsdCannotExpress(dataset: Dataset): string[] {
  const out = ruleTexts(dataset).map((r) => `rule ${r.id}: ${r.text}`);
  if (dataset.fields.some((f) => f.type === 'cpr'))
    out.push('a CPR number whose day does not exist in its month (3102…, 3104…) for its century');
  out.push(
    "the root element's dataset, municipality and period attributes, when given, must equal the request's",
  );
  return out;
}

const doc = (text: string, indent: string) =>
  `${indent}<xs:annotation><xs:documentation>${escapeXml(text)}</xs:documentation></xs:annotation>\n`;

/** The simple type of one field's element, as the validator reads its text. */
function fieldType(f: FieldDef, trim: boolean): string {
  const name = `${xmlElementName(f.id)}Value`;
  const i = '  ';
  const facets: string[] = [];
  let base = 'xs:string';
  if ((f.type === 'decimal' || f.type === 'integer') && trim) {
    // xs:decimal collapses whitespace first, which is the dataset's trim for a number.
    base = f.type === 'integer' ? 'xs:integer' : 'xs:decimal';
    facets.push(`<xs:pattern value="${escapeXml(valuePattern(f, 'xsd', trim))}"/>`);
    const min = f.min ?? (f.type === 'integer' ? -Number.MAX_SAFE_INTEGER : undefined);
    const max = f.max ?? (f.type === 'integer' ? Number.MAX_SAFE_INTEGER : undefined);
    if (min !== undefined) facets.push(`<xs:minInclusive value="${min}"/>`);
    if (max !== undefined) facets.push(`<xs:maxInclusive value="${max}"/>`);
  } else {
    facets.push(`<xs:pattern value="${escapeXml(sentPattern({ ...f, required: true }, 'xsd', trim))}"/>`);
    const limit = lengthLimit(f);
    if (!trim && limit !== undefined) facets.push(`<xs:maxLength value="${limit}"/>`);
  }
  return `${i}<xs:simpleType name="${name}">\n${i}  <xs:restriction base="${base}">\n${facets.map((x) => `${i}    ${x}\n`).join('')}${i}  </xs:restriction>\n${i}</xs:simpleType>\n`;
}

/**
 * The XML Schema (1.0) of a dataset's XML deliveries, made from its definition: the root and
 * record elements in the dataset's namespace, each field's element at most once in any order
 * (`xs:all`, as the reader takes them), each value's text as the validator accepts it, an
 * optional field's element present and empty as if absent.
 */
export function datasetXsd(dataset: Dataset): string {
  const trim = dataset.whitespace === 'trim';
  const ns = escapeXml(dataset.xml.namespace);
  const lines: string[] = [];
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:d="${ns}" targetNamespace="${ns}" elementFormDefault="qualified" version="${dataset.version}">`,
  );
  const notes = [
    `${dataset.title}: the XML delivery of dataset ${dataset.id}, version ${dataset.version}, as the gateway accepts it. Made from the dataset definition; the gateway's own check is the reference.`,
    trim
      ? 'Values lose spaces, TABs, CRs and LFs at both ends before they are checked; an optional element that is empty (or only whitespace) counts as absent.'
      : 'Values are checked exactly as sent; an optional element that is empty counts as absent.',
    'Field elements may come in any order; each at most once; no other element is accepted in a record. Attributes on the root and record elements other than those declared are ignored.',
    `What XML Schema 1.0 cannot express, and the gateway checks: ${xsdCannotExpress(dataset).join('; ')}.`,
  ];
  lines.push(
    `  <xs:annotation>\n${notes.map((n) => `    <xs:documentation>${escapeXml(n)}</xs:documentation>`).join('\n')}\n  </xs:annotation>`,
  );
  lines.push(`  <xs:element name="${dataset.xml.root}">`);
  lines.push('    <xs:complexType>');
  lines.push('      <xs:sequence>');
  lines.push(
    `        <xs:element name="${dataset.xml.record}" type="d:${dataset.xml.record}Record" maxOccurs="unbounded"/>`,
  );
  lines.push('      </xs:sequence>');
  lines.push(`      <xs:attribute name="dataset" type="xs:string" fixed="${escapeXml(dataset.id)}"/>`);
  lines.push('      <xs:attribute name="municipality" type="d:MunicipalityCode"/>');
  lines.push('      <xs:attribute name="period" type="d:Period"/>');
  lines.push('      <xs:anyAttribute processContents="skip"/>');
  lines.push('    </xs:complexType>');
  lines.push('  </xs:element>');
  lines.push(`  <xs:complexType name="${dataset.xml.record}Record">`);
  lines.push('    <xs:all>');
  for (const f of dataset.fields) {
    const name = xmlElementName(f.id);
    const type = f.required ? `d:${name}Value` : `d:Optional${name}`;
    const text = [f.description, f.personal ? 'Personal data.' : ''].filter(Boolean).join(' ');
    lines.push(
      `      <xs:element name="${name}" type="${type}" minOccurs="${f.required ? 1 : 0}"${text ? `>\n${doc(text, '        ')}      </xs:element>` : '/>'}`,
    );
  }
  lines.push('    </xs:all>');
  lines.push('    <xs:anyAttribute processContents="skip"/>');
  lines.push('  </xs:complexType>');
  lines.push(
    `  <xs:simpleType name="Empty">\n    <xs:restriction base="xs:string">\n      <xs:pattern value="${trim ? `${XML_SPACE}*` : ''}"/>\n    </xs:restriction>\n  </xs:simpleType>`,
  );
  for (const f of dataset.fields) {
    lines.push(fieldType(f, trim).trimEnd());
    const name = xmlElementName(f.id);
    if (!f.required)
      lines.push(
        `  <xs:simpleType name="Optional${name}">\n    <xs:union memberTypes="d:${name}Value d:Empty"/>\n  </xs:simpleType>`,
      );
  }
  lines.push(
    `  <xs:simpleType name="MunicipalityCode">\n    <xs:restriction base="xs:string">\n${[...MUNICIPALITIES.keys()].map((c) => `      <xs:enumeration value="${c}"/>`).join('\n')}\n    </xs:restriction>\n  </xs:simpleType>`,
  );
  lines.push(
    `  <xs:simpleType name="Period">\n    <xs:restriction base="xs:string">\n      <xs:pattern value="${PERIOD_PATTERNS[dataset.cadence]}"/>\n    </xs:restriction>\n  </xs:simpleType>`,
  );
  lines.push('</xs:schema>');
  return `${lines.join('\n')}\n`;
}
