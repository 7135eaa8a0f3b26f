import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import {
  type CheckResults,
  checkArchivalVersion,
  xmllint,
  xmllintAvailable,
} from '../support/archival-checks';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const HAVE_XMLLINT = xmllintAvailable();
if (!HAVE_XMLLINT) console.warn('xmllint not found (Debian libxml2-utils): archival-version tests skipped');

/** Unpacks a zip into a new folder, directories (also empty ones) included. */
async function unpack(zip: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-av-'));
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    const path = join(dir, name);
    if (name.endsWith('/')) await mkdir(path, { recursive: true });
    else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
  }
  return dir;
}

const failures = (r: CheckResults) => [...r].filter(([, f]) => f.length > 0);

describe.skipIf(!HAVE_XMLLINT)('the archival version (arkiveringsversion)', () => {
  let gw: Gateway;
  let dir: string;
  let folder: string;
  let extract: { id: string; records: number; fileName: string; contentType: string; sha256: string };
  const RECORDS = 2000;

  beforeAll(async () => {
    gw = await startGateway();
    const source = (
      await gw.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    const ra = (await gw.issueToken({ role: 'recipient', subject: 'rigsarkivet', recipient: 'rigsarkivet' }))
      .token;
    const xml = [
      ...syntheticDelivery({ dataset: 'daycare', records: RECORDS, format: 'xml', seed: 21 }),
    ].join('');
    const res = await submit(gw, source, xml);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    const id = body.extracts.find((e) => e.recipient === 'rigsarkivet')?.id as string;
    extract = (await (await gw.request(`/v1/extracts/${id}`, { token: ra })).json()) as typeof extract;
    const zip = new Uint8Array(
      await (await gw.request(`/v1/extracts/${id}/content`, { token: ra })).arrayBuffer(),
    );
    dir = await unpack(zip);
    folder = join(dir, 'AVID.SA.10120261001.1');
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is one zip holding the folder AVID.SA.<municipality><period><sequence>.1', async () => {
    expect(extract.contentType).toBe('application/zip');
    expect(extract.records).toBe(RECORDS);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual(['AVID.SA.10120261001.1']);
    expect(readdirSync(folder).sort()).toEqual(['ContextDocumentation', 'Indices', 'Schemas', 'Tables']);
  });

  it('has every index file valid against its official schema, and the table against its own', () => {
    for (const name of ['archiveIndex', 'contextDocumentationIndex', 'tableIndex', 'fileIndex'])
      expect(
        xmllint(join(folder, `Schemas/standard/${name}.xsd`), join(folder, `Indices/${name}.xml`)),
        name,
      ).toBeNull();
    expect(
      xmllint(join(folder, 'Tables/table1/table1.xsd'), join(folder, 'Tables/table1/table1.xml')),
    ).toBeNull();
  });

  it('holds every record, with each MD5 in fileIndex right', async () => {
    const tableIndex = await readFile(join(folder, 'Indices/tableIndex.xml'), 'utf8');
    expect(tableIndex).toContain(`<rows>${RECORDS}</rows>`);
    const table = await readFile(join(folder, 'Tables/table1/table1.xml'), 'utf8');
    expect(table.match(/<row>/g)).toHaveLength(RECORDS);
    const results = checkArchivalVersion(dir);
    expect(results.get('4.C.2_3')).toEqual([]);
    expect(results.get('6.C_26')).toEqual([]);
  });

  it('passes every check of the State Archives catalogue that applies to a table-only version', () => {
    const results = checkArchivalVersion(dir);
    expect(failures(results)).toEqual([]);
    expect(results.size).toBe(96);
  });

  it('lists in docs/archival-version.md every check it walks, and a verdict for every other', async () => {
    const doc = await readFile(new URL('../../docs/archival-version.md', import.meta.url), 'utf8');
    const catalogue = (
      await readFile(new URL('../fixtures/archival-version/ada_check_catalogue.csv', import.meta.url), 'utf8')
    )
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0] as string);
    expect(catalogue).toHaveLength(183);
    const covered = [...checkArchivalVersion(dir).keys()];
    for (const id of catalogue) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${id} |`));
      expect(row, `docs row for ${id}`).toBeDefined();
      expect(row?.includes('| tested |'), `${id} marked tested`).toBe(covered.includes(id));
    }
  });

  describe('the checks find what is wrong', () => {
    const broken = async (edit: (folder: string) => Promise<void>) => {
      const copy = await mkdtemp(join(tmpdir(), 'gateway-av-broken-'));
      const { cp } = await import('node:fs/promises');
      await cp(dir, copy, { recursive: true });
      await edit(join(copy, 'AVID.SA.10120261001.1'));
      const r = checkArchivalVersion(copy);
      await rm(copy, { recursive: true, force: true });
      return failures(r).map(([id]) => id);
    };
    const editFile = async (path: string, f: (s: string) => string) =>
      writeFile(path, f(await readFile(path, 'utf8')));

    it('a changed byte in the table', async () => {
      expect(
        await broken((f) =>
          editFile(join(f, 'Tables/table1/table1.xml'), (s) => s.replace('<c1>1</c1>', '<c1>7</c1>')),
        ),
      ).toEqual(expect.arrayContaining(['4.C.2_3', '4.A_1_1']));
    });
    it('a missing localShared folder', async () => {
      expect(await broken((f) => rm(join(f, 'Schemas/localShared'), { recursive: true }))).toEqual(['4.F_1']);
    });
    it('a row count that disagrees', async () => {
      expect(
        await broken((f) =>
          editFile(join(f, 'Indices/tableIndex.xml'), (s) =>
            s.replace(`<rows>${RECORDS}</rows>`, `<rows>${RECORDS + 1}</rows>`),
          ),
        ),
      ).toEqual(expect.arrayContaining(['6.C_26', '4.C.2_3']));
    });
    it('a NULL in a column that may not be empty', async () => {
      expect(
        await broken((f) =>
          editFile(join(f, 'Tables/table1/table1.xml'), (s) =>
            s.replace(/<c4>\d{10}<\/c4>/, '<c4 xsi:nil="true"/>'),
          ),
        ),
      ).toEqual(expect.arrayContaining(['4.D_9']));
    });
    it('a reserved word as a column name', async () => {
      expect(
        await broken((f) =>
          editFile(join(f, 'Indices/tableIndex.xml'), (s) =>
            s.replace('<name>slutdato</name>', '<name>DATE</name>'),
          ),
        ),
      ).toEqual(expect.arrayContaining(['6.C_28']));
    });
    it('a changed official schema', async () => {
      expect(
        await broken((f) => editFile(join(f, 'Schemas/standard/fileIndex.xsd'), (s) => s.replace('<', ' <'))),
      ).toEqual(expect.arrayContaining(['4.F_6', '4.C.2_3']));
    });
  });

  it('an eldercare delivery gives its own archival version, also valid', async () => {
    const source = (
      await gw.issueToken({
        role: 'source',
        subject: 'care',
        municipalities: ['751'],
        datasets: ['eldercare'],
      })
    ).token;
    const body = [...syntheticDelivery({ dataset: 'eldercare', records: 400, format: 'csv', seed: 5 })].join(
      '',
    );
    const res = await submit(gw, source, body, 'dataset=eldercare&municipality=751&period=2026-10', {
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(201);
    const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    const id = d.extracts.find((e) => e.recipient === 'rigsarkivet')?.id as string;
    const ra = (await gw.issueToken({ role: 'recipient', subject: 'ra2', recipient: 'rigsarkivet' })).token;
    const other = await unpack(
      new Uint8Array(await (await gw.request(`/v1/extracts/${id}/content`, { token: ra })).arrayBuffer()),
    );
    try {
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(other)).toEqual(['AVID.SA.75120261001.1']);
      expect(failures(checkArchivalVersion(other))).toEqual([]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('a correction of the slot from another source gives a new AVID, superseding the first, also valid', async () => {
    const other = (
      await gw.issueToken({
        role: 'source',
        subject: 'second-vendor',
        municipalities: ['101'],
        datasets: ['daycare'],
      })
    ).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 300, format: 'xml', seed: 22 })].join(
      '',
    );
    const res = await submit(gw, other, xml);
    expect(res.status).toBe(201);
    const d = (await res.json()) as {
      sequence: number;
      supersedes: string | null;
      extracts: Array<{ id: string; recipient: string }>;
    };
    expect(d.sequence).toBe(2);
    expect(d.supersedes).not.toBeNull();
    const id = d.extracts.find((e) => e.recipient === 'rigsarkivet')?.id as string;
    const ra = (await gw.issueToken({ role: 'recipient', subject: 'ra3', recipient: 'rigsarkivet' })).token;
    const view = (await (await gw.request(`/v1/extracts/${id}`, { token: ra })).json()) as {
      replaces: string;
    };
    expect(view.replaces).toBe(extract.id);
    const first = (await (await gw.request(`/v1/extracts/${extract.id}`, { token: ra })).json()) as {
      status: string;
    };
    expect(first.status).toBe('superseded');
    const corrected = await unpack(
      new Uint8Array(await (await gw.request(`/v1/extracts/${id}/content`, { token: ra })).arrayBuffer()),
    );
    try {
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(corrected)).toEqual(['AVID.SA.10120261002.1']);
      const archiveIndex = await readFile(
        join(corrected, 'AVID.SA.10120261002.1/Indices/archiveIndex.xml'),
        'utf8',
      );
      expect(archiveIndex).toContain('AVID.SA.10120261002');
      expect(failures(checkArchivalVersion(corrected))).toEqual([]);
    } finally {
      await rm(corrected, { recursive: true, force: true });
    }
  });

  it('a preview shows the archival version a small delivery would give', async () => {
    const sample = [...syntheticDelivery({ dataset: 'daycare', records: 5, format: 'xml', seed: 2 })].join(
      '',
    );
    const res = await gw.request('/v1/datasets/daycare/profiles/rigsarkivet/preview', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/xml' },
      body: sample,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = Object.keys(unzipSync(new Uint8Array(await res.arrayBuffer())));
    expect(files.some((f) => f.endsWith('/Tables/table1/table1.xml'))).toBe(true);
  });
});
