import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type Gateway, startGateway, submit } from '../support/harness';

/** Three enrolments whose values exercise escaping, Danish letters and optional fields. */
const RECORDS = [
  {
    cpr: '0101215123',
    institutionId: '1012345678',
    institutionName: 'Børnehuset "Ærø" & Co',
    careType: 'vuggestue',
    startDate: '2022-08-01',
    endDate: '2026-07-31',
    weeklyHours: '37.5',
    privateProvider: 'false',
  },
  {
    cpr: '1502225678',
    institutionId: '1087654321',
    institutionName: 'Åbakkens Naturbørnehave; <afd. Syd>',
    careType: 'boernehave',
    startDate: '2024-01-15',
    weeklyHours: '40',
    privateProvider: 'true',
  },
  {
    cpr: '2902205999',
    institutionId: '1000000001',
    careType: 'dagpleje',
    startDate: '2021-03-01',
    weeklyHours: '30.25',
  },
] as const;
type Rec = Record<string, string | undefined>;
const FIELDS = [
  'cpr',
  'institutionId',
  'institutionName',
  'careType',
  'startDate',
  'endDate',
  'weeklyHours',
  'privateProvider',
];
const El = (f: string) => f.charAt(0).toUpperCase() + f.slice(1);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xml(
  opts: {
    prefix?: string;
    decl?: string;
    eol?: string;
    value?: (f: string, v: string) => string;
    between?: string;
    rootAttrs?: string;
  } = {},
) {
  const p = opts.prefix ? `${opts.prefix}:` : '';
  const ns = opts.prefix ? `xmlns:${opts.prefix}` : 'xmlns';
  const eol = opts.eol ?? '\n';
  const value = opts.value ?? ((_f, v) => esc(v));
  let s = `${opts.decl ?? '<?xml version="1.0" encoding="UTF-8"?>'}${eol}<${p}Delivery ${ns}="urn:flis-gateway:daycare:1"${opts.rootAttrs ?? ''}>${eol}`;
  for (const r of RECORDS as readonly Rec[]) {
    s += `  <${p}Enrolment>${eol}`;
    for (const f of FIELDS) {
      const v = r[f];
      if (v !== undefined) s += `    <${p}${El(f)}>${value(f, v)}</${p}${El(f)}>${opts.between ?? ''}${eol}`;
    }
    s += `  </${p}Enrolment>${eol}`;
  }
  return `${s}</${p}Delivery>${eol}`;
}

