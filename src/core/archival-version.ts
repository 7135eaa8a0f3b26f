/**
 * The State Archives' archival version (arkiveringsversion, bek. nr. 128 af 12. februar 2020)
 * of one extract: one table, its index files and the names and types the archive checks.
 * Pure: the zip, the MD5s and the TIFF pages are made in the pipeline.
 */
import type { Dataset, FieldDef } from './dataset';
import type { DeliveryContext, OutRow } from './mapper';
import { parsePeriod } from './period';
import { type ArchivalVersionOutput, type ColumnSpec, type Profile, SQL_IDENTIFIER } from './profile';
import { DEFAULT_TEXT_LIMIT } from './validator';
import { escapeXml } from './xml-text';

export const DIARK_NS = 'http://www.sa.dk/xmlns/diark/1.0';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const tableNs = (n: number) => `http://www.sa.dk/xmlns/siard/1.0/schema0/table${n}.xsd`;

/** The official index schemas, kept unchanged in `Schemas/standard/` of every archival version. */
export const STANDARD_SCHEMAS = [
  'archiveIndex.xsd',
  'contextDocumentationIndex.xsd',
  'docIndex.xsd',
  'fileIndex.xsd',
  'researchIndex.xsd',
  'tableIndex.xsd',
  'XMLSchema.xsd',
] as const;

/** SQL:1999's reserved words: no table or column of an archival version may be named so. */
export const SQL1999_RESERVED = new Set(
  `ABSOLUTE ACTION ADD ADMIN AFTER AGGREGATE ALIAS ALL ALLOCATE ALTER AND ANY ARE ARRAY AS ASC ASSERTION AT
  AUTHORIZATION BEFORE BEGIN BINARY BIT BLOB BOOLEAN BOTH BREADTH BY CALL CASCADE CASCADED CASE CAST CATALOG CHAR
  CHARACTER CHECK CLASS CLOB CLOSE COLLATE COLLATION COLUMN COMMIT COMPLETION CONNECT CONNECTION CONSTRAINT
  CONSTRAINTS CONSTRUCTOR CONTINUE CORRESPONDING CREATE CROSS CUBE CURRENT CURRENT_DATE CURRENT_PATH CURRENT_ROLE
  CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR CYCLE DATA DATE DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT
  DEFERRABLE DEFERRED DELETE DEPTH DEREF DESC DESCRIBE DESCRIPTOR DESTROY DESTRUCTOR DETERMINISTIC DICTIONARY
  DIAGNOSTICS DISCONNECT DISTINCT DOMAIN DOUBLE DROP DYNAMIC EACH ELSE END END-EXEC EQUALS ESCAPE EVERY EXCEPT
  EXCEPTION EXEC EXECUTE EXTERNAL FALSE FETCH FIRST FLOAT FOR FOREIGN FOUND FROM FREE FULL FUNCTION GENERAL GET
  GLOBAL GO GOTO GRANT GROUP GROUPING HAVING HOST HOUR IDENTITY IGNORE IMMEDIATE IN INDICATOR INITIALIZE INITIALLY
  INNER INOUT INPUT INSERT INT INTEGER INTERSECT INTERVAL INTO IS ISOLATION ITERATE JOIN KEY LANGUAGE LARGE LAST
  LATERAL LEADING LEFT LESS LEVEL LIKE LIMIT LOCAL LOCALTIME LOCALTIMESTAMP LOCATOR MAP MATCH MINUTE MODIFIES
  MODIFY MODULE MONTH NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NOT NULL NUMERIC OBJECT OF OFF OLD ON
  ONLY OPEN OPERATION OPTION OR ORDER ORDINALITY OUT OUTER OUTPUT PAD PARAMETER PARAMETERS PARTIAL PATH POSTFIX
  PRECISION PREFIX PREORDER PREPARE PRESERVE PRIMARY PRIOR PRIVILEGES PROCEDURE PUBLIC READ READS REAL RECURSIVE
  REF REFERENCES REFERENCING RELATIVE RESTRICT RESULT RETURN RETURNS REVOKE RIGHT ROLE ROLLBACK ROLLUP ROUTINE ROW
  ROWS SAVEPOINT SCHEMA SCROLL SCOPE SEARCH SECOND SECTION SELECT SEQUENCE SESSION SESSION_USER SET SETS SIZE
  SMALLINT SOME SPACE SPECIFIC SPECIFICTYPE SQL SQLEXCEPTION SQLSTATE SQLWARNING START STATE STATEMENT STATIC
  STRUCTURE SYSTEM_USER TABLE TEMPORARY TERMINATE THAN THEN TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TO
  TRAILING TRANSACTION TRANSLATION TREAT TRIGGER TRUE UNDER UNION UNIQUE UNKNOWN UNNEST UPDATE USAGE USER USING
  VALUE VALUES VARCHAR VARIABLE VARYING VIEW WHEN WHENEVER WHERE WITH WITHOUT WORK WRITE YEAR ZONE`.split(
    /\s+/,
  ),
);

