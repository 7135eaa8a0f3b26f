import { unzipSync } from 'fflate';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway, submit } from '../support/harness';

/**
 * Values pass through unchanged or are refused. The one normalisation the daycare schema
 * declares (`"whitespace": "trim"`) removes spaces, tabs, CRs and LFs at either end; nothing
 * else about a value changes between the delivery and any extract.
 */
describe('values arrive as they were sent, or the delivery is refused', () => {
  let gw: Gateway;
  let source: string;
  beforeAll(async () => {
    gw = await startGateway();
    source = (
      await gw.issueToken({ role: 'source', subject: 'v', municipalities: ['101'], datasets: ['daycare'] })
    ).token;
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
  });

  const header = 'cpr,institutionId,institutionName,careType,startDate,weeklyHours,privateProvider';
  const csv = (name: string) =>
    `${header}\r\n0101215123,1234567890,"${name.replace(/"/g, '""')}",vuggestue,2026-01-05,30,false\r\n`;

  const deliverAndRead = async (name: string, period: string) => {
    const res = await submit(gw, source, csv(name), `dataset=daycare&municipality=101&period=${period}`, {
      'content-type': 'text/csv',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const d = (await res.json()) as { extracts: Array<{ id: string; recipient: string }> };
    const out: Record<string, Uint8Array> = {};
    for (const e of d.extracts) {
      const t = (await gw.issueToken({ role: 'recipient', subject: e.recipient, recipient: e.recipient }))
        .token;
      out[e.recipient] = new Uint8Array(
        await (await gw.request(`/v1/extracts/${e.id}/content`, { token: t })).arrayBuffer(),
      );
    }
    return out;
  };
  /** The text of every element with this local name, as an XML reader sees it. */
  const xmlTexts = (xml: string, local: string) => {
    const p = new SaxesParser({ xmlns: true });
    const found: string[] = [];
    let inside = false;
    let text = '';
    p.on('opentag', (t) => {
      if (t.local === local) {
        inside = true;
        text = '';
      }
    });
    p.on('text', (t) => {
      if (inside) text += t;
    });
    p.on('closetag', (t) => {
      if (t.local === local) {
        inside = false;
        found.push(text);
      }
    });
    p.write(xml).close();
    return found;
  };

  it('a leading no-break space, a CR inside and every other character reach dst, flis and the archival version unchanged', async () => {
    const name = '\u00A0Børne\rhuset  «Solsikken» \u2028 🌻';
    const out = await deliverAndRead(`  ${name}\t`, '2026-10');
    expect(xmlTexts(Buffer.from(out.dst as Uint8Array).toString('utf8'), 'InstitutionNavn')).toEqual([name]);
    const flis = Buffer.from(out.flis as Uint8Array)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(flis[0].institutionName).toBe(name);
    const zip = unzipSync(out.rigsarkivet as Uint8Array);
    const table = Object.entries(zip).find(([k]) => /table1\.xml$/.test(k))?.[1];
    expect(table).toBeDefined();
    expect(Buffer.from(table as Uint8Array).toString('utf8')).toContain('Børne');
  }, 30_000);

  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', '\u0007'],
    ['U+FFFF', '\uFFFF'],
  ])(
    '%s in a text field is refused with rule "character", not dropped from one extract and kept in another',
    async (_what, ch) => {
      const res = await submit(
        gw,
        source,
        csv(`Børne${ch}huset`),
        'dataset=daycare&municipality=101&period=2026-09',
        {
          'content-type': 'text/csv',
        },
      );
      expect(res.status).toBe(422);
      const p = (await res.json()) as { errors: Array<{ field: string; rule: string; message: string }> };
      expect(p.errors).toEqual([expect.objectContaining({ field: 'institutionName', rule: 'character' })]);
    },
  );

  it('a lone surrogate sent as a JSON escape is refused the same way', async () => {
    const line = JSON.stringify({
      cpr: '0101215123',
      institutionId: '1234567890',
      careType: 'vuggestue',
      startDate: '2026-01-05',
      weeklyHours: 30,
      privateProvider: false,
    }).replace('}', ',"institutionName":"Nord\\ud83c"}');
    const res = await submit(gw, source, `${line}\n`, 'dataset=daycare&municipality=101&period=2026-08', {
      'content-type': 'application/x-ndjson',
    });
    expect(res.status).toBe(422);
    const p = (await res.json()) as { errors: Array<{ rule: string; message: string }> };
    expect(p.errors[0]).toMatchObject({ rule: 'character' });
    expect(p.errors[0]?.message).toContain('lone surrogate');
  });
});
