import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SyntheticDataset, syntheticDelivery } from '../../src/cli/synthetic';
import { xmlElementName } from '../../src/core/dataset';
import { exampleRecords } from '../../src/core/example-delivery';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

/** xmllint is in CI's install list (.ci/run); a machine without it says so instead of passing quietly. */
const XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
if (!XMLLINT)
  console.warn('xmllint is not installed: the XML Schema checks are SKIPPED (apt-get install libxml2-utils)');
const itXml = XMLLINT ? it : it.skip;

const dir = mkdtempSync(join(tmpdir(), 'published-schemas-'));
let files = 0;

/** xmllint's verdict on a document against a schema file: null when valid, else its complaint. */
function xmllint(xsdPath: string, xml: string): string | null {
  const path = join(dir, `doc-${files++}.xml`);
  writeFileSync(path, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', xsdPath, path], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr;
}

const text = (s: string | undefined) => s ?? '';
const all = (gen: Generator<string>) => [...gen].join('');

function ndjsonLines(body: string): unknown[] {
  return body
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('published schemas, examples and what the gateway accepts', () => {
  let gw: MemoryGateway;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const xsd = new Map<string, string>();
  const json = new Map<string, ValidateFunction>();
  const sources = new Map<string, string>();
  let datasets: string[] = [];

  beforeAll(async () => {
    gw = await startMemoryGateway();
    datasets = [...gw.services.catalogue.datasets.keys()];
    for (const id of datasets) {
      const x = await gw.request(`/v1/datasets/${id}/schema.xsd`);
      expect(x.status).toBe(200);
      const path = join(dir, `${id}.xsd`);
      writeFileSync(path, await x.text());
      xsd.set(id, path);
      const j = await gw.request(`/v1/datasets/${id}/schema.json`);
      expect(j.status).toBe(200);
      json.set(id, ajv.compile(await j.json()));
      sources.set(
        id,
        (
          await gw.issueToken({
            role: 'source',
            subject: `src-${id}`,
            municipalities: ['101'],
            datasets: [id],
          })
        ).token,
      );
    }
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every published document without a token, cacheable, with 304 for the same ETag', async () => {
    expect(datasets).toEqual(expect.arrayContaining(['daycare', 'eldercare']));
    for (const id of datasets)
      for (const file of [
        'schema.xsd',
        'schema.json',
        'schema.csv',
        'example.xml',
        'example.csv',
        'example.ndjson',
      ]) {
        const res = await gw.request(`/v1/datasets/${id}/${file}`);
        expect(res.status, `${id}/${file}`).toBe(200);
        expect(res.headers.get('cache-control')).toContain('public');
        const etag = res.headers.get('etag');
        expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
        expect((await res.text()).length).toBeGreaterThan(50);
        const again = await gw.request(`/v1/datasets/${id}/${file}`, {
          headers: { 'if-none-match': etag ?? '' },
        });
        expect(again.status).toBe(304);
      }
    expect((await gw.request('/v1/datasets/nosuch/schema.xsd')).status).toBe(404);
    // Nothing else opened up: the dataset itself still needs a token.
    expect((await gw.request('/v1/datasets/daycare')).status).toBe(401);
  });

  itXml('validates every synthetic XML delivery against schema.xsd with xmllint', () => {
    for (const dataset of ['daycare', 'eldercare'] as SyntheticDataset[])
      for (const seed of [1, 2, 3, 4]) {
        const xml = all(syntheticDelivery({ dataset, format: 'xml', records: 200, seed }));
        expect(xmllint(text(xsd.get(dataset)), xml), `${dataset} seed ${seed}`).toBeNull();
        const rooted = all(
          syntheticDelivery({
            dataset,
            format: 'xml',
            records: 20,
            seed,
            rootAttributes: true,
            municipality: '147',
          }),
        );
        expect(
          xmllint(text(xsd.get(dataset)), rooted),
          `${dataset} seed ${seed} with root attributes`,
        ).toBeNull();
      }
  });

  it('validates every line of every synthetic NDJSON delivery against schema.json with Ajv', () => {
    for (const dataset of ['daycare', 'eldercare'] as SyntheticDataset[])
      for (const seed of [1, 2, 3, 4]) {
        const validate = json.get(dataset) as ValidateFunction;
        for (const line of ndjsonLines(
          all(syntheticDelivery({ dataset, format: 'ndjson', records: 200, seed })),
        ))
          expect(validate(line), `${dataset} seed ${seed}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
  });

  it('describes in schema.csv the columns the synthetic CSV header names', async () => {
    for (const dataset of ['daycare', 'eldercare'] as SyntheticDataset[]) {
      const columns = parse(await (await gw.request(`/v1/datasets/${dataset}/schema.csv`)).text(), {
        columns: true,
      }) as Array<{ name: string; type: string; required: string; rule: string }>;
      const header = all(syntheticDelivery({ dataset, format: 'csv', records: 1, seed: 1 })).split('\r\n')[0];
      expect(header?.split(',')).toEqual(columns.map((c) => c.name));
      const def = gw.services.catalogue.datasets.get(dataset)?.dataset;
      expect(columns.map((c) => [c.name, c.type, c.required === 'true'])).toEqual(
        def?.fields.map((f) => [f.id, f.type, f.required]),
      );
      for (const c of columns) expect(c.rule.length).toBeGreaterThan(5);
    }
  });

  /** The n-th past period (1–9) of a dataset, in its cadence's form. */
  const periodOf = (id: string, n: number) => {
    const cadence = gw.services.catalogue.datasets.get(id)?.dataset.cadence;
    return cadence === 'weekly' ? `2026-W0${n}` : cadence === 'daily' ? `2026-01-0${n}` : `2026-0${n}`;
  };

  it('serves examples of every dataset that its schemas accept and the gateway accepts', async () => {
    let period = 1;
    for (const id of datasets) {
      const xml = await (await gw.request(`/v1/datasets/${id}/example.xml`)).text();
      if (XMLLINT) expect(xmllint(text(xsd.get(id)), xml), id).toBeNull();
      const nd = await (await gw.request(`/v1/datasets/${id}/example.ndjson`)).text();
      for (const line of ndjsonLines(nd)) expect(json.get(id)?.(line), id).toBe(true);
      const csv = await (await gw.request(`/v1/datasets/${id}/example.csv`)).text();
      for (const [body, type] of [
        [xml, 'application/xml'],
        [nd, 'application/x-ndjson'],
        [csv, 'text/csv'],
      ] as const) {
        const res = await submit(
          gw,
          text(sources.get(id)),
          body,
          `dataset=${id}&municipality=101&period=${periodOf(id, period++)}`,
          { 'content-type': type },
        );
        expect(res.status, `${id} ${type}: ${await res.clone().text()}`).toBe(201);
      }
      period = 1;
    }
  });

  /** One bad record per case; the schema refuses it unless the case is one it cannot express. */
  const INVALID: Array<{
    name: string;
    change(r: Record<string, unknown>): void;
    /** Neither schema can say it. */
    schemaCannot?: true;
    /** JSON Schema cannot say it (XML Schema can). */
    jsonCannot?: true;
  }> = [
    { name: 'a CPR number that is not 10 digits', change: (r) => (r.cpr = '12345-6789') },
    { name: 'an unknown code', change: (r) => (r.careType = 'fritidshjem') },
    { name: 'a required field missing', change: (r) => delete r.institutionId },
    { name: 'a value over max', change: (r) => (r.weeklyHours = 75) },
    // A number given as a JSON string: JSON Schema cannot compare it with max.
    { name: 'a value over max, as a JSON string', jsonCannot: true, change: (r) => (r.weeklyHours = '75') },
    { name: 'a date that does not exist', change: (r) => (r.startDate = '2026-02-30') },
    { name: 'a date in another format', change: (r) => (r.startDate = '15-01-2026') },
    { name: 'too many decimals', change: (r) => (r.weeklyHours = '7.125') },
    { name: 'an unknown field', change: (r) => (r.shoeSize = '31') },
    { name: 'not a boolean', change: (r) => (r.privateProvider = 'yes') },
    { name: 'text over maxLength', change: (r) => (r.institutionName = 'x'.repeat(201)) },
    // What neither XML Schema 1.0 nor JSON Schema can say (docs/api.md, "Published schemas"):
    {
      name: 'endDate before startDate (rule notBefore)',
      schemaCannot: true,
      change: (r) => (r.endDate = '2026-01-01'),
    },
    {
      name: 'a CPR number whose day is not in its month',
      schemaCannot: true,
      change: (r) => (r.cpr = '3102209991'),
    },
  ];

  function daycareRecord(change: (r: Record<string, unknown>) => void): Record<string, unknown> {
    const r: Record<string, unknown> = {
      ...exampleRecords(gw.services.catalogue.datasets.get('daycare')?.dataset as never, 1)[0],
    };
    r.startDate = '2026-01-15';
    r.endDate = '2026-02-15';
    change(r);
    return r;
  }
  const asXml = (r: Record<string, unknown>) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment>${Object.entries(
      r,
    )
      .map(([k, v]) => `<${xmlElementName(k)}>${String(v)}</${xmlElementName(k)}>`)
      .join('')}</Enrolment></Delivery>\n`;

  it('refuses each invalid record at the gateway (422) and in both schemas where they can say it', async () => {
    const source = text(sources.get('daycare'));
    const validate = json.get('daycare') as ValidateFunction;
    // The unchanged record passes everywhere, so each refusal below is the change's.
    const good = daycareRecord(() => {});
    expect(validate(good)).toBe(true);
    if (XMLLINT) expect(xmllint(text(xsd.get('daycare')), asXml(good))).toBeNull();
    for (const c of INVALID) {
      const r = daycareRecord(c.change);
      for (const [body, type] of [
        [asXml(r), 'application/xml'],
        [`${JSON.stringify(r)}\n`, 'application/x-ndjson'],
      ] as const) {
        const res = await submit(gw, source, body, 'dataset=daycare&municipality=101&period=2026-10', {
          'content-type': type,
        });
        expect(res.status, `${c.name} (${type})`).toBe(422);
      }
      expect(validate(r), `JSON Schema on ${c.name}`).toBe(!!(c.schemaCannot || c.jsonCannot));
      if (XMLLINT) {
        const verdict = xmllint(text(xsd.get('daycare')), asXml(r));
        if (c.schemaCannot) expect(verdict, `XSD on ${c.name}`).toBeNull();
        else expect(verdict, `XSD on ${c.name}`).not.toBeNull();
      }
    }
  });

  it('accepts, at the gateway and in both schemas, what the readers accept: spaces around values, empty optional fields, any element order', async () => {
    const source = text(sources.get('daycare'));
    const validate = json.get('daycare') as ValidateFunction;
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        'spaces, TABs and line ends around values',
        daycareRecord((r) => {
          r.cpr = ' 0101709990\t';
          r.careType = '\n vuggestue ';
          r.weeklyHours = ' 7.25 ';
          r.institutionName = `  ${'x'.repeat(200)}  `;
        }),
      ],
      ['an optional field empty', daycareRecord((r) => (r.endDate = ' '))],
      [
        'the elements in reverse order',
        Object.fromEntries(Object.entries(daycareRecord(() => {})).reverse()),
      ],
      ['1 and 0 for a boolean', daycareRecord((r) => (r.privateProvider = '1'))],
    ];
    let period = 1;
    for (const [name, r] of cases) {
      const xml = asXml(r).replace(
        /<(\w+)>([^<]*)<\/\1>/g,
        (_, e, v) => `<${e}>${v.replace(/\t/g, '&#9;')}</${e}>`,
      );
      const res = await submit(
        gw,
        source,
        xml,
        `dataset=daycare&municipality=101&period=2025-${String(period++).padStart(2, '0')}`,
      );
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(201);
      if (XMLLINT) expect(xmllint(text(xsd.get('daycare')), xml), name).toBeNull();
      expect(validate(r), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    // The JSON Schema asks for strings where the gateway also takes a JSON number as its text.
    expect(validate(daycareRecord((r) => (r.institutionId = 1012345670)))).toBe(false);
  });

  it('says in each schema what it cannot express', async () => {
    const x = await (await gw.request('/v1/datasets/daycare/schema.xsd')).text();
    expect(x).toContain('endDate-not-before-startDate');
    expect(x).toContain('cannot express');
    const j = (await (await gw.request('/v1/datasets/daycare/schema.json')).json()) as {
      description: string;
    };
    expect(j.description).toContain('endDate-not-before-startDate');
  });

  it('lets a signed-in caller read them too, and never asks for a token', async () => {
    const res = await gw.request('/v1/datasets/daycare/schema.json', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const bad = await gw.request('/v1/datasets/daycare/schema.json', { token: 'not-a-token' });
    expect(bad.status).toBe(200);
  });
});
