/**
 * The checks of the State Archives' own test tool (its catalogue of 183) that apply to a
 * table-only archival version, written from the catalogue and the official schemas, run over
 * an archival version unpacked on disk. Each result is keyed by the catalogue's check id;
 * an empty list means the check passes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import * as UTIF from 'utif2';
import { SQL1999_RESERVED } from '../../src/core/archival-version';

/** The official schemas as published (MD5 of the bytes, upper case). */
export const OFFICIAL_SCHEMA_MD5: Record<string, string> = {
  'archiveIndex.xsd': '9B80C7F258CA2B97081DDE63E706BBC0',
  'contextDocumentationIndex.xsd': 'A8CDBE86CB58FD26622A790653DB4080',
  'docIndex.xsd': '05ABF90795B109B9936AC0792808E8F3',
  'fileIndex.xsd': '68D52249090BDD04D43F5EDF1FD6E71B',
  'researchIndex.xsd': 'A00EC59BFFBD7BFA1E540B759EBA20CD',
  'tableIndex.xsd': '6C0248DE488BC483F4309F5CD29A8147',
  'XMLSchema.xsd': '94ED1A93CE3147D01BCB2FC1126255ED',
};

const SQL_TO_XS: Array<[RegExp, string]> = [
  [/^(NATIONAL )?(CHARACTER|CHAR)( VARYING)?|^NCHAR( VARYING)?|^VARCHAR/, 'xs:string'],
  [/^(NUMERIC|DECIMAL|DEC)\b/, 'xs:decimal'],
  [/^(INTEGER|INT|SMALLINT)$/, 'xs:integer'],
  [/^FLOAT\b/, 'xs:float'],
  [/^(REAL|DOUBLE PRECISION)$/, 'xs:double'],
  [/^BOOLEAN$/, 'xs:boolean'],
  [/^DATE$/, 'xs:date'],
  [/^TIME\b/, 'xs:time'],
  [/^TIMESTAMP\b/, 'xs:dateTime'],
  [/^INTERVAL$/, 'xs:duration'],
];
export const xsTypeOf = (sql: string) => SQL_TO_XS.find(([re]) => re.test(sql.toUpperCase()))?.[1] ?? null;

export type CheckResults = Map<string, string[]>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['f', 'table', 'column', 'document', 'row', 'creatorName'].includes(name),
});

function walk(root: string, rel = ''): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, path)).isDirectory()) {
      dirs.push(path);
      const sub = walk(root, path);
      files.push(...sub.files);
      dirs.push(...sub.dirs);
    } else files.push(path);
  }
  return { files, dirs };
}

export function xmllintAvailable(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** xmllint's verdict: null when valid, else its complaint. */
export function xmllint(schema: string, file: string): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 500);
  }
}

const DECL = /^(\uFEFF)?<\?xml version="1\.0" encoding="([^"]+)"\?>/;
const WS = /^[\s\u00A0\u2000-\u200B\u2028\u2029\u3000]|[\s\u00A0\u2000-\u200B\u2028\u2029\u3000]$/u;

