import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { settableClock } from '../../src/core/clock';
import { runPurge } from '../../src/jobs/purge';
import { ADMIN_TOKEN, type Gateway, startGateway, submit } from '../support/harness';

const ROOT = new URL('../..', import.meta.url).pathname;
const DAY = 86_400_000;
const T0 = Date.parse('2026-10-02T08:00:00.000Z');

interface Accepted {
  id: string;
  receipt: string;
  extracts: Array<{ id: string; recipient: string }>;
}

/**
 * Retention as data: daycare keeps a superseded original 7 days and every original 400 (a
 * rejected delivery's bytes are never kept); the dst profile keeps its extracts 30 days and a superseded one 7. What a purge
 * deletes is counted here from the deliveries themselves, not from what the job reports.
 */
describe('retention and the purge', () => {
  let dir: string;
  let gw: Gateway;
  const clock = settableClock(new Date(T0));
  const at = (days: number) => clock.set(new Date(T0 + days * DAY));
  let source: string;
  const made: Record<string, Accepted> = {};
  const purge = () =>
    runPurge({
      catalogue: gw.services.catalogue,
      metadata: gw.services.metadata,
      objects: gw.services.objects,
      now: gw.services.now,
    });
  const readers: Record<string, string> = {};
  const content = async (d: Accepted, recipient: string) =>
    (await gw.request(`/v1/extracts/${extractOf(d, recipient)}/content`, { token: readers[recipient] }))
      .status;
  const extractOf = (d: Accepted, recipient: string) =>
    d.extracts.find((e) => e.recipient === recipient)?.id as string;
  const originalKept = async (id: string) =>
    (await gw.services.objects.stat(`deliveries/${id}/original`)) !== null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-retention-'));
    await cp(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
    await cp(join(ROOT, 'deliveries'), join(dir, 'deliveries'), { recursive: true });
    const edit = async (file: string, retention: object) => {
      const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      await writeFile(file, JSON.stringify({ ...json, retention }, null, 2));
    };
    await edit(join(dir, 'schemas', 'daycare.json'), { originalsDays: 400, supersededOriginalsDays: 7 });
    await edit(join(dir, 'deliveries', 'daycare', 'dst.json'), {
      extractsDays: 30,
      supersededExtractsDays: 7,
    });
    gw = await startGateway(
      { GATEWAY_SCHEMAS_DIR: join(dir, 'schemas'), GATEWAY_DELIVERIES_DIR: join(dir, 'deliveries') },
      { now: clock.now },
    );
    for (const r of ['dst', 'flis', 'stuk'])
      readers[r] = (await gw.issueToken({ role: 'recipient', subject: r, recipient: r })).token;
    source = (
      await gw.issueToken({
        role: 'source',
        subject: 's',
        municipalities: ['101', '147', '151'],
        datasets: ['daycare'],
      })
    ).token;
    const send = async (name: string, municipality: string, seed: number, bad = false) => {
      let xml = [...syntheticDelivery({ dataset: 'daycare', records: 8, format: 'xml', seed })].join('');
      if (bad) xml = xml.replace(/<WeeklyHours>[^<]*</, '<WeeklyHours>75<');
      const res = await submit(
        gw,
        source,
        xml,
        `dataset=daycare&municipality=${municipality}&period=2026-09`,
      );
      const body = (await res.json()) as Accepted & { deliveryId?: string };
      made[name] = { ...body, id: body.id ?? (body.deliveryId as string) };
    };
    at(0);
    await send('a', '101', 1);
    await send('b', '147', 2);
    at(1);
    await send('a2', '101', 3); // supersedes a
    await send('c', '151', 4, true); // rejected
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the rules in the processing register', async () => {
    const { items } = (await (
      await gw.request('/v1/processing-register', { token: ADMIN_TOKEN })
    ).json()) as {
      items: Array<{ profile: string; retention: unknown }>;
    };
    expect(items.find((e) => e.profile === 'daycare/dst')?.retention).toEqual({
      extractsDays: 30,
      supersededExtractsDays: 7,
      originalsDays: 400,
      supersededOriginalsDays: 7,
    });
    expect(items.find((e) => e.profile === 'daycare/flis')?.retention).toMatchObject({
      extractsDays: null,
      originalsDays: 400,
    });
    expect(items.find((e) => e.profile === 'eldercare/dst')?.retention).toBeNull();
  });

  it('keeps everything while the rules allow it', async () => {
    at(7.5);
    // a was superseded 6.5 days ago: not yet. c was rejected: its bytes were never kept.
    expect(await purge()).toEqual({ originals: [], extracts: [] });
    for (const d of ['a', 'b', 'a2']) expect(await originalKept(made[d]?.id as string), d).toBe(true);
    expect(await originalKept(made.c?.id as string)).toBe(false);
  });

  it('deletes the superseded original and the superseded extract, exactly, and keeps their metadata', async () => {
    at(8.5);
    const first = await purge();
    // Counted from the deliveries: a, superseded by a2 more than 7 days ago; nothing else.
    expect(first.originals).toEqual([made.a?.id]);
    // Only dst has a rule: a's dst extract, superseded by a2 7.5 days ago.
    expect(first.extracts).toEqual([extractOf(made.a as Accepted, 'dst')]);
    for (const [d, kept] of [
      ['a', false],
      ['b', true],
      ['a2', true],
    ] as const)
      expect(await originalKept(made[d]?.id as string), d).toBe(kept);
    expect(await content(made.a as Accepted, 'dst')).toBe(410);
    expect(await content(made.a as Accepted, 'flis')).toBe(200);
    expect(await content(made.a2 as Accepted, 'dst')).toBe(200);
    // Metadata and hashes stay: the delivery says when its original went.
    const a = (await gw.services.metadata.getDelivery(made.a?.id as string)) as {
      originalPurgedAt: string;
      sha256: string;
    };
    expect(a.originalPurgedAt).toBe(new Date(T0 + 8.5 * DAY).toISOString());
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const view = (await (
      await gw.request(`/v1/deliveries/${made.a?.id}`, { token: ADMIN_TOKEN })
    ).json()) as {
      originalPurgedAt: string | null;
    };
    expect(view.originalPurgedAt).toBe(a.originalPurgedAt);
    // A second run (or a second node) deletes nothing more and writes no event twice.
    expect(await purge()).toEqual({ originals: [], extracts: [] });
    const audit = (await (await gw.request('/v1/audit?limit=500', { token: ADMIN_TOKEN })).json()) as {
      items: Array<{ action: string; subject: string; details: { rule?: string } }>;
    };
    const purged = audit.items.filter((e) => e.action.endsWith('purged'));
    expect(purged.map((e) => [e.action, e.subject]).sort()).toEqual(
      [
        ['delivery.original_purged', made.a?.id],
        ['extract.purged', extractOf(made.a as Accepted, 'dst')],
      ].sort(),
    );
    expect(purged.find((e) => e.subject === made.a?.id)?.details.rule).toBe(
      'daycare.retention.supersededOriginalsDays = 7',
    );
  });

  it('after 30 days deletes every dst extract, and the audit chain and the receipts still verify', async () => {
    at(31.5);
    const r = await purge();
    expect(r.originals).toEqual([]);
    expect(r.extracts.sort()).toEqual(
      [extractOf(made.b as Accepted, 'dst'), extractOf(made.a2 as Accepted, 'dst')].sort(),
    );
    expect(await content(made.a2 as Accepted, 'dst')).toBe(410);
    expect(await content(made.a2 as Accepted, 'stuk')).toBe(200);
    expect(
      ((await (await gw.request('/v1/audit/verify', { token: ADMIN_TOKEN })).json()) as { valid: boolean })
        .valid,
    ).toBe(true);
    const jwks = createLocalJWKSet(await (await gw.request('/.well-known/jwks.json')).json());
    for (const d of ['a', 'a2', 'b'])
      await expect(jwtVerify(made[d]?.receipt as string, jwks)).resolves.toBeDefined();
  });
});
