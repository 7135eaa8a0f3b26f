/**
 * The vendor's XSLT stylesheets (bench/xslt/, the benchmark's status quo) make the same
 * extracts as the gateway: the same records, fields, values and order, the same suppression.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasXsltproc, STYLESHEETS, xsltprocBaseline } from '../../bench/xsltproc';
import { type DaycareRecord, daycareRecords, syntheticDelivery } from '../../src/cli/synthetic';
import { type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

const HAVE_XSLTPROC = hasXsltproc();
if (!HAVE_XSLTPROC) console.warn('xsltproc not found (Debian xsltproc): the XSLT baseline test is skipped');

const FIELDS = [
  'cpr',
  'institutionId',
  'institutionName',
  'careType',
  'startDate',
  'endDate',
  'weeklyHours',
  'privateProvider',
] as const;
const element = (f: string) => f.charAt(0).toUpperCase() + f.slice(1);
const escapeText = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

function deliveryXml(records: readonly DaycareRecord[]): string {
  const body = records
    .map(
      (r) =>
        `  <Enrolment>${FIELDS.map((f) => (r[f] === undefined ? '' : `<${element(f)}>${escapeText(r[f])}</${element(f)}>`)).join('')}</Enrolment>\n`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Delivery xmlns="urn:flis-gateway:daycare:1">\n${body}</Delivery>\n`;
}

/**
 * 300 generated records made to exercise what a plain delivery seldom does: 3 enrolments in
 * integreret (suppressed, below 5) and 6 in dagpleje (the smallest other cell, suppressed so
 * the 3 cannot be worked out), children enrolled twice, whitespace to trim around a value
 * and kept inside it, markup and JSON characters, absent optional fields, booleans as 1/0.
 */
function awkwardRecords(): DaycareRecord[] {
  const records = [...daycareRecords({ records: 300, seed: 11 })];
  let integreret = 0;
  let dagpleje = 0;
  for (const r of records) {
    if (r.careType === 'integreret' && ++integreret > 3) r.careType = 'boernehave';
    if (r.careType === 'dagpleje' && ++dagpleje > 6) r.careType = 'vuggestue';
  }
  const at = (i: number) => records[i] as DaycareRecord;
  at(10).cpr = at(0).cpr;
  at(20).cpr = at(5).cpr;
  at(30).cpr = at(5).cpr;
  at(1).institutionName = ' \n Vuggestuen  Mælkebøtten\t ';
  at(2).institutionName = undefined;
  at(3).privateProvider = undefined;
  at(4).privateProvider = '1';
  at(5).privateProvider = '0';
  at(6).institutionName = 'Børnehuset "Ved <Åen>" & Co \\ Syd\tvest\r';
  at(7).weeklyHours = ' 30 ';
  at(8).weeklyHours = '22.25';
  at(9).weeklyHours = '0';
  at(11).weeklyHours = '60.00';
  at(12).endDate = undefined;
  return records;
}

const CASES = [
  {
    name: 'a generated delivery of 300 records',
    municipality: '101',
    xml: [...syntheticDelivery({ dataset: 'daycare', records: 300, format: 'xml', seed: 7 })].join(''),
    suppressed: 0,
  },
  {
    name: 'a delivery with small cells, repeated children and awkward text',
    municipality: '147',
    xml: deliveryXml(awkwardRecords()),
    suppressed: 2,
  },
];

const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => name === 'Barn' || name === 'row',
});
const latin1 = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const csvRows = (text: string) => parseCsv(text, { delimiter: ';', record_delimiter: '\r\n' }) as string[][];
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const cprsOf = (delivery: string) =>
  [...delivery.matchAll(/<Cpr>\s*(\d{10})\s*<\/Cpr>/g)].map((m) => m[1] as string);

