/**
 * The XML files of an archival version: every index file is small and built whole; the table
 * is written row by row.
 */
import { type AvPlan, type AvType, avid, sqlType } from './archival-version';
import type { Dataset } from './dataset';
import { parsePeriod } from './period';
import type { DeliveryContext, OutRow } from './projection';
import { escapeXml } from './xml-text';

export const DIARK_NS = 'http://www.sa.dk/xmlns/diark/1.0';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const tableNs = (n: number) => `http://www.sa.dk/xmlns/siard/1.0/schema0/table${n}.xsd`;
const xsOf = (t: AvType) => (t.kind === 'fixed' ? t.xs : 'xs:string');

const el = (name: string, value: string | number | boolean) =>
  `<${name}>${escapeXml(String(value))}</${name}>`;
const DECL = '<?xml version="1.0" encoding="utf-8"?>\n';
const indexRoot = (name: string) =>
  `<${name} xmlns="${DIARK_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${DIARK_NS} ../Schemas/standard/${name}.xsd">\n`;

export interface ArchiveFacts {
  id: string;
  periodStart: string;
  periodEnd: string;
  creator: string;
}

/** The period the archival version covers and who created it, from the delivery. */
export function archiveFacts(plan: AvPlan, dataset: Dataset, ctx: DeliveryContext): ArchiveFacts {
  const period = parsePeriod(ctx.period, dataset.cadence);
  if (!period) throw new Error(`period ${ctx.period} does not fit the dataset's cadence`);
  return {
    id: avid(plan.output, ctx).id,
    periodStart: period.start,
    periodEnd: period.end,
    creator: plan.output.creator
      .replaceAll('{municipalityName}', ctx.municipalityName)
      .replaceAll('{municipality}', ctx.municipality),
  };
}

export function archiveIndexXml(plan: AvPlan, facts: ArchiveFacts): string {
  const o = plan.output;
  const lines = [
    el('archiveInformationPackageID', facts.id),
    el('archivePeriodStart', facts.periodStart),
    el('archivePeriodEnd', facts.periodEnd),
    el('archiveInformationPacketType', o.finalTransfer),
    `<archiveCreatorList>${el('creatorName', facts.creator)}${el('creationPeriodStart', facts.periodStart)}${el('creationPeriodEnd', facts.periodEnd)}</archiveCreatorList>`,
    // A delivery covers a closed period: an "årgang", not a snapshot.
    el('archiveType', true),
    el('systemName', o.systemName),
    el('systemPurpose', o.systemPurpose),
    el('systemContent', o.systemContent),
    el('regionNum', false),
    el('komNum', plan.holdsMunicipality),
    el('cprNum', plan.holdsCpr),
    el('cvrNum', false),
    el('matrikNum', false),
    el('bbrNum', false),
    el('whoSygKod', false),
  ];
  if (o.form)
    lines.push(
      `<form>${el('formVersion', o.form.version)}<classList>${o.form.classes
        .map((c) => el('formClass', c.class) + el('formClassText', c.text))
        .join('')}</classList></form>`,
    );
  lines.push(
    el('containsDigitalDocuments', false),
    el('containsGeodata', false),
    el('containsResearchData', false),
    el('researchSIP', false),
    el('documentsDisposal', false),
    el('searchRelatedOtherRecords', false),
    el('systemFileConcept', false),
    el('multipleDataCollection', false),
    el('personalDataRestrictedInfo', plan.holdsCpr),
    el('otherAccessTypeRestrictions', false),
    el('archiveApproval', o.approval ?? o.archive),
  );
  return `${DECL}${indexRoot('archiveIndex')}  ${lines.join('\n  ')}\n</archiveIndex>\n`;
}

export interface ContextDocument {
  id: number;
  title: string;
  description: string;
  date: string;
  authorInstitution: string;
}

export function contextDocumentationIndexXml(docs: readonly ContextDocument[]): string {
  const body = docs
    .map(
      (d) =>
        `  <document>${el('documentID', d.id)}${el('documentTitle', d.title)}${el('documentDescription', d.description)}` +
        `${el('documentDate', d.date)}<documentAuthor>${el('authorInstitution', d.authorInstitution)}</documentAuthor>` +
        '<documentCategory><systemInformation><systemPurpose>true</systemPurpose><systemContent>true</systemContent>' +
        '<systemDataTransfer>true</systemDataTransfer></systemInformation>' +
        '<submissionInformation><archivalTransformationInformation>true</archivalTransformationInformation></submissionInformation>' +
        '</documentCategory></document>\n',
    )
    .join('');
  return `${DECL}${indexRoot('contextDocumentationIndex')}${body}</contextDocumentationIndex>\n`;
}

