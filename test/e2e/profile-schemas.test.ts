import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SyntheticDataset, syntheticDelivery } from '../../src/cli/synthetic';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

const XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
if (!XMLLINT)
  console.warn(
    'xmllint is not installed: the extracts XML Schema check is SKIPPED (apt-get install libxml2-utils)',
  );

const dir = mkdtempSync(join(tmpdir(), 'profile-schemas-'));

interface ExtractView {
  id: string;
  recipient: string;
  contentType: string;
  profile: { id: string };
}

describe("what each recipient receives, published as its profile's schema", () => {
  let gw: MemoryGateway;
  const recipients = new Map<string, string>();
  let auditor = '';
  let source = '';

  beforeAll(async () => {
    gw = await startMemoryGateway();
    for (const r of ['dst', 'flis', 'stuk', 'sds', 'rigsarkivet'])
      recipients.set(r, (await gw.issueToken({ role: 'recipient', subject: r, recipient: r })).token);
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 's',
        municipalities: ['101'],
        datasets: ['daycare', 'eldercare'],
      })
    ).token;
    let month = 1;
    for (const dataset of ['daycare', 'eldercare'] as SyntheticDataset[])
      for (const seed of [1, 2]) {
        const body = [...syntheticDelivery({ dataset, format: 'xml', records: 150, seed })].join('');
        const res = await submit(
          gw,
          source,
          body,
          `dataset=${dataset}&municipality=101&period=2026-0${month++}`,
        );
        expect(res.status).toBe(201);
      }
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("validates every XML, NDJSON and CSV extract against its profile's published schema", async () => {
    const checked = new Set<string>();
    for (const [recipient, token] of recipients) {
      const list = (await (await gw.request('/v1/extracts?current=false&limit=100', { token })).json()) as {
        items: ExtractView[];
      };
      for (const e of list.items) {
        const [dataset] = e.profile.id.split('/');
        const at = `/v1/datasets/${dataset}/profiles/${recipient}`;
        const bytes = await (await gw.request(`/v1/extracts/${e.id}/content`, { token })).arrayBuffer();
        const charset = /charset=([\w-]+)/.exec(e.contentType)?.[1] ?? 'utf-8';
        const content = new TextDecoder(charset).decode(bytes);
        if (e.contentType.startsWith('application/xml')) {
          const xsd = await gw.request(`${at}/schema.xsd`, { token });
          expect(xsd.status).toBe(200);
          if (!XMLLINT) continue;
          writeFileSync(join(dir, 'p.xsd'), await xsd.text());
          writeFileSync(join(dir, 'e.xml'), content);
          const r = spawnSync('xmllint', ['--noout', '--schema', join(dir, 'p.xsd'), join(dir, 'e.xml')], {
            encoding: 'utf8',
          });
          expect(r.status, `${e.profile.id}: ${r.stderr}`).toBe(0);
          checked.add(e.profile.id);
        } else if (e.contentType.startsWith('application/x-ndjson')) {
          const schema = await (await gw.request(`${at}/schema.json`, { token })).json();
          const validate = new Ajv2020({ strict: true }).compile(schema as object);
          const lines = content.split('\n').filter(Boolean);
          expect(lines.length).toBeGreaterThan(0);
          for (const line of lines) expect(validate(JSON.parse(line)), `${e.profile.id}`).toBe(true);
          checked.add(e.profile.id);
        } else if (e.contentType.startsWith('text/csv')) {
          const columns = parse(await (await gw.request(`${at}/schema.csv`, { token })).text(), {
            columns: true,
          }) as Array<{ name: string }>;
          const delimiter = content.split(/\r?\n/)[0]?.includes(';') ? ';' : ',';
          const header = content.split(/\r?\n/)[0]?.split(delimiter);
          expect(header, e.profile.id).toEqual(columns.map((c) => c.name));
          checked.add(e.profile.id);
        }
      }
    }
    expect([...checked].sort()).toEqual(
      expect.arrayContaining([
        'daycare/flis',
        'daycare/stuk',
        'eldercare/sds',
        ...(XMLLINT ? ['daycare/dst'] : []),
      ]),
    );
  });

  it("answers another recipient's profile schema with 404, a source with 403, an auditor and admin with 200", async () => {
    const flis = recipients.get('flis') ?? '';
    expect((await gw.request('/v1/datasets/daycare/profiles/dst/schema.xsd', { token: flis })).status).toBe(
      404,
    );
    expect((await gw.request('/v1/datasets/daycare/profiles/flis/schema.json', { token: flis })).status).toBe(
      200,
    );
    expect((await gw.request('/v1/datasets/daycare/profiles/dst/schema.xsd', { token: source })).status).toBe(
      403,
    );
    expect(
      (await gw.request('/v1/datasets/daycare/profiles/dst/schema.xsd', { token: auditor })).status,
    ).toBe(200);
    expect(
      (await gw.request('/v1/datasets/daycare/profiles/dst/schema.xsd', { token: ADMIN_TOKEN })).status,
    ).toBe(200);
    expect((await gw.request('/v1/datasets/daycare/profiles/dst/schema.xsd')).status).toBe(401);
  });

  it('says where the schema is when the output has another, and points the archival version at its standard', async () => {
    const wrong = await gw.request('/v1/datasets/daycare/profiles/dst/schema.json', { token: ADMIN_TOKEN });
    expect(wrong.status).toBe(404);
    expect(((await wrong.json()) as { detail: string }).detail).toContain(
      '/v1/datasets/daycare/profiles/dst/schema.xsd',
    );
    const av = await gw.request('/v1/datasets/daycare/profiles/rigsarkivet/schema.xsd', {
      token: ADMIN_TOKEN,
    });
    expect(av.status).toBe(404);
    expect(((await av.json()) as { detail: string }).detail).toContain('archival version');
  });

  it('publishes the data dictionary: which recipient gets which field, how, under which legal basis', async () => {
    const res = await gw.request('/v1/datasets/daycare/dictionary', { token: source });
    expect(res.status).toBe(200);
    const d = (await res.json()) as {
      fields: Array<{
        id: string;
        personal: boolean;
        codes?: string[];
        recipients: Array<Record<string, unknown>>;
      }>;
      rules: Array<{ id: string }>;
      recipients: Array<{ recipient: string; legalBasis: string; purpose: string }>;
    };
    const cpr = d.fields.find((f) => f.id === 'cpr');
    expect(cpr?.personal).toBe(true);
    const uses = cpr?.recipients ?? [];
    expect(uses.find((u) => u.recipient === 'dst')).toMatchObject({ column: 'CPRNummer', how: [] });
    expect(String(uses.find((u) => u.recipient === 'flis')?.how)).toContain('pseudonymised');
    // stuk gets counts by care type, never the CPR number.
    expect(uses.some((u) => u.recipient === 'stuk')).toBe(false);
    const careType = d.fields.find((f) => f.id === 'careType');
    expect(careType?.codes).toContain('vuggestue');
    expect(careType?.recipients.find((u) => u.recipient === 'dst')?.how).toEqual([
      'codes mapped: dagpleje → 01, vuggestue → 02, boernehave → 03, integreret → 04',
    ]);
    expect(d.rules.map((r) => r.id)).toEqual(['endDate-not-before-startDate']);
    const dst = d.recipients.find((r) => r.recipient === 'dst');
    expect(dst?.legalBasis).toContain('Danmarks Statistik');
    expect(dst?.purpose.length).toBeGreaterThan(10);
  });

  it('shows the data dictionary as a page at /datasets/{id}, with no sign-in', async () => {
    const res = await gw.request('/datasets/daycare');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('CPRNummer');
    expect(html).toContain('Lov om Danmarks Statistik');
    expect(html).toContain('/v1/datasets/daycare/schema.xsd');
    expect(html).not.toMatch(/\d{6}-?\d{4}/);
    expect((await gw.request('/datasets/nosuch')).status).toBe(404);
  });
});