describe.skipIf(!HAVE_XSLTPROC)('the XSLT baseline makes the gateway’s extracts', () => {
  let gw: MemoryGateway;
  let source: string;
  const recipient: Record<string, string> = {};
  let dir: string;

  beforeAll(async () => {
    gw = await startMemoryGateway();
    dir = await mkdtemp(join(tmpdir(), 'gateway-xslt-'));
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'vendor',
        municipalities: CASES.map((c) => c.municipality),
        datasets: ['daycare'],
      })
    ).token;
    for (const r of ['dst', 'stuk', 'flis', 'rigsarkivet'])
      recipient[r] = (await gw.issueToken({ role: 'recipient', subject: `${r}-intake`, recipient: r })).token;
  });
  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe.each(CASES)('$name', (c) => {
    const gateway: Record<string, Uint8Array> = {};
    const xslt: Record<string, Uint8Array> = {};
    const records = cprsOf(c.xml).length;

    beforeAll(async () => {
      const res = await submit(
        gw,
        source,
        c.xml,
        `dataset=daycare&municipality=${c.municipality}&period=2026-10`,
      );
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; extracts: Array<{ id: string; recipient: string }> };
      for (const e of body.extracts) {
        const content = await gw.request(`/v1/extracts/${e.id}/content`, { token: recipient[e.recipient] });
        expect(content.status).toBe(200);
        gateway[e.recipient] = new Uint8Array(await content.arrayBuffer());
      }
      const input = join(dir, `delivery-${c.municipality}.xml`);
      const out = join(dir, c.municipality);
      await writeFile(input, c.xml);
      const timings = await xsltprocBaseline(input, out, {
        municipality: c.municipality,
        period: '2026-10',
        deliveryId: body.id,
      });
      expect(timings.map((t) => t.stylesheet)).toEqual(STYLESHEETS.map((s) => s.stylesheet));
      for (const [i, s] of STYLESHEETS.entries()) {
        xslt[s.stylesheet] = new Uint8Array(await readFile(join(out, s.output)));
        expect(timings[i]?.bytes).toBe(xslt[s.stylesheet]?.length);
      }
    });

    it('dst: the same <Barn> records, element for element', () => {
      const ours = xml.parse(new TextDecoder().decode(gateway.dst)).Boernepasning;
      const theirs = xml.parse(new TextDecoder().decode(xslt['dst.xsl'])).Boernepasning;
      expect(theirs['@_xmlns']).toBe('urn:dst:boernepasning:1');
      expect(theirs['@_xmlns']).toBe(ours['@_xmlns']);
      expect(ours.Barn).toHaveLength(records);
      expect(theirs.Barn).toEqual(ours.Barn);
    });

    it('stuk: the same ISO-8859-1 CSV rows, the same cells suppressed', () => {
      const ours = latin1(gateway.stuk as Uint8Array);
      const theirs = latin1(xslt['stuk.xsl'] as Uint8Array);
      expect(theirs.split('\r\n').join('')).not.toContain('\n');
      expect(csvRows(theirs)).toEqual(csvRows(ours));
      const [header, ...rows] = csvRows(theirs);
      expect(header).toEqual([
        'kommunekode',
        'kommunenavn',
        'pasningstype',
        'antal_børn',
        'gns_ugentlige_timer',
        'undertrykt',
      ]);
      expect(rows.filter((r) => r[5] === '1')).toHaveLength(c.suppressed);
    });

    it('flis: the same NDJSON objects but for the pseudonym, which is consistent', () => {
      const ours = ndjson(new TextDecoder().decode(gateway.flis));
      const theirs = ndjson(new TextDecoder().decode(xslt['flis.xsl']));
      expect(ours).toHaveLength(records);
      const withoutPseudonym = (rows: Record<string, unknown>[]) =>
        rows.map(({ personPseudonym, ...rest }) => rest);
      expect(withoutPseudonym(theirs)).toEqual(withoutPseudonym(ours));
      expect(theirs.map((r) => Object.keys(r))).toEqual(ours.map((r) => Object.keys(r)));

      const cprs = cprsOf(c.xml);
      for (const [rows, shape] of [
        [ours, /^[0-9a-f]{64}$/],
        [theirs, /^[0-9a-f]{40}$/],
      ] as const) {
        const byCpr = new Map<string, string>();
        rows.forEach((r, i) => {
          const p = r.personPseudonym as string;
          expect(p).toMatch(shape);
          const cpr = cprs[i] as string;
          expect(byCpr.get(cpr) ?? p, `pseudonym of row ${i + 1}`).toBe(p);
          byCpr.set(cpr, p);
        });
        expect(new Set(byCpr.values()).size).toBe(new Set(cprs).size);
      }
      const text = new TextDecoder().decode(xslt['flis.xsl']);
      for (const cpr of cprs) expect(text).not.toContain(cpr);
      if (c.suppressed) expect(new Set(cprs).size).toBeLessThan(cprs.length);
    });

    it('rigsarkivet: the same table1.xml rows as the archival version’s table', () => {
      const zip = unzipSync(gateway.rigsarkivet as Uint8Array);
      const entry = Object.keys(zip).find((n) => n.endsWith('/Tables/table1/table1.xml'));
      expect(entry).toBeDefined();
      const ours = xml.parse(new TextDecoder().decode(zip[entry as string])).table;
      const theirs = xml.parse(new TextDecoder().decode(xslt['archival.xsl'])).table;
      for (const a of ['@_xmlns', '@_xmlns:xsi', '@_xsi:schemaLocation']) expect(theirs[a]).toBe(ours[a]);
      expect(ours.row).toHaveLength(records);
      expect(theirs.row).toEqual(ours.row);
    });
  });
});