/** A column's SQL:1999 type and the XML Schema type its values are written in. */
export type AvType =
  | { kind: 'fixed'; sql: string; xs: 'xs:string' | 'xs:integer' | 'xs:decimal' | 'xs:boolean' | 'xs:date' }
  /** Text whose declared length is the longest the data can hold, or (when unknown) the longest it held. */
  | { kind: 'text'; maxLength: number | null };

export interface AvColumn {
  name: string;
  columnID: string;
  description: string;
  nullable: boolean;
  type: AvType;
}

export interface AvPlan {
  output: ArchivalVersionOutput;
  tableName: string;
  tableDescription: string;
  /** Every column, the generated row number first (the primary key). */
  columns: AvColumn[];
  primaryKey: { name: string; column: string };
  /** The data holds CPR numbers in clear / municipality codes (archiveIndex's cprNum and komNum). */
  holdsCpr: boolean;
  holdsMunicipality: boolean;
  datasetTitle: string;
}

export interface AvProblem {
  path: string;
  message: string;
}

const META_DESCRIPTIONS: Record<string, string> = {
  municipality: 'Kommunekode (tre cifre) for den kommune, leverancen kommer fra.',
  municipalityName: 'Navnet på den kommune, leverancen kommer fra.',
  period: 'Den periode, leverancen dækker.',
  source: 'Det kildesystem, der leverede data.',
  deliveryId: 'Leverancens id i leverancegatewayen.',
  dataset: 'Datasættets id i leverancegatewayen.',
  receivedAt: 'Tidspunktet, hvor gatewayen modtog leverancen.',
};

/** The type a column's values have: a field's own, when the column passes it on unchanged. */
function typeOf(c: ColumnSpec, field: FieldDef | undefined): AvType {
  const untouched =
    field &&
    c.from !== undefined &&
    !c.map &&
    !c.date &&
    !c.number &&
    !c.pad &&
    !c.truncate &&
    !c.pseudonymise &&
    c.default === undefined;
  if (!untouched || !field) return { kind: 'text', maxLength: null };
  switch (field.type) {
    case 'text':
      return { kind: 'text', maxLength: field.maxLength ?? DEFAULT_TEXT_LIMIT };
    case 'code':
      return { kind: 'text', maxLength: Math.max(...(field.codes ?? ['x']).map((x) => x.length)) };
    case 'date':
      return { kind: 'fixed', sql: 'DATE', xs: 'xs:date' };
    case 'decimal':
      return field.scale === undefined
        ? { kind: 'fixed', sql: 'DECIMAL', xs: 'xs:decimal' }
        : field.scale === 0
          ? { kind: 'fixed', sql: 'NUMERIC(18)', xs: 'xs:decimal' }
          : { kind: 'fixed', sql: `DECIMAL(18,${field.scale})`, xs: 'xs:decimal' };
    case 'integer':
      return { kind: 'fixed', sql: 'INTEGER', xs: 'xs:integer' };
    case 'boolean':
      return { kind: 'fixed', sql: 'BOOLEAN', xs: 'xs:boolean' };
    case 'cpr':
    case 'pnumber':
      return { kind: 'fixed', sql: 'CHARACTER(10)', xs: 'xs:string' };
    case 'municipality':
      return { kind: 'fixed', sql: 'CHARACTER VARYING(4)', xs: 'xs:string' };
  }
}

/** The SQL type written in tableIndex, given the longest text seen in the column. */
export function sqlType(t: AvType, longestSeen: number): string {
  if (t.kind === 'fixed') return t.sql;
  return `NATIONAL CHARACTER VARYING(${Math.max(1, t.maxLength ?? longestSeen)})`;
}

