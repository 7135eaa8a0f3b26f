import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { ZipArchive } from 'archiver';
import { contextDocumentText } from '../core/archival-context';
import { avid } from '../core/archival-version';
import {
  archiveFacts,
  archiveIndexXml,
  type ContextDocument,
  contextDocumentationIndexXml,
  type createTableWriter,
  type FileEntry,
  fileIndexXml,
  tableIndexXml,
  tableXsd,
} from '../core/archival-xml';
import type { CompiledProfile } from '../core/mapper';
import type { DeliveryContext } from '../core/projection';
import type { ObjectSink } from '../stores/object-store';
import { renderDocumentTiff } from './context-docs';
import { drainedOrClosed, drainInto } from './packaging';

/** The State Archives' official index schemas, each by its file name. */
export type StandardSchemas = ReadonlyArray<{ name: string; bytes: Uint8Array }>;

let readStandard: (() => Promise<StandardSchemas>) | null = null;
let standard: Promise<StandardSchemas> | null = null;

/**
 * Where the official schemas come from: the runtime says so at start (on Node, the files in
 * the gateway's schemas folder). They are read on first use and kept.
 */
export function provideStandardSchemas(read: () => Promise<StandardSchemas>): void {
  readStandard = read;
  standard = null;
}

/** The official schemas, byte for byte as the State Archives publish them. */
export function standardSchemas(): Promise<StandardSchemas> {
  if (!readStandard)
    return Promise.reject(new Error('no source of the archival version standard schemas was provided'));
  const read = readStandard;
  standard ??= read().catch((e: unknown) => {
    standard = null;
    throw e;
  });
  return standard;
}

/** The context documentation depends on the profile and dataset only: rendered once per profile version. */
const documents = new Map<string, Promise<Uint8Array>>();
const documentKey = (compiled: CompiledProfile) => `${compiled.profile.id}@${compiled.sha256}`;

/** Hands this process a document rendered elsewhere (the intake thread renders for its workers). */
export function seedContextDocument(compiled: CompiledProfile, tiff: Uint8Array): void {
  documents.set(documentKey(compiled), Promise.resolve(tiff));
}

/** The context documentation of an archival-version profile, as TIFF: rendered on first use. */
export function contextTiff(compiled: CompiledProfile): Promise<Uint8Array> {
  const key = documentKey(compiled);
  let doc = documents.get(key);
  if (!doc) {
    doc = renderDocumentTiff(
      contextDocumentText(compiled.archival!, compiled.profile, compiled.sha256, compiled.dataset),
    );
    doc.catch(() => documents.delete(key));
    documents.set(key, doc);
  }
  return doc;
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/**
 * The archival version as one zip, streamed: the fixed files first, then `table1.xml` as the
 * rows come (what is written to this sink), then the index files, which need the row count,
 * the longest texts and the MD5 of every file.
 */
export async function archivalVersionSink(
  inner: ObjectSink,
  compiled: CompiledProfile,
  ctx: DeliveryContext,
  table: ReturnType<typeof createTableWriter>,
): Promise<ObjectSink> {
  const plan = compiled.archival;
  if (!plan) throw new Error(`profile ${compiled.profile.id} is no archival version`);
  const facts = archiveFacts(plan, compiled.dataset, ctx);
  const { folder } = avid(plan.output, ctx);
  const [schemas, tiff] = await Promise.all([standardSchemas(), contextTiff(compiled)]);

  // Fast deflate: the table is most of the bytes, and compressing it harder costs the
  // delivery's one pass several times the time for a few per cent.
  const zip = new ZipArchive({ zlib: { level: 1 } });
  const entry = new PassThrough();
  const out = drainInto(zip, inner);
  let failure: unknown = null;
  zip.on('error', (e) => {
    failure ??= e;
    entry.destroy(e as Error);
  });
  const files: FileEntry[] = [];
  const add = (dir: string, name: string, bytes: Uint8Array | string) => {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
    zip.append(buf, { name: `${folder}/${dir}/${name}` });
    files.push({ folder: [folder, ...dir.split('/')].join('\\'), file: name, md5: md5(buf) });
  };

  for (const s of schemas) add('Schemas/standard', s.name, s.bytes);
  zip.append('', { name: `${folder}/Schemas/localShared/` });
  const doc: ContextDocument = {
    id: 1,
    title: `Beskrivelse af ${plan.tableName}`,
    description: `Systembeskrivelse, hjemmel, dannelse og tabel- og feltbeskrivelser (profil ${compiled.profile.id} version ${compiled.profile.version}).`,
    date: ctx.receivedAt.slice(0, 10),
    authorInstitution: 'Leverancegatewayen',
  };
  add('ContextDocumentation/docCollection1/1', '1.tif', tiff);
  add('Tables/table1', 'table1.xsd', tableXsd(plan));

  const tableMd5 = createHash('md5');
  zip.append(entry, { name: `${folder}/Tables/table1/table1.xml` });

  return {
    async write(chunk) {
      if (failure) throw failure;
      out.check();
      tableMd5.update(chunk);
      if (!entry.write(chunk)) await drainedOrClosed(entry);
      if (failure) throw failure;
      await out.settled();
    },
    async close() {
      entry.end();
      files.push({ folder: `${folder}\\Tables\\table1`, file: 'table1.xml', md5: tableMd5.digest('hex') });
      add('Indices', 'archiveIndex.xml', archiveIndexXml(plan, facts));
      add('Indices', 'contextDocumentationIndex.xml', contextDocumentationIndexXml([doc]));
      add('Indices', 'tableIndex.xml', tableIndexXml(plan, table.rowCount, table.longest));
      // fileIndex lists every other file, itself not.
      zip.append(Buffer.from(fileIndexXml(files), 'utf8'), { name: `${folder}/Indices/fileIndex.xml` });
      await zip.finalize();
      if (failure) throw failure;
      await out.settled();
      out.check();
      await inner.close();
    },
    async abort() {
      entry.destroy();
      zip.destroy();
      await inner.abort();
    },
  };
}