/** Runs every applicable check over the archival version in `root` (the folder holding `AVID.…`). */
export function checkArchivalVersion(root: string): CheckResults {
  const r: CheckResults = new Map();
  const fail = (id: string, msg?: string) => {
    if (!r.has(id)) r.set(id, []);
    if (msg) r.get(id)?.push(msg);
  };
  const ok = (...ids: string[]) => {
    for (const id of ids) fail(id);
  };
  const top = readdirSync(root);
  const media = top.filter((n) => /^AVID\.[A-ZÆØÅ]{2,4}\.[1-9][0-9]*\.[1-9][0-9]*$/.test(n));
  ok('4.B.1_1', '4.B.1_2', '4.B.1_3', '4.B.2_5', '4.B.2_6', '4.B.2_7', '4.B.2_9');
  const first = media.find((m) => m.endsWith('.1'));
  if (!first) {
    fail('4.B.1_1', `no first medium among ${top.join(', ')}`);
    return r;
  }
  const avidOf = (m: string) => m.replace(/\.\d+$/, '');
  const mediaNumbers = media
    .filter((m) => avidOf(m) === avidOf(first))
    .map((m) => Number(m.split('.').pop()));
  if (new Set(mediaNumbers).size !== mediaNumbers.length) fail('4.B.1_2', 'a medium number repeats');
  if (Math.max(...mediaNumbers) !== mediaNumbers.length) fail('4.B.1_3', 'a gap in the media numbers');
  for (const m of media.filter((x) => x !== first))
    for (const d of ['Indices', 'Schemas', 'ContextDocumentation', 'Tables'])
      if (readdirSync(join(root, m)).includes(d))
        fail(
          { Indices: '4.B.2_5', Schemas: '4.B.2_6', ContextDocumentation: '4.B.2_7', Tables: '4.B.2_9' }[
            d
          ] as string,
          m,
        );

  const base = join(root, first);
  const { files, dirs } = walk(base);
  const has = (p: string) => files.includes(p);
  const hasDir = (p: string) => dirs.includes(p);
  const read = (p: string) => readFileSync(join(base, p));
  const text = (p: string) => read(p).toString('utf8');

  // ---- G1: folders and index files
  for (const [id, d] of [
    ['4.B.2_1', 'Indices'],
    ['4.B.2_2', 'Schemas'],
    ['4.B.2_3', 'ContextDocumentation'],
    ['4.B.2_4', 'Tables'],
  ] as const)
    if (hasDir(d)) ok(id);
    else fail(id, `no ${d} folder`);
  for (const [id, f] of [
    ['4.C_1', 'fileIndex.xml'],
    ['4.C_2', 'archiveIndex.xml'],
    ['4.C_3', 'contextDocumentationIndex.xml'],
    ['4.C_4', 'tableIndex.xml'],
  ] as const)
    if (has(`Indices/${f}`)) ok(id);
    else fail(id, `no Indices/${f}`);
  ok('4.F_1', '4.F_2');
  for (const d of ['Schemas/standard', 'Schemas/localShared']) if (!hasDir(d)) fail('4.F_1', `no ${d}`);
  for (const entry of readdirSync(join(base, 'Schemas')))
    if (!['standard', 'localShared'].includes(entry)) fail('4.F_2', `Schemas/${entry}`);
  for (const f of files.filter((x) => x.startsWith('Schemas/standard/')))
    if (!(f.slice('Schemas/standard/'.length) in OFFICIAL_SCHEMA_MD5)) fail('4.F_2', f);
  for (const f of files.filter((x) => x.startsWith('Schemas/localShared/')))
    if (!/^localSchema[1-9][0-9]*\.xsd$/.test(f.split('/').pop() as string)) fail('4.F_2', f);

  // ---- G2: the official schemas, unchanged
  for (const [id, name] of [
    ['4.F_3', 'archiveIndex.xsd'],
    ['4.F_4', 'contextDocumentationIndex.xsd'],
    ['4.F_5', 'tableIndex.xsd'],
    ['4.F_6', 'fileIndex.xsd'],
    ['4.F_7', 'docIndex.xsd'],
    ['4.F_8', 'XMLSchema.xsd'],
  ] as const) {
    const p = `Schemas/standard/${name}`;
    if (!has(p)) fail(id, `no ${p}`);
    else {
      const md5 = createHash('md5').update(read(p)).digest('hex').toUpperCase();
      if (md5 === OFFICIAL_SCHEMA_MD5[name]) ok(id);
      else fail(id, `${p} has MD5 ${md5}`);
    }
  }

  // ---- G3 + G4: index files well-formed, declared UTF-8, valid against the official schemas
  const xml: Record<string, Record<string, unknown>> = {};
  ok('4.C.1_11', '4.C.1_12');
  for (const [wf, valid, name] of [
    ['4.C.1_1', '4.C.1_2', 'fileIndex'],
    ['4.C.1_3', '4.C.1_4', 'archiveIndex'],
    ['4.C.1_5', '4.C.1_6', 'contextDocumentationIndex'],
    ['4.C.1_7', '4.C.1_8', 'tableIndex'],
  ] as const) {
    const p = `Indices/${name}.xml`;
    if (!has(p)) continue;
    const t = text(p);
    const decl = DECL.exec(t);
    if (!decl) fail('4.C.1_12', p);
    else if (decl[2]?.toLowerCase() !== 'utf-8') fail('4.C.1_11', `${p}: ${decl[2]}`);
    try {
      xml[name] = parser.parse(t, true) as Record<string, unknown>;
      ok(wf);
    } catch (e) {
      fail(wf, `${p}: ${(e as Error).message}`);
      continue;
    }
    const complaint = xmllint(join(base, `Schemas/standard/${name}.xsd`), join(base, p));
    if (complaint) fail(valid, complaint);
    else ok(valid);
  }

  // ---- G5: fileIndex ⇔ the files, MD5s, paths
  ok('4.C.2_1', '4.C.2_2', '4.C.2_3', '4.C.2_4', '4.C.2_5');
  const entries = ((xml.fileIndex?.fileIndex as { f?: Array<{ foN: string; fiN: string; md5: string }> })
    ?.f ?? []) as Array<{ foN: string; fiN: string; md5: string }>;
  const listed = new Map<string, string>();
  for (const e of entries) {
    if (!e.foN.startsWith(`${first}\\`)) fail('4.C.2_4', e.foN);
    const rel = [...e.foN.split('\\').slice(1), e.fiN].join('/');
    if (listed.has(rel)) fail('4.C.2_5', rel);
    listed.set(rel, e.md5);
  }
  for (const f of files.filter((x) => x !== 'Indices/fileIndex.xml')) {
    const md5 = listed.get(f);
    if (md5 === undefined) fail('4.C.2_2', f);
    else if (md5 !== createHash('md5').update(read(f)).digest('hex').toUpperCase())
      fail('4.C.2_3', `${f}: ${md5}`);
  }
  for (const f of listed.keys()) if (!has(f)) fail('4.C.2_1', f);

  // ---- G6: archiveIndex
  const ai = (xml.archiveIndex?.archiveIndex ?? {}) as Record<string, unknown>;
  ok('6.A_1', '6.A_2', '6.A_3', '6.A_8', '6.A_8_1', '6.A_9', '6.C_13', '6.C_14');
  if (String(ai.archiveInformationPackageID).toUpperCase() !== avidOf(first).toUpperCase())
    fail('6.A_1', `${String(ai.archiveInformationPackageID)} in ${first}`);
  const day = (v: unknown) => {
    const s = String(v);
    return s.length === 4 ? `${s}-01-01` : s.length === 7 ? `${s}-01` : s;
  };
  if (day(ai.archivePeriodEnd) < day(ai.archivePeriodStart)) fail('6.A_2');
  const creators = (ai.archiveCreatorList ?? {}) as Record<string, unknown>;
  if (day(creators.creationPeriodEnd) < day(creators.creationPeriodStart)) fail('6.A_3');
  const related = [ai.relatedRecordsName ?? []].flat() as string[];
  if (related.some((n) => String(n).length < 2)) fail('6.A_8');
  if (String(ai.searchRelatedOtherRecords) === 'true' && related.length === 0) fail('6.A_8_1');
  if (String(ai.searchRelatedOtherRecords) === 'false' && related.length > 0) fail('6.A_9');

  // ---- G7: tableIndex
  const ti = (xml.tableIndex?.siardDiark ?? {}) as Record<string, unknown>;
  type Column = {
    name: string;
    columnID: string;
    type: string;
    nullable: string;
    description: string;
    functionalDescription?: unknown;
    typeOriginal?: string;
  };
  type Table = {
    name: string;
    folder: string;
    description: string;
    columns: { column: Column[] };
    primaryKey: { name: string; column: string | string[] };
    rows: string;
  };
  const tables = ((ti.tables as { table?: Table[] })?.table ?? []) as Table[];
  ok(
    '4.C.5_2',
    '4.C.5_3',
    '4.D_3',
    '4.D_4',
    '6.C_1',
    '6.C_2',
    '6.C_3',
    '6.C_4',
    '6.C_5',
    '6.C_6',
    '6.C_17',
    '6.C_20',
    '6.C_27',
    '6.C_28',
  );
  const names = tables.map((t) => t.name);
  if (new Set(names).size !== names.length) fail('4.C.5_3', names.join(', '));
  const folders = tables.map((t) => Number(/^table(\d+)$/.exec(t.folder)?.[1] ?? Number.NaN));
  tables.forEach((t) => {
    if (!/^table\d+$/.test(t.folder)) fail('6.C_27', t.folder);
  });
  if (Math.min(...folders) !== 1) fail('4.D_4', String(Math.min(...folders)));
  if ([...folders].sort((a, b) => a - b).some((n, i) => n !== i + 1)) fail('4.D_3', folders.join(', '));
  const reserved = (n: unknown, where: string) => {
    if (typeof n === 'string' && SQL1999_RESERVED.has(n.toUpperCase())) fail('6.C_28', `${where} ${n}`);
  };
  reserved(ti.dbName, 'dbName');
  const pkNames: string[] = [];
  for (const t of tables) {
    reserved(t.name, 'table');
    if (String(t.description ?? '').trim().length < 3) fail('6.C_1', t.name);
    const cols = t.columns.column;
    const colNames = cols.map((c) => c.name);
    if (new Set(colNames).size !== colNames.length) fail('6.C_2', t.name);
    const ids = cols.map((c) => c.columnID);
    if (new Set(ids).size !== ids.length) fail('6.C_3', t.name);
    const nums = ids.map((id) => Number(id.slice(1))).sort((a, b) => a - b);
    if (nums.some((n, i) => n !== i + 1)) fail('6.C_4', t.name);
    for (const c of cols) {
      reserved(c.name, `column of ${t.name}`);
      if (String(c.description ?? '').trim().length < 3) fail('6.C_5', `${t.name}.${c.name}`);
      if (ti.databaseProduct !== undefined && !c.typeOriginal) fail('6.C_17', `${t.name}.${c.name}`);
      const fd = [c.functionalDescription ?? []].flat().map(String);
      if (
        String(ai.systemFileConcept) === 'false' &&
        fd.some((d) => d === 'Sagsidentifikation' || d === 'Sagstitel')
      )
        fail('6.C_13', `${t.name}.${c.name}`);
      if (String(ai.containsDigitalDocuments) === 'false' && fd.includes('Dokumentidentifikation'))
        fail('6.C_14', `${t.name}.${c.name}`);
    }
    pkNames.push(t.primaryKey.name);
    reserved(t.primaryKey.name, 'primary key');
    for (const pc of [t.primaryKey.column].flat()) {
      const col = cols.find((c) => c.name === pc);
      if (!col) fail('6.C_20', `${t.name}.${pc}`);
      else if (col.nullable !== 'false') fail('4.C.5_2', `${t.name}.${pc}`);
    }
  }
  if (new Set(pkNames).size !== pkNames.length) fail('6.C_6', pkNames.join(', '));

  // ---- G8: the table folders
  ok('4.D_1', '4.D_2', '4.D_5', '4.D_6', '4.D_7');
  const onDisk = hasDir('Tables') ? readdirSync(join(base, 'Tables')) : [];
  for (const d of onDisk) if (!tables.some((t) => t.folder === d)) fail('4.D_1', d);
  for (const t of tables) if (!onDisk.includes(t.folder)) fail('4.D_2', t.folder);
  const diskNums = onDisk.map((d) => Number(/^table(\d+)$/.exec(d)?.[1] ?? Number.NaN)).sort((a, b) => a - b);
  if (diskNums.some((n, i) => n !== i + 1)) fail('4.D_5', onDisk.join(', '));
  for (const d of onDisk) {
    const inside = readdirSync(join(base, 'Tables', d));
    if (inside.length === 0) fail('4.D_6', d);
    if (!inside.includes(`${d}.xml`) || inside.some((f) => f !== `${d}.xml` && f !== `${d}.xsd`))
      fail('4.D_7', `${d}: ${inside.join(', ')}`);
  }

  // ---- G9: the table data, against a schema derived from tableIndex (as the archive's tool does)
  ok('4.D_8', '4.D_9', '4.D_12', '4.D_13', '4.D_14', '4.A_1_1', '4.A_1_2', '4.A_1_3', '6.C_25', '6.C_26');
  for (const t of tables) {
    const p = `Tables/${t.folder}/${t.folder}.xml`;
    if (!has(p)) continue;
    const n = t.folder.slice('table'.length);
    const ns = `http://www.sa.dk/xmlns/siard/1.0/schema0/table${n}.xsd`;
    const cols = t.columns.column;
    const derived =
      `<?xml version="1.0" encoding="utf-8"?>\n<xs:schema xmlns="${ns}" targetNamespace="${ns}" elementFormDefault="qualified" xmlns:xs="http://www.w3.org/2001/XMLSchema">` +
      '<xs:element name="table"><xs:complexType><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="row" type="rowType"/></xs:sequence></xs:complexType></xs:element>' +
      `<xs:complexType name="rowType"><xs:sequence>${cols
        .map(
          (c) =>
            `<xs:element minOccurs="1" name="${c.columnID}" type="${xsTypeOf(c.type) ?? 'xs:UNKNOWN'}"${c.nullable === 'true' ? ' nillable="true"' : ''}/>`,
        )
        .join('')}</xs:sequence></xs:complexType></xs:schema>\n`;
    const derivedPath = join(root, `.derived-${t.folder}.xsd`);
    writeFileSync(derivedPath, derived);
    const t0 = text(p);
    const decl = DECL.exec(t0);
    if (!decl) fail('4.D_13', p);
    else if (decl[2]?.toLowerCase() !== 'utf-8') fail('4.D_14', `${p}: ${decl[2]}`);
    let rows: Array<Record<string, unknown>> = [];
    try {
      rows = ((parser.parse(t0, true) as { table: Array<{ row?: Array<Record<string, unknown>> }> }).table[0]
        ?.row ?? []) as Array<Record<string, unknown>>;
    } catch (e) {
      fail('4.D_8', `${p}: ${(e as Error).message}`);
      continue;
    }
    const complaint = xmllint(derivedPath, join(base, p));
    if (complaint) fail('4.D_9', complaint);
    if (rows.length !== Number(t.rows)) fail('6.C_26', `${rows.length} rows, tableIndex says ${t.rows}`);
    const pkCols = [t.primaryKey.column]
      .flat()
      .map((name) => cols.find((c) => c.name === name)?.columnID as string);
    const keys = new Set<string>();
    const value = (v: unknown): string | null =>
      v !== null && typeof v === 'object'
        ? (v as Record<string, unknown>)['@nil'] === 'true'
          ? null
          : String((v as Record<string, unknown>)['#text'] ?? '')
        : String(v ?? '');
    const lengths = cols.map((c) => Number(/\((\d+)\)$/.exec(c.type)?.[1] ?? Number.NaN));
    rows.forEach((row, i) => {
      const key = pkCols.map((id) => value(row[id]));
      if (key.some((k) => k === null)) fail('4.A_1_2', `row ${i + 1}`);
      if (key.some((k) => k !== null && WS.test(k))) fail('4.A_1_3', `row ${i + 1}`);
      const k = JSON.stringify(key);
      if (keys.has(k)) fail('4.A_1_1', `row ${i + 1}: ${k}`);
      keys.add(k);
      cols.forEach((c, j) => {
        const v = value(row[c.columnID]);
        if (v === null) return;
        if (WS.test(v)) fail('4.D_12', `row ${i + 1} ${c.columnID}`);
        const max = lengths[j] as number;
        if (!Number.isNaN(max) && xsTypeOf(c.type) === 'xs:string' && v.length > max)
          fail('6.C_25', `row ${i + 1} ${c.columnID}: ${v.length} > ${max}`);
      });
    });
  }

  // ---- G10: context documentation
  ok(
    '4.C.4_1',
    '4.E_1',
    '4.E_2',
    '4.E_3',
    '4.E_4',
    '4.E_5',
    '4.E_6',
    '4.E_7',
    '4.E_9',
    '4.E_10',
    '4.E_11',
    '4.E_12',
    '4.E_13',
    '4.E_14',
  );
  type Doc = { documentID: string; documentCategory?: Record<string, Record<string, unknown>> };
  const docs = ((xml.contextDocumentationIndex?.contextDocumentationIndex as { document?: Doc[] })
    ?.document ?? []) as Doc[];
  const OLD_FLAGS = new Set([
    'systemPurpose',
    'systemRegulations',
    'systemContent',
    'systemAdministrativeFunctions',
    'systemPresentationStructure',
    'systemDataProvision',
    'systemDataTransfer',
    'systemPreviousSubsequentFunctions',
    'systemAgencyQualityControl',
    'systemPublication',
    'systemInformationOther',
    'operationalSystemInformation',
    'operationalSystemConvertedInformation',
    'operationalSystemSOA',
    'operationalSystemInformationOther',
    'archivalProvisions',
    'archivalTransformationInformation',
    'archivalInformationOther',
    'archivistNotes',
    'archivalTestNotes',
    'archivalMigrationInformation',
    'informationOther',
  ]);
  for (const d of docs) {
    const flags = Object.values(d.documentCategory ?? {}).flatMap((group) =>
      Object.entries(group ?? {}).filter(([k, v]) => OLD_FLAGS.has(k) && String(v) === 'true'),
    );
    if (flags.length === 0) fail('4.C.4_1', `document ${d.documentID}`);
  }
  const cd = hasDir('ContextDocumentation') ? readdirSync(join(base, 'ContextDocumentation')) : [];
  const collections = cd.filter((n) => /^docCollection[1-9][0-9]*$/.test(n));
  for (const n of cd) if (!collections.includes(n)) fail('4.E_1', n);
  if (collections.length === 0) fail('4.E_3');
  const cnums = collections.map((c) => Number(c.slice('docCollection'.length))).sort((a, b) => a - b);
  if (cnums.some((n, i) => n !== i + 1)) fail('4.E_4', collections.join(', '));
  const docFolders = new Map<string, string>();
  for (const c of collections) {
    const ds = readdirSync(join(base, 'ContextDocumentation', c));
    if (ds.length === 0) fail('4.E_2', c);
    if (ds.length > 10_000) fail('4.E_10', c);
    for (const id of ds) {
      if (docFolders.has(id)) fail('4.E_12', id);
      docFolders.set(id, `ContextDocumentation/${c}/${id}`);
      const pages = readdirSync(join(base, 'ContextDocumentation', c, id));
      if (pages.length === 0) fail('4.E_14', id);
      const exts = new Set(pages.map((f) => f.split('.').pop()));
      if (exts.size > 1) fail('4.E_11', id);
      for (const f of pages) {
        if (!/^[1-9][0-9]{0,11}\.tif$/.test(f)) fail('4.E_5', `${id}/${f}`);
        if (!f.endsWith('.tif')) fail('4.E_9', `${id}/${f}`);
      }
      const nums = pages.map((f) => Number.parseInt(f, 10)).sort((a, b) => a - b);
      if (nums.some((n, i) => n !== i + 1)) fail('4.E_13', id);
    }
  }
  for (const d of docs) if (!docFolders.has(String(d.documentID))) fail('4.E_6', String(d.documentID));
  for (const id of docFolders.keys()) if (!docs.some((d) => String(d.documentID) === id)) fail('4.E_7', id);

  // ---- G11: the TIFF files
  ok('5.E_2', '5.E_3', '5.E_5', '5.E_7', '5.E_10', '5.E_11', '5.E_12');
  for (const f of files.filter((x) => x.startsWith('ContextDocumentation/'))) {
    const b = read(f);
    const magic = b.subarray(0, 4).toString('hex');
    if (magic !== '49492a00' && magic !== '4d4d002a') {
      fail('5.E_12', f);
      continue;
    }
    let ifds: UTIF.IFD[];
    try {
      const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
      ifds = UTIF.decode(buf);
      if (ifds.length === 0) throw new Error('no pages');
      const blank = ifds.map((ifd) => {
        UTIF.decodeImage(buf, ifd);
        const rgba = UTIF.toRGBA8(ifd);
        let dark = false;
        let light = false;
        for (let i = 0; i < rgba.length && !(dark && light); i += 4) {
          if ((rgba[i] as number) < 128) dark = true;
          else light = true;
        }
        return !(dark && light);
      });
      if (blank[0]) fail('5.E_10', f);
      if (blank.every(Boolean)) fail('5.E_11', f);
    } catch (e) {
      fail('5.E_2', `${f}: ${(e as Error).message}`);
      continue;
    }
    ifds.forEach((ifd, page) => {
      const compression = (ifd.t259 as number[] | undefined)?.[0];
      const fill = (ifd.t266 as number[] | undefined)?.[0];
      if (fill === 2 && (compression === 5 || compression === 32773))
        fail('5.E_2', `${f} page ${page + 1}: FillOrder 2`);
      if (![3, 4, 5, 32773].includes(compression as number))
        fail('5.E_3', `${f} page ${page + 1}: ${compression}`);
      if (JSON.stringify(ifd.t282) !== JSON.stringify(ifd.t283)) fail('5.E_5', `${f} page ${page + 1}`);
      const tags = Object.keys(ifd)
        .filter((k) => /^t\d+$/.test(k))
        .map((k) => Number(k.slice(1)));
      if (tags.some((t) => t > 33432)) fail('5.E_7', `${f} page ${page + 1}`);
    });
  }
  return r;
}