const xsOf = (t: AvType) => (t.kind === 'fixed' ? t.xs : 'xs:string');

/** Plans the table of an archival-version profile; problems name the profile's JSON path. */
export function planArchivalTable(
  profile: Profile,
  dataset: Dataset,
): { plan: AvPlan | null; problems: AvProblem[] } {
  const output = profile.output as ArchivalVersionOutput;
  const problems: AvProblem[] = [];
  if (!profile.columns) {
    problems.push({
      path: '$.output',
      message: 'an archival version holds records: the profile needs columns',
    });
    return { plan: null, problems };
  }
  const fields = new Map(dataset.fields.map((f) => [f.id, f]));
  const checkName = (name: string, path: string) => {
    if (!SQL_IDENTIFIER.test(name))
      problems.push({
        path,
        message: `${JSON.stringify(name)} is not an archival identifier (a letter, then letters, digits and _)`,
      });
    else if (SQL1999_RESERVED.has(name.toUpperCase()))
      problems.push({
        path,
        message: `${name} is an SQL:1999 reserved word, which the State Archives refuse`,
      });
  };
  checkName(output.table.name, '$.output.table.name');
  checkName(output.rowNumber.name, '$.output.rowNumber.name');
  const columns: AvColumn[] = [
    {
      name: output.rowNumber.name,
      columnID: 'c1',
      description: output.rowNumber.description,
      nullable: false,
      type: { kind: 'fixed', sql: 'INTEGER', xs: 'xs:integer' },
    },
  ];
  const seen = new Map<string, string>([[output.rowNumber.name.toLowerCase(), '$.output.rowNumber.name']]);
  let holdsCpr = false;
  let holdsMunicipality = false;
  profile.columns.forEach((c, i) => {
    const path = `$.columns[${i}]`;
    checkName(c.name, `${path}.name`);
    const earlier = seen.get(c.name.toLowerCase());
    if (earlier) problems.push({ path: `${path}.name`, message: `${c.name} is also the name at ${earlier}` });
    seen.set(c.name.toLowerCase(), `${path}.name`);
    const field = c.from !== undefined ? fields.get(c.from) : undefined;
    const description =
      c.description ??
      (c.pseudonymise && field
        ? `Pseudonym (nøglet HMAC-SHA256) af ${field.id}${field.description ? `: ${field.description}` : ''}`
        : field?.description) ??
      (c.meta !== undefined ? META_DESCRIPTIONS[c.meta] : undefined);
    if (!description || description.trim().length < 3)
      problems.push({
        path: `${path}.description`,
        message: `${c.name} needs a description (at least 3 characters) for the archival version's tableIndex`,
      });
    const type = typeOf(c, field);
    if (field?.type === 'cpr' && !c.pseudonymise) holdsCpr = true;
    if (field?.type === 'municipality' || c.meta === 'municipality') holdsMunicipality = true;
    const nullable =
      c.from !== undefined && c.default === undefined && !(field?.required ?? false) && c.const === undefined;
    columns.push({
      name: c.name,
      columnID: `c${i + 2}`,
      description: (description ?? '').trim(),
      nullable,
      type,
    });
  });
  if (problems.length) return { plan: null, problems };
  return {
    plan: {
      output,
      tableName: output.table.name,
      tableDescription: output.table.description,
      columns,
      primaryKey: { name: `PK_${output.table.name}`, column: output.rowNumber.name },
      holdsCpr,
      holdsMunicipality,
      datasetTitle: dataset.title,
    },
    problems,
  };
}

/** The archival version's id (`AVID.SA.101202610`) and its folder (the id and medium `.1`). */
export function avid(output: ArchivalVersionOutput, ctx: Pick<DeliveryContext, 'municipality' | 'period'>) {
  const number = output.number
    .replaceAll('{municipality}', ctx.municipality)
    .replaceAll('{periodDigits}', ctx.period.replace(/\D/g, ''));
  if (!/^[1-9][0-9]*$/.test(number))
    throw new Error(
      `the archival version number ${JSON.stringify(number)} is not a number without leading zeros`,
    );
  const id = `AVID.${output.archive}.${number}`;
  return { id, folder: `${id}.1` };
}

/* ---------------------------------------------------------------------------------------------
 * XML text. Every index file is small and built whole; the table is written row by row.
 * ------------------------------------------------------------------------------------------- */

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

