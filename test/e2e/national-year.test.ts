/**
 * A national year loaded end to end (98 municipalities × 12 months × daycare and eldercare, with
 * late, missing, rejected, corrected and anomalous slots): what GET /v1/status, /v1/quality, the
 * monthly runs and the consolidation report answer is held to the plan, counted here again from
 * the plan's submissions, not from the plan's own summary. Then tokens are issued and revoked,
 * and nothing a municipality sees changes.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadSummary, loadNationalYear } from '../../src/cli/national-load';
import { makeNationalYearPlan, type NationalYearPlan, type PlannedSlot } from '../../src/cli/national-plan';
import { settableClock } from '../../src/core/clock';
import { runPurge } from '../../src/jobs/purge';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway } from '../support/harness';

interface StatusItem {
  dataset: string;
  municipality: string;
  period: string;
  deadline: string;
  status: string;
  delivery: string | null;
  receivedAt: string | null;
  attempts: number;
  rejectedAttempts: number;
  records: number | null;
  previousRecords: number | null;
  anomaly: boolean;
  errorsByRule: Record<string, number>;
}

const MONTHS = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`);
/** Extracts made per accepted delivery: the shipped profiles of each dataset. */
const PROFILES = { daycare: 4, eldercare: 3 } as const;

/** What the plan says of a slot, worked out here from its submissions alone. */
function expectedOf(slot: PlannedSlot) {
  const accepted = slot.submissions.filter((s) => s.outcome === 'accepted');
  const latest = slot.submissions.at(-1);
  const errorsByRule: Record<string, number> = {};
  if (latest?.outcome === 'rejected')
    for (const f of latest.faults) errorsByRule[f.rule] = (errorsByRule[f.rule] ?? 0) + 1;
  const first = accepted[0];
  const onTime = first && Date.parse(first.at) < Date.parse(`${slot.deadline}T22:00:00Z`);
  return {
    status: first ? (onTime ? 'received' : 'late') : latest ? 'rejected' : 'missing',
    records: accepted.at(-1)?.records ?? null,
    receivedAt: accepted.at(-1)?.at ?? null,
    attempts: slot.submissions.length,
    rejectedAttempts: slot.submissions.length - accepted.length,
    errorsByRule,
  };
}