function csv(opts: { delimiter?: string; order?: string[]; eol?: string; bom?: boolean } = {}) {
  const d = opts.delimiter ?? ',';
  const order = opts.order ?? FIELDS;
  const eol = opts.eol ?? '\r\n';
  const cell = (v: string | undefined) =>
    v === undefined ? '' : /[",;\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return `${opts.bom ? '\uFEFF' : ''}${order.join(d)}${eol}${(RECORDS as readonly Rec[]).map((r) => order.map((f) => cell(r[f])).join(d)).join(eol)}${eol}`;
}

describe('intake: quirky but valid deliveries keep every value', () => {
  let gw: Gateway;
  let source: string;
  let flis: string;
  let dst: string;
  let month = 0;

  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 'sys-a', municipalities: ['*'], datasets: ['*'] })
    ).token;
    flis = (await gw.issueToken({ role: 'recipient', subject: 'flis', recipient: 'flis' })).token;
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Submits, then reads the values back from the flis NDJSON (most fields as sent) and the dst XML (the CPR numbers). */
  async function roundTrip(
    body: BodyInit | Uint8Array,
    contentType: string,
    headers: Record<string, string> = {},
  ) {
    month++;
    const period = `20${String(10 + Math.floor(month / 12)).padStart(2, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
    const res = await submit(gw, source, body, `dataset=daycare&municipality=101&period=${period}`, {
      'content-type': contentType,
      ...headers,
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const d = JSON.parse(text) as {
      records: { total: number };
      extracts: Array<{ id: string; recipient: string }>;
    };
    expect(d.records.total).toBe(3);
    const get = async (r: string, token: string) =>
      (
        await gw.request(`/v1/extracts/${d.extracts.find((e) => e.recipient === r)?.id}/content`, { token })
      ).text();
    const rows = (await get('flis', flis))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Rec & { weeklyHours?: number; privateProvider?: boolean });
    const dstDoc = new XMLParser({ parseTagValue: false }).parse(await get('dst', dst));
    const cprs = (dstDoc.Boernepasning.Barn as Array<{ CPRNummer: string }>).map((b) => String(b.CPRNummer));
    return { rows, cprs };
  }

  function expectIntact(out: Awaited<ReturnType<typeof roundTrip>>) {
    expect(out.cprs).toEqual(RECORDS.map((r) => r.cpr));
    (RECORDS as readonly Rec[]).forEach((r, i) => {
      const row = out.rows[i] as Record<string, unknown>;
      for (const f of ['institutionId', 'institutionName', 'careType', 'startDate', 'endDate'])
        expect(row[f], f).toBe(r[f]);
      expect(row.weeklyHours).toBe(Number(r.weeklyHours));
      expect(row.privateProvider).toBe(
        r.privateProvider === undefined ? undefined : r.privateProvider === 'true',
      );
    });
  }

  it('XML with a namespace prefix', async () =>
    expectIntact(await roundTrip(xml({ prefix: 'd' }), 'application/xml')));
  it('XML with CDATA sections', async () =>
    expectIntact(
      await roundTrip(
        xml({ value: (f, v) => (f === 'institutionName' ? `<![CDATA[${v}]]>` : esc(v)) }),
        'application/xml',
      ),
    ));
  it('XML with comments and processing instructions', async () =>
    expectIntact(
      await roundTrip(
        xml({ between: '<!-- note --><?audit seen?>' }).replace('<Delivery', '<!-- head -->\n<Delivery'),
        'application/xml',
      ),
    ));
  it('XML with character and entity references', async () =>
    expectIntact(
      await roundTrip(
        xml({
          value: (_f, v) => esc(v).replace(/ø/g, '&#248;').replace(/Æ/g, '&#xC6;').replace(/"/g, '&quot;'),
        }),
        'application/xml',
      ),
    ));
  it('XML with a byte order mark and CRLF line ends', async () =>
    expectIntact(await roundTrip(`\uFEFF${xml({ eol: '\r\n' })}`, 'text/xml')));
  it('XML declared and encoded as ISO-8859-1', async () =>
    expectIntact(
      await roundTrip(
        iconv.encode(xml({ decl: '<?xml version="1.0" encoding="ISO-8859-1"?>' }), 'latin1'),
        'application/xml',
      ),
    ));
  it('XML declared and encoded as Windows-1252', async () =>
    expectIntact(
      await roundTrip(
        iconv.encode(xml({ decl: "<?xml version='1.0' encoding='windows-1252'?>" }), 'win1252'),
        'application/xml',
      ),
    ));
  it('XML sent with Content-Encoding: gzip', async () =>
    expectIntact(await roundTrip(gzipSync(xml()), 'application/xml', { 'content-encoding': 'gzip' })));
  it('XML whose root states the same dataset, municipality and period', async () => {
    const period = `20${String(10 + Math.floor((month + 1) / 12)).padStart(2, '0')}-${String(((month + 1) % 12) + 1).padStart(2, '0')}`;
    expectIntact(
      await roundTrip(
        xml({ rootAttrs: ` dataset="daycare" municipality="101" period="${period}"` }),
        'application/xml',
      ),
    );
  });

  it('CSV with ; between fields, columns in another order, quoted delimiters and newlines, BOM', async () => {
    const order = [
      'careType',
      'cpr',
      'weeklyHours',
      'institutionName',
      'startDate',
      'privateProvider',
      'institutionId',
      'endDate',
    ];
    expectIntact(await roundTrip(csv({ delimiter: ';', order, bom: true }), 'text/csv'));
  });
  it('CSV with , and LF line ends', async () =>
    expectIntact(await roundTrip(csv({ eol: '\n' }), 'text/csv; charset=utf-8')));
  it('CSV declared and encoded as ISO-8859-1', async () =>
    expectIntact(
      await roundTrip(iconv.encode(csv({ delimiter: ';' }), 'latin1'), 'text/csv; charset=ISO-8859-1'),
    ));
  it('CSV declared and encoded as Windows-1252, gzipped', async () =>
    expectIntact(
      await roundTrip(gzipSync(iconv.encode(csv(), 'win1252')), 'text/csv; charset=windows-1252', {
        'content-encoding': 'gzip',
      }),
    ));
  it('CSV with a quoted newline inside a value', async () => {
    const body = csv().replace('Børnehuset "Ærø" & Co', 'Børnehuset "Ærø" & Co');
    expectIntact(await roundTrip(body, 'text/csv'));
  });

  it('NDJSON with blank lines, CRLF, numbers and booleans as JSON values and keys in any order', async () => {
    const lines = (RECORDS as readonly Rec[]).map((r) => {
      const o: Record<string, unknown> = {};
      for (const f of [...FIELDS].reverse()) {
        const v = r[f];
        if (v === undefined) continue;
        o[f] = f === 'weeklyHours' ? Number(v) : f === 'privateProvider' ? v === 'true' : v;
      }
      return JSON.stringify(o).replace(/ø/g, '\\u00f8');
    });
    expectIntact(await roundTrip(`\r\n${lines.join('\r\n\r\n')}\r\n\n`, 'application/x-ndjson'));
  });
});

describe('intake: hostile deliveries are refused with the right status and change nothing', () => {
  let gw: Gateway;
  let source: string;
  let auditor: string;
  const LIMIT = 8 * 1024 * 1024;

  beforeAll(async () => {
    gw = await startGateway({ GATEWAY_MAX_DELIVERY_BYTES: String(LIMIT) });
    source = (
      await gw.issueToken({ role: 'source', subject: 'sys-a', municipalities: ['*'], datasets: ['*'] })
    ).token;
    auditor = (await gw.issueToken({ role: 'auditor', subject: 'audit' })).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const good = xml();
  const bomb = () => {
    // 200 MiB of one repeated record compresses to a few hundred KiB.
    const unit = Buffer.from(
      `<Enrolment><InstitutionName>${'a'.repeat(1000)}</InstitutionName></Enrolment>\n`,
    );
    return gzipSync(
      Buffer.concat([
        Buffer.from('<Delivery xmlns="urn:flis-gateway:daycare:1">'),
        Buffer.alloc(200 * 1024 * 1024, unit),
      ]),
      { level: 9 },
    );
  };
  const cases: Array<
    [string, () => BodyInit | Uint8Array, number, string, Record<string, string>?, string?]
  > = [
    [
      'entity expansion (billion laughs)',
      () =>
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><InstitutionName>&lol2;</InstitutionName></Enrolment></Delivery>`,
      400,
      'not_well_formed',
    ],
    [
      'external entity',
      () =>
        `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delivery xmlns="urn:flis-gateway:daycare:1"><Enrolment><InstitutionName>&xxe;</InstitutionName></Enrolment></Delivery>`,
      400,
      'not_well_formed',
    ],
    ['truncated document', () => good.slice(0, good.length / 2), 400, 'not_well_formed'],
    ['mismatched tags', () => good.replace('</Cpr>', '</Cpx>'), 400, 'not_well_formed'],
    ['content after the root', () => `${good}<Delivery/>`, 400, 'not_well_formed'],
    [
      'deep nesting',
      () => good.replace('<InstitutionName>', `<InstitutionName>${'<a>'.repeat(200)}${'</a>'.repeat(200)}`),
      400,
      'not_well_formed',
    ],
    // Longer than any field may be by far: refused before the text is held whole.
    ['a huge field', () => good.replace('Børnehuset', 'x'.repeat(2_000_000)), 422, 'unprocessable'],
    ['a field too long', () => good.replace('Børnehuset', 'x'.repeat(300)), 422, 'delivery_rejected'],
    [
      'wrong namespace',
      () => good.replace('urn:flis-gateway:daycare:1', 'urn:flis-gateway:eldercare:1'),
      422,
      'metadata_mismatch',
    ],
    ['invalid CPR date part', () => good.replace('0101215123', '3102215123'), 422, 'delivery_rejected'],
    ['unknown code', () => good.replace('>vuggestue<', '>fritidshjem<'), 422, 'delivery_rejected'],
    [
      'rule violation (endDate before startDate)',
      () => good.replace('2026-07-31', '2021-07-31'),
      422,
      'delivery_rejected',
    ],
    [
      'root municipality disagrees with the request',
      () => good.replace('daycare:1"', 'daycare:1" municipality="147"'),
      422,
      'metadata_mismatch',
    ],
    [
      'invalid UTF-8',
      () =>
        Buffer.concat([
          Buffer.from(good.slice(0, 200)),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from(good.slice(200)),
        ]),
      400,
      'not_well_formed',
    ],
    ['empty body', () => '', 400, 'not_well_formed'],
    ['gzip bomb', bomb, 413, 'payload_too_large', { 'content-encoding': 'gzip' }],
    ['over the size limit', () => Buffer.alloc(LIMIT + 1024, 0x20), 413, 'payload_too_large'],
    [
      'damaged gzip',
      () => gzipSync(good).subarray(0, 40),
      400,
      'not_well_formed',
      { 'content-encoding': 'gzip' },
    ],
    [
      'unsupported content type',
      () => good,
      415,
      'unsupported_media_type',
      { 'content-type': 'application/json' },
    ],
    [
      'unsupported charset',
      () => csv(),
      415,
      'unsupported_media_type',
      { 'content-type': 'text/csv; charset=utf-16' },
    ],
    [
      'CSV missing a required column',
      () => csv({ order: FIELDS.filter((f) => f !== 'careType') }),
      422,
      'unprocessable',
      { 'content-type': 'text/csv' },
    ],
    [
      'CSV with an unclosed quote',
      () => `${csv()}"unterminated,1\r\n`,
      400,
      'not_well_formed',
      { 'content-type': 'text/csv' },
    ],
    [
      'NDJSON with a broken line',
      () => `${JSON.stringify(RECORDS[0])}\n{"cpr": "01012\n`,
      400,
      'not_well_formed',
      { 'content-type': 'application/x-ndjson' },
    ],
    [
      'NDJSON line that is not an object',
      () => `${JSON.stringify(RECORDS[0])}\n[1,2]\n`,
      400,
      'not_well_formed',
      { 'content-type': 'application/x-ndjson' },
    ],
  ];

  it.each(cases)('%s', async (_name, body, status, code, headers, query) => {
    const res = await submit(
      gw,
      source,
      body(),
      query ?? 'dataset=daycare&municipality=101&period=2026-10',
      headers ?? {},
    );
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const p = (await res.json()) as { type: string; detail: string };
    expect(p.type).toBe(`/problems/${code}`);
    expect(p.detail.length).toBeGreaterThan(5);
    // Nothing that was accepted, no extract.
    const accepted = (await (
      await gw.request('/v1/deliveries?status=accepted', { token: auditor })
    ).json()) as { items: unknown[] };
    expect(accepted.items).toEqual([]);
    expect(
      ((await (await gw.request('/v1/extracts', { token: auditor })).json()) as { items: unknown[] }).items,
    ).toEqual([]);
    expect((await gw.request('/health')).status).toBe(200);
  });

  it('names the line and column of XML that is not well-formed', async () => {
    const res = await submit(gw, source, good.replace('</Cpr>', '</Cpx>'));
    const p = (await res.json()) as { line: number; column: number };
    expect(p.line).toBe(4);
    expect(p.column).toBeGreaterThan(0);
  });

  it('names the line of a broken NDJSON line', async () => {
    const res = await submit(gw, source, `${JSON.stringify(RECORDS[0])}\n\n{"cpr": "01012\n`, undefined, {
      'content-type': 'application/x-ndjson',
    });
    expect(((await res.json()) as { line: number }).line).toBe(3);
  });

  it('still takes a good delivery after all that', async () => {
    expect((await submit(gw, source, good)).status).toBe(201);
  });
});