/* ---------------------------------------------------------------------------------------------
 * Context documentation: what the archive needs to understand the table, as text to render.
 * ------------------------------------------------------------------------------------------- */

export interface DocumentText {
  title: string;
  description: string;
  /** Paragraphs; a line beginning with '# ' is a heading. */
  lines: string[];
}

const describeSource = (c: ColumnSpec): string => {
  const parts: string[] = [];
  if (c.from !== undefined) parts.push(`feltet ${c.from}`);
  if (c.meta !== undefined) parts.push(`leverancens ${c.meta}`);
  if (c.const !== undefined) parts.push(`den faste værdi ${JSON.stringify(c.const)}`);
  if (c.concat)
    parts.push(
      `sammensat af ${c.concat.map((s) => (typeof s === 'string' ? JSON.stringify(s) : (s.from ?? s.meta ?? JSON.stringify(s.const)))).join(', ')}`,
    );
  if (c.map) parts.push('koder omsat efter profilens kodeliste');
  if (c.date) parts.push(`dato skrevet som ${c.date}`);
  if (c.pad) parts.push(`udfyldt til ${c.pad.length} tegn`);
  if (c.truncate) parts.push(`afkortet til ${c.truncate} tegn`);
  if (c.pseudonymise) parts.push('pseudonymiseret med nøglet HMAC-SHA256');
  return parts.join('; ');
};

/** The one context document of an archival version made from a profile. */
export function contextDocumentText(
  plan: AvPlan,
  profile: Profile,
  profileSha256: string,
  dataset: Dataset,
): DocumentText {
  const o = plan.output;
  const lines = [
    `# ${o.systemName}`,
    o.systemPurpose,
    o.systemContent,
    '# Hjemmel og formål',
    `Hjemmel: ${profile.lawfulUse.legalBasis}`,
    `Formål: ${profile.lawfulUse.purpose}`,
    '# Hvordan arkiveringsversionen er dannet',
    `Arkiveringsversionen er dannet af leverancegatewayen ud fra én leverance af datasættet ${dataset.id} (${dataset.title}) fra én kommune for én periode. Gatewayen validerer leverancen mod datasættets skema og danner arkiveringsversionen i samme gennemløb som de øvrige modtageres udtræk, efter afleveringsprofilen ${profile.id} version ${profile.version} (sha256 ${profileSha256}).`,
    `Tabellen ${plan.tableName} (mappen table1) indeholder én række pr. post i leverancen, der opfylder profilens filtre. Kolonnen ${plan.primaryKey.column} nummererer rækkerne fra 1 i leverancens rækkefølge og er tabellens primærnøgle (${plan.primaryKey.name}). Arkiveringsversionen har kun denne ene tabel og derfor ingen fremmednøgler.`,
    `# Tabellen ${plan.tableName}`,
    plan.tableDescription,
    ...plan.columns.map((c, i) => {
      const spec = i === 0 ? undefined : profile.columns?.[i - 1];
      const type =
        c.type.kind === 'fixed' ? c.type.sql : 'NATIONAL CHARACTER VARYING (længden står i tableIndex.xml)';
      const source = spec ? ` Kilde: ${describeSource(spec)}.` : ' Dannet af gatewayen.';
      return `${c.columnID} ${c.name} (${type}${c.nullable ? ', kan være tom (NULL)' : ''}): ${c.description}${source}`;
    }),
    `# Datasættet ${dataset.id}, version ${dataset.version}`,
    dataset.description ?? dataset.title,
    ...dataset.fields.map(
      (f) =>
        `${f.id} (${f.type}${f.required ? ', påkrævet' : ''}${f.personal ? ', personoplysning' : ''}${f.maxLength ? `, højst ${f.maxLength} tegn` : ''}${f.codes ? `, koder: ${f.codes.join(', ')}` : ''}): ${f.description ?? ''}`,
    ),
    ...dataset.rules.map((r) => `Regel ${r.id}: ${r.message}`),
  ];
  return {
    title: `Beskrivelse af ${plan.tableName}: ${dataset.title}`,
    description: `Systembeskrivelse, hjemmel, dannelse og tabel- og feltbeskrivelser for arkiveringsversionen efter profilen ${profile.id} version ${profile.version}.`,
    lines,
  };
}
