import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { raiseOverdue } from '../../src/jobs/overdue';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

const admin = ADMIN_TOKEN;

interface Extract {
  id: string;
  delivery: string;
  municipality: string;
  period: string;
  status: string;
  fileName: string;
  version: number;
  replaces: string | null;
  replacedBy: string | null;
  partial: boolean;
  overdue: boolean;
  acknowledgement: { status: string; reason: string | null; at: string | null } | null;
  acknowledgementDueAt: string | null;
}

interface Delivery {
  id: string;
  partial: boolean;
  receipt: string;
  extracts: Array<Extract & { recipient: string }>;
}

/** A daycare delivery of `valid` valid records and `invalid` invalid ones. */
const daycare = (valid: number, invalid = 0, seed = valid) => {
  let replaced = 0;
  return [...syntheticDelivery({ dataset: 'daycare', records: valid + invalid, format: 'xml', seed })]
    .join('')
    .replace(/<WeeklyHours>[^<]*<\/WeeklyHours>/g, (m) =>
      replaced++ < invalid ? '<WeeklyHours>99</WeeklyHours>' : m,
    );
};

/**
 * Issue 15: a Statistics Denmark intake engineer picks up every new extract, knows which earlier
 * file each replaces and whether records were left out; the source sees what the recipient said.
 */