describe('a national year, loaded', () => {
  const clock = settableClock(new Date('2026-01-01T00:00:00Z'));
  let gw: MemoryGateway;
  let plan: NationalYearPlan;
  let summary: LoadSummary;
  const slotOf = new Map<string, PlannedSlot>();
  const key = (dataset: string, municipality: string, period: string) =>
    `${dataset}/${municipality}/${period}`;

  const get = async <T>(path: string, token = ADMIN_TOKEN): Promise<T> => {
    const res = await gw.request(path, { token });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const statusOf = (period: string, token = ADMIN_TOKEN) =>
    get<{ items: StatusItem[]; summary: Record<string, number> }>(`/v1/status?period=${period}`, token);

  beforeAll(async () => {
    plan = makeNationalYearPlan({ year: 2026 });
    for (const s of plan.slots) slotOf.set(key(s.dataset, s.municipality, s.period), s);
    gw = await startMemoryGateway({}, { now: clock.now });
    summary = await loadNationalYear(
      { request: gw.request, adminToken: ADMIN_TOKEN, setTime: clock.set },
      plan,
    );
  }, 1_800_000);
  afterAll(() => gw?.close());

  it('took every submission as planned', () => {
    expect(summary.unexpected).toEqual([]);
    expect(summary.submissions).toBe(plan.slots.reduce((n, s) => n + s.submissions.length, 0));
  });

  it('gives every obligated slot of every month the status, records and attempts the plan says', async () => {
    let compared = 0;
    const seen = new Set<string>();
    for (const period of MONTHS) {
      const { items, summary: counts } = await statusOf(period);
      expect(items).toHaveLength(98 * 2);
      const tally: Record<string, number> = {};
      for (const item of items) {
        const slot = slotOf.get(key(item.dataset, item.municipality, item.period));
        if (!slot) throw new Error(`no planned slot ${item.dataset}/${item.municipality}/${period}`);
        const want = expectedOf(slot);
        const where = `${item.dataset}/${item.municipality}/${period}`;
        expect(item.deadline, where).toBe(slot.deadline);
        expect(item.status, where).toBe(want.status);
        expect(item.records, where).toBe(want.records);
        expect(item.receivedAt, where).toBe(want.receivedAt);
        expect(item.attempts, where).toBe(want.attempts);
        expect(item.rejectedAttempts, where).toBe(want.rejectedAttempts);
        expect(item.errorsByRule, where).toEqual(want.errorsByRule);
        expect(item.anomaly, where).toBe(slot.anomaly);
        tally[item.status] = (tally[item.status] ?? 0) + 1;
        seen.add(where);
        compared++;
      }
      for (const [status, n] of Object.entries(tally)) expect(counts[status], `${period} ${status}`).toBe(n);
    }
    expect(compared).toBe(98 * 2 * 12);
    expect(seen.size).toBe(compared);
    // The year shows every kind of slot.
    const all = plan.slots.map(expectedOf);
    for (const status of ['received', 'late', 'missing', 'rejected'])
      expect(all.filter((s) => s.status === status).length, status).toBeGreaterThan(0);
  });

  it('gives a municipality its quality over the year: records, change and anomalies as planned', async () => {
    for (const dataset of ['daycare', 'eldercare'] as const)
      for (const municipality of ['101', '147', '851']) {
        const q = await get<{
          items: Array<{
            period: string;
            records: number | null;
            previousRecords: number | null;
            anomaly: boolean;
          }>;
        }>(`/v1/quality?dataset=${dataset}&municipality=${municipality}&from=2026-01&to=2026-12`);
        expect(q.items.map((i) => i.period)).toEqual(MONTHS);
        for (const item of q.items) {
          const slot = slotOf.get(key(dataset, municipality, item.period)) as PlannedSlot;
          expect(item.records, `${dataset}/${municipality}/${item.period}`).toBe(expectedOf(slot).records);
          if (item.period !== '2026-01') expect(item.anomaly).toBe(slot.anomaly);
        }
      }
  });

  it('makes a month’s run whose counts are the plan’s, and a municipality’s report that matches its status', async () => {
    const period = '2026-06';
    const res = await gw.request('/v1/runs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ period }),
    });
    expect(res.status).toBe(202);
    const run = (await res.json()) as Record<string, number | string>;
    const slots = plan.slots.filter((s) => s.period === period);
    const count = (status: string) => slots.filter((s) => expectedOf(s).status === status).length;
    expect(run).toMatchObject({
      period,
      municipalities: 98,
      missing: count('missing'),
      late: count('late'),
      rejected: count('rejected'),
      anomalies: slots.filter((s) => s.anomaly).length,
    });
    const report = await get<{
      datasets: Array<{ dataset: string; status: string; records: number | null }>;
    }>(`/v1/runs/${run.id}/municipalities/101`);
    for (const d of report.datasets) {
      const want = expectedOf(slotOf.get(key(d.dataset, '101', period)) as PlannedSlot);
      expect(d).toMatchObject({ status: want.status, records: want.records });
    }
  });

  it('counts each municipality’s accepted deliveries, the extracts made and the parallel deliveries avoided', async () => {
    const c = await get<{
      items: Array<{ municipality: string; deliveries: number; extracts: number; avoided: number }>;
      total: { deliveries: number; extracts: number; avoided: number };
    }>('/v1/reports/consolidation?from=2026-01&to=2026-12');
    const want = new Map<string, { deliveries: number; extracts: number }>();
    for (const s of plan.slots) {
      const accepted = s.submissions.filter((x) => x.outcome === 'accepted').length;
      const w = want.get(s.municipality) ?? { deliveries: 0, extracts: 0 };
      w.deliveries += accepted;
      w.extracts += accepted * PROFILES[s.dataset];
      want.set(s.municipality, w);
    }
    expect(c.items).toHaveLength(98);
    for (const item of c.items) {
      const w = want.get(item.municipality);
      expect(item, item.municipality).toEqual({
        municipality: item.municipality,
        deliveries: w?.deliveries,
        extracts: w?.extracts,
        avoided: (w?.extracts ?? 0) - (w?.deliveries ?? 0),
      });
    }
    const deliveries = [...want.values()].reduce((n, w) => n + w.deliveries, 0);
    const extracts = [...want.values()].reduce((n, w) => n + w.extracts, 0);
    expect(c.total).toEqual({ deliveries, extracts, avoided: extracts - deliveries });
  });

  it('answers the same status and run report before and after tokens are issued and revoked', async () => {
    const period = '2026-03';
    const before = await statusOf(period);
    const run = (await (
      await gw.request('/v1/runs', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ period }),
      })
    ).json()) as { id: string };
    const reportBefore = await (
      await gw.request(`/v1/runs/${run.id}/municipalities/147`, { token: ADMIN_TOKEN })
    ).text();

    // A new source for 147 and a municipality token, then every source token of the year revoked.
    const issue = async (body: object) => {
      const res = await gw.request('/v1/admin/tokens', {
        method: 'POST',
        token: ADMIN_TOKEN,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; token: string };
    };
    await issue({ role: 'source', subject: 'new-vendor', municipalities: ['147'], datasets: ['daycare'] });
    const staff = await issue({ role: 'municipality', subject: 'kbh-bi', municipalities: ['101'] });
    const { items: tokens } = await get<{ items: Array<{ id: string; subject: string }> }>(
      '/v1/admin/tokens',
    );
    for (const t of tokens.filter((x) => x.subject.startsWith('source-')))
      expect(
        (await gw.request(`/v1/admin/tokens/${t.id}`, { method: 'DELETE', token: ADMIN_TOKEN })).status,
      ).toBe(204);

    expect(await statusOf(period)).toEqual(before);
    const reportAfter = await (
      await gw.request(`/v1/runs/${run.id}/municipalities/147`, { token: ADMIN_TOKEN })
    ).text();
    expect(reportAfter).toBe(reportBefore);
    // The municipality's staff see their municipality's slots, exactly as the admin does.
    const mine = await statusOf(period, staff.token);
    expect(mine.items).toEqual(before.items.filter((i) => i.municipality === '101'));
    // Its run report, its quality and its consolidation figures; no other municipality's.
    expect((await gw.request(`/v1/runs/${run.id}/municipalities/101`, { token: staff.token })).status).toBe(
      200,
    );
    expect((await gw.request(`/v1/runs/${run.id}/municipalities/147`, { token: staff.token })).status).toBe(
      404,
    );
    const cons = await get<{ items: Array<{ municipality: string }> }>(
      '/v1/reports/consolidation?from=2026-01&to=2026-12',
      staff.token,
    );
    expect(cons.items.map((i) => i.municipality)).toEqual(['101']);
    const quality = await get<{ items: Array<{ municipality: string }> }>(
      '/v1/quality?dataset=daycare&from=2026-03&to=2026-03',
      staff.token,
    );
    expect(quality.items.map((i) => i.municipality)).toEqual(['101']);
    // Never a payload or an extract.
    expect((await gw.request('/v1/extracts', { token: staff.token })).status).toBe(403);
  });

  it('purges on a national year exactly what the retention rules say, and the chain and receipts still verify', async () => {
    // The rules, as a dataset and a profile would carry them: daycare's superseded originals
    // 30 days after the correction; the dst extracts of daycare 200 days after they were made.
    const DAY = 86_400_000;
    const { catalogue } = gw.services;
    const withRules = {
      datasets: new Map(
        [...catalogue.datasets].map(([id, c]) => [
          id,
          id === 'daycare'
            ? { ...c, dataset: { ...c.dataset, retention: { supersededOriginalsDays: 30 } } }
            : c,
        ]),
      ),
      profiles: new Map(
        [...catalogue.profiles].map(([id, list]) => [
          id,
          list.map((cp) =>
            cp.profile.id === 'daycare/dst'
              ? { ...cp, profile: { ...cp.profile, retention: { extractsDays: 200 } } }
              : cp,
          ),
        ]),
      ),
    };
    const now = Date.parse('2026-12-15T12:00:00Z');
    clock.set(new Date(now));
    // Counted from the plan: an accepted daycare submission followed by another accepted one
    // (its correction) at least 30 days ago; a daycare acceptance at least 200 days ago.
    let originals = 0;
    let extracts = 0;
    for (const slot of plan.slots.filter((s) => s.dataset === 'daycare')) {
      const accepted = slot.submissions.filter((x) => x.outcome === 'accepted');
      accepted.forEach((a, i) => {
        const next = accepted[i + 1];
        if (next && Date.parse(next.at) + 30 * DAY <= now) originals++;
        if (Date.parse(a.at) + 200 * DAY <= now) extracts++;
      });
    }
    expect(originals).toBeGreaterThan(10);
    expect(extracts).toBeGreaterThan(100);
    const deps = {
      catalogue: withRules,
      metadata: gw.services.metadata,
      objects: gw.services.objects,
      now: clock.now,
    };
    const purged = await runPurge(deps as never);
    expect(purged.originals).toHaveLength(originals);
    expect(purged.extracts).toHaveLength(extracts);
    for (const id of purged.originals.slice(0, 20))
      expect(await gw.services.objects.stat(`deliveries/${id}/original`)).toBeNull();
    // Nothing more on a second run; the chain verifies; a purged delivery's receipt still verifies.
    expect(await runPurge(deps as never)).toEqual({ originals: [], extracts: [] });
    expect((await get<{ valid: boolean }>('/v1/audit/verify')).valid).toBe(true);
    const jwks = createLocalJWKSet(await (await gw.request('/.well-known/jwks.json')).json());
    const d = await gw.services.metadata.getDelivery(purged.originals[0] as string);
    await expect(jwtVerify(d?.receipt as string, jwks)).resolves.toBeDefined();
  }, 600_000);
});
