/**
 * The State Archives' archival version (arkiveringsversion, bek. nr. 128 af 12. februar 2020)
 * of one extract: the plan of its one table, the names and types the archive checks.
 * Pure: the index files are written in archival-xml.ts, the context documentation in
 * archival-context.ts; the zip, the MD5s and the TIFF pages are made in the pipeline.
 */
import type { Dataset, FieldDef } from './dataset';
import { type ArchivalVersionOutput, SQL_IDENTIFIER } from './output';
import type { ColumnSpec, Profile } from './profile';
import type { DeliveryContext } from './projection';
import { DEFAULT_TEXT_LIMIT } from './validator';

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

/** How `{sequence}` is written in an AVID number: at least two digits (`01`, `02`, … `99`, `100`). */
export function sequenceDigits(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new Error(`a delivery's number within its slot is a whole number from 1, not ${sequence}`);
  return String(sequence).padStart(2, '0');
}

/**
 * The archival version's id (`AVID.SA.10120261001` from `{municipality}{periodDigits}{sequence}`)
 * and its folder (the id and medium `.1`).
 */
export function avid(
  output: ArchivalVersionOutput,
  ctx: Pick<DeliveryContext, 'municipality' | 'period' | 'sequence'>,
) {
  const number = output.number
    .replaceAll('{municipality}', ctx.municipality)
    .replaceAll('{periodDigits}', ctx.period.replace(/\D/g, ''))
    .replaceAll('{sequence}', sequenceDigits(ctx.sequence));
  if (!/^[1-9][0-9]*$/.test(number))
    throw new Error(
      `the archival version number ${JSON.stringify(number)} is not a number without leading zeros`,
    );
  const id = `AVID.${output.archive}.${number}`;
  return { id, folder: `${id}.1` };
}