describe('corrections as a recipient sees them', () => {
  let gw: MemoryGateway;
  let dir: string;
  let source: string;
  let dst: string;
  let flis: string;
  const sent: Record<string, Delivery> = {};

  const send = async (key: string, municipality: string, period: string, body: string) => {
    const res = await submit(
      gw,
      source,
      body,
      `dataset=daycare&municipality=${municipality}&period=${period}`,
    );
    expect(res.status, await res.clone().text()).toBe(201);
    sent[key] = (await res.json()) as Delivery;
  };
  const list = async (query: string, token = dst) => {
    const res = await gw.request(`/v1/extracts?${query}`, { token });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Extract[] }).items;
  };
  const extractOf = (key: string, recipient: string) =>
    sent[key]?.extracts.find((e) => e.recipient === recipient) as Extract;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-corrections-'));
    const root = new URL('../..', import.meta.url).pathname;
    await cp(join(root, 'schemas'), join(dir, 'schemas'), { recursive: true });
    const schema = JSON.parse(await readFile(join(dir, 'schemas', 'daycare.json'), 'utf8'));
    schema.policy = { onInvalid: 'accept-valid', maxInvalidShare: 0.1 };
    await writeFile(join(dir, 'schemas', 'daycare.json'), JSON.stringify(schema));
    gw = await startMemoryGateway({ GATEWAY_SCHEMAS_DIR: join(dir, 'schemas') });
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys',
        municipalities: ['101', '147'],
        datasets: ['daycare'],
      })
    ).token;
    dst = (await gw.issueToken({ role: 'recipient', subject: 'dst-intake', recipient: 'dst' })).token;
    flis = (await gw.issueToken({ role: 'recipient', subject: 'flis-intake', recipient: 'flis' })).token;
    await send('oct101', '101', '2026-10', daycare(20));
    await send('sep147', '147', '2026-09', daycare(21));
    await send('oct147', '147', '2026-10', daycare(22));
    // Two corrections of 147's October; the second drops 2 invalid records of 40.
    await send('oct147b', '147', '2026-10', daycare(23));
    await send('oct147c', '147', '2026-10', daycare(38, 2));
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists by municipality and period, current extracts only by default', async () => {
    const oct147 = await list('municipality=147&period=2026-10');
    expect(oct147.map((e) => e.id)).toEqual([extractOf('oct147c', 'dst').id]);
    expect((await list('municipality=147')).map((e) => e.period).sort()).toEqual(['2026-09', '2026-10']);
    expect((await list('period=2026-10')).map((e) => e.municipality).sort()).toEqual(['101', '147']);
    expect(await list('municipality=461')).toEqual([]);
  });

  it('lists replaced ones too with current=false', async () => {
    const all = await list('municipality=147&period=2026-10&current=false');
    expect(all.map((e) => e.id)).toEqual(['oct147', 'oct147b', 'oct147c'].map((k) => extractOf(k, 'dst').id));
    expect(all.map((e) => e.status)).toEqual(['superseded', 'superseded', 'available']);
    expect(await list('status=superseded&municipality=147&period=2026-10')).toHaveLength(2);
    expect(await list('status=superseded&municipality=147&period=2026-10&current=true')).toEqual([]);
    // Naming the delivery lists its extracts, current or not.
    expect((await list(`delivery=${sent.oct147?.id}`)).map((e) => e.id)).toEqual([
      extractOf('oct147', 'dst').id,
    ]);
    const bad = await gw.request('/v1/extracts?current=all', { token: dst });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('names lineage both ways, with versions and file names that tell a correction', async () => {
    const chain = await Promise.all(
      ['oct147', 'oct147b', 'oct147c'].map(async (k) => {
        const res = await gw.request(`/v1/extracts/${extractOf(k, 'flis').id}`, { token: flis });
        return { body: (await res.json()) as Extract, link: res.headers.get('link') };
      }),
    );
    const ids = chain.map((c) => c.body.id);
    expect(chain.map((c) => c.body.version)).toEqual([1, 2, 3]);
    expect(chain.map((c) => c.body.replaces)).toEqual([null, ids[0], ids[1]]);
    expect(chain.map((c) => c.body.replacedBy)).toEqual([ids[1], ids[2], null]);
    expect(chain.map((c) => c.body.fileName)).toEqual([
      'flis-dagtilbud-147-2026-10.ndjson',
      'flis-dagtilbud-147-2026-10-v2.ndjson',
      'flis-dagtilbud-147-2026-10-v3.ndjson',
    ]);
    expect(chain[0]?.link).toBe(`</v1/extracts/${ids[1]}>; rel="successor-version"`);
    expect(chain[1]?.link).toBe(
      `</v1/extracts/${ids[2]}>; rel="successor-version", </v1/extracts/${ids[0]}>; rel="predecessor-version"`,
    );
    expect(chain[2]?.link).toBe(`</v1/extracts/${ids[1]}>; rel="predecessor-version"`);
  });

  it('still serves a superseded extract, pointing to its successor', async () => {
    const old = extractOf('oct147', 'dst');
    const res = await gw.request(`/v1/extracts/${old.id}/content`, { token: dst });
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toBe(
      `</v1/extracts/${extractOf('oct147b', 'dst').id}>; rel="successor-version"`,
    );
    expect((await res.text()).length).toBeGreaterThan(0);
  });

  it('says partial where a recipient looks: the delivery, the extract and the signed receipt', async () => {
    expect(sent.oct147c?.partial).toBe(true);
    expect(sent.oct147b?.partial).toBe(false);
    const [current] = await list('municipality=147&period=2026-10');
    expect(current?.partial).toBe(true);
    expect((await list('municipality=101'))[0]?.partial).toBe(false);
    const jwks = createLocalJWKSet(await (await gw.request('/.well-known/jwks.json')).json());
    const { payload } = await jwtVerify(sent.oct147c?.receipt as string, jwks);
    expect(payload.partial).toBe(true);
    expect((payload.records as { invalid: number }).invalid).toBe(2);
    expect((await jwtVerify(sent.oct147b?.receipt as string, jwks)).payload.partial).toBe(false);
  });

  it('shows the source each acknowledgement with its reason and time, and what is overdue', async () => {
    const ext = extractOf('oct101', 'dst');
    const at = new Date('2026-11-02T09:30:00Z');
    gw.services.now = () => at;
    const refused = await gw.request(`/v1/extracts/${ext.id}/receipts`, {
      method: 'POST',
      token: dst,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'refused', reason: 'Column WeeklyHours is empty for every child' }),
    });
    expect(refused.status).toBe(201);
    // Far past every acknowledgement's due time: the ones not given are overdue.
    gw.services.now = () => new Date('2030-01-01T00:00:00Z');
    const seen = (await (
      await gw.request(`/v1/deliveries/${sent.oct101?.id}`, { token: source })
    ).json()) as Delivery;
    const dstSeen = seen.extracts.find((e) => e.recipient === 'dst');
    expect(dstSeen?.acknowledgement).toEqual({
      status: 'refused',
      reason: 'Column WeeklyHours is empty for every child',
      at: at.toISOString(),
    });
    expect(dstSeen?.overdue).toBe(false);
    const stukSeen = seen.extracts.find((e) => e.recipient === 'stuk');
    expect(stukSeen?.acknowledgement).toBeNull();
    expect(stukSeen?.acknowledgementDueAt).not.toBeNull();
    expect(stukSeen?.overdue).toBe(true);
    // flis asks for no acknowledgement: nothing is due.
    expect(seen.extracts.find((e) => e.recipient === 'flis')?.overdue).toBe(false);
    // A superseded extract owes no word.
    const old = (await (
      await gw.request(`/v1/deliveries/${sent.oct147?.id}`, { token: source })
    ).json()) as Delivery;
    expect(old.extracts.every((e) => !e.overdue)).toBe(true);

    // The overdue job raises extract.overdue once per extract, for the ones the views call overdue.
    const job = { metadata: gw.services.metadata, now: gw.services.now };
    const raised = (await raiseOverdue(job)).overdue.map((e) => e.id).sort();
    const overdueNow = (await list('current=false', admin)).filter((e) => e.overdue).map((e) => e.id);
    expect(raised).toEqual(overdueNow.sort());
    expect(raised).toContain(stukSeen?.id);
    expect(raised).not.toContain(dstSeen?.id);
    expect((await raiseOverdue(job)).overdue).toEqual([]);
    const events = (await (
      await gw.request(`/v1/audit?action=extract.overdue&limit=500`, { token: admin })
    ).json()) as { items: Array<{ subject: string }> };
    expect(events.items.map((e) => e.subject).sort()).toEqual(raised);
    gw.services.now = () => new Date();
  });
});