export function tableIndexXml(plan: AvPlan, rows: number, longest: readonly number[]): string {
  const cols = plan.columns
    .map(
      (c, i) =>
        `      <column>${el('name', c.name)}${el('columnID', c.columnID)}${el('type', sqlType(c.type, longest[i] ?? 0))}` +
        `${el('nullable', c.nullable)}${el('description', c.description)}</column>\n`,
    )
    .join('');
  return (
    `${DECL}${indexRoot('tableIndex').replace('<tableIndex ', '<siardDiark ')}` +
    `  <version>1.0</version>\n  <tables>\n    <table>\n` +
    `    ${el('name', plan.tableName)}\n    ${el('folder', 'table1')}\n    ${el('description', plan.tableDescription)}\n` +
    `    <columns>\n${cols}    </columns>\n` +
    `    <primaryKey>${el('name', plan.primaryKey.name)}${el('column', plan.primaryKey.column)}</primaryKey>\n` +
    `    ${el('rows', rows)}\n    </table>\n  </tables>\n</siardDiark>\n`
  );
}

export interface FileEntry {
  /** The folder, from the archival version's own folder, with backslashes. */
  folder: string;
  file: string;
  /** MD5 of the bytes, 32 hex digits. */
  md5: string;
}

export function fileIndexXml(files: readonly FileEntry[]): string {
  const body = files
    .map((f) => `  <f>${el('foN', f.folder)}${el('fiN', f.file)}${el('md5', f.md5.toUpperCase())}</f>\n`)
    .join('');
  return `${DECL}${indexRoot('fileIndex')}${body}</fileIndex>\n`;
}

/** The table's own schema, in the shape the State Archives' test tool derives from tableIndex. */
export function tableXsd(plan: AvPlan, n = 1): string {
  const cols = plan.columns
    .map(
      (c) =>
        `      <xs:element minOccurs="1" name="${c.columnID}"${c.nullable ? ' nillable="true"' : ''} type="${xsOf(c.type)}" />\n`,
    )
    .join('');
  return (
    `${DECL}<xs:schema xmlns="${tableNs(n)}" attributeFormDefault="unqualified" elementFormDefault="qualified" ` +
    `targetNamespace="${tableNs(n)}" xmlns:xs="http://www.w3.org/2001/XMLSchema">\n` +
    '  <xs:element name="table">\n    <xs:complexType>\n      <xs:sequence>\n' +
    '        <xs:element minOccurs="0" maxOccurs="unbounded" name="row" type="rowType" />\n' +
    '      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n' +
    `  <xs:complexType name="rowType">\n    <xs:sequence>\n${cols}    </xs:sequence>\n  </xs:complexType>\n</xs:schema>\n`
  );
}

/** A number as xs:decimal or xs:integer writes it: never with an exponent. */
function plainNumber(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/**
 * Writes `tableN.xml` row by row: the row number, then each column, NULL as `xsi:nil`; and
 * keeps, per column, the longest text written (for the VARYING lengths of tableIndex).
 */
export function createTableWriter(plan: AvPlan, n = 1) {
  const width = plan.columns.length;
  const longest = new Array<number>(width).fill(0);
  const open = plan.columns.map((c) => `<${c.columnID}>`);
  const close = plan.columns.map((c) => `</${c.columnID}>`);
  const nil = plan.columns.map((c) => `<${c.columnID} xsi:nil="true"/>`);
  const text = plan.columns.map((c) => c.type.kind === 'text');
  let rows = 0;
  return {
    charset: 'utf-8' as const,
    contentType: 'application/xml',
    extension: 'xml',
    get rowCount() {
      return rows;
    },
    longest,
    start: () =>
      `${DECL}<table xsi:schemaLocation="${tableNs(n)} table${n}.xsd" xmlns="${tableNs(n)}" xmlns:xsi="${XSI}">\n`,
    rows(out: readonly OutRow[]): string {
      let s = '';
      for (const row of out) {
        rows++;
        let line = `<row>${open[0]}${rows}${close[0]}`;
        for (let i = 1; i < width; i++) {
          const v = row[i - 1];
          if (v === null || v === undefined) {
            line += nil[i];
            continue;
          }
          const str = typeof v === 'number' ? plainNumber(v) : String(v);
          if (text[i] && str.length > (longest[i] as number)) longest[i] = str.length;
          line += open[i] + escapeXml(str) + close[i];
        }
        s += `${line}</row>\n`;
      }
      return s;
    },
    end: () => '</table>\n',
  };
}