describe('intake: a dataset that accepts the valid records below a threshold', () => {
  let gw: Gateway;
  let dir: string;
  let source: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-policy-'));
    const root = new URL('../..', import.meta.url).pathname;
    await cp(join(root, 'schemas'), join(dir, 'schemas'), { recursive: true });
    const schema = JSON.parse(await readFile(join(dir, 'schemas', 'daycare.json'), 'utf8'));
    schema.policy = { onInvalid: 'accept-valid', maxInvalidShare: 0.1 };
    await writeFile(join(dir, 'schemas', 'daycare.json'), JSON.stringify(schema));
    gw = await startGateway({ GATEWAY_SCHEMAS_DIR: join(dir, 'schemas') });
    source = (
      await gw.issueToken({ role: 'source', subject: 'sys-a', municipalities: ['*'], datasets: ['daycare'] })
    ).token;
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const withInvalid = (n: number, bad: number) => {
    let body = [...syntheticDelivery({ dataset: 'daycare', records: n, format: 'xml', seed: 9 })].join('');
    let replaced = 0;
    body = body.replace(/<WeeklyHours>[^<]*<\/WeeklyHours>/g, (m) =>
      replaced++ < bad ? '<WeeklyHours>99</WeeklyHours>' : m,
    );
    return body;
  };

  it('accepts the valid records, leaves the invalid ones out and reports them', async () => {
    const res = await submit(gw, source, withInvalid(100, 5));
    expect(res.status).toBe(201);
    const d = (await res.json()) as {
      id: string;
      records: { valid: number; invalid: number };
      errorCount: number;
      errorsByRule: Record<string, number>;
      extracts: Array<{ recipient: string; records: number }>;
    };
    expect(d.records).toMatchObject({ valid: 95, invalid: 5 });
    expect(d.errorCount).toBe(5);
    expect(d.errorsByRule).toEqual({ max: 5 });
    expect(d.extracts.find((e) => e.recipient === 'dst')?.records).toBe(95);
    const report = (await (await gw.request(`/v1/deliveries/${d.id}/report`, { token: source })).json()) as {
      issues: Array<{ field: string; rule: string }>;
    };
    expect(report.issues).toHaveLength(5);
    expect(report.issues.every((i) => i.field === 'weeklyHours' && i.rule === 'max')).toBe(true);
  });

  it('rejects the delivery when the invalid share is over the threshold', async () => {
    const res = await submit(
      gw,
      source,
      withInvalid(100, 20),
      'dataset=daycare&municipality=101&period=2026-09',
    );
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errorCount: number; deliveryId: string };
    expect(problem.errorCount).toBe(20);
    const d = (await (
      await gw.request(`/v1/deliveries/${problem.deliveryId}`, { token: source })
    ).json()) as {
      errorsByRule: Record<string, number>;
    };
    expect(d.errorsByRule).toEqual({ max: 20 });
  });
});
