import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadSummary, loadNationalYear, submissionBody } from '../../src/cli/national-load';
import {
  type ExpectedStatus,
  makeNationalYearPlan,
  type NationalYearPlan,
  type PlannedSlot,
  shippedDeadline,
} from '../../src/cli/national-plan';
import { settableClock } from '../../src/core/clock';
import { MUNICIPALITIES } from '../../src/core/municipalities';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway } from '../support/harness';

const DAY = 86_400_000;
const full = makeNationalYearPlan({ year: 2026 });
const endOfDeadline = (slot: PlannedSlot) => Date.parse(`${slot.deadline}T00:00:00Z`) + DAY;

describe('the national year plan', () => {
  it('is the same plan for the same seed, and another for another seed', () => {
    expect(makeNationalYearPlan({ year: 2026 })).toEqual(full);
    expect(JSON.parse(JSON.stringify(full))).toEqual(full);
    const other = makeNationalYearPlan({ year: 2026, seed: 2 });
    expect(other.slots.map((s) => s.expected)).not.toEqual(full.slots.map((s) => s.expected));
  });

  it('has one slot per municipality, month and dataset', () => {
    expect(full.slots).toHaveLength(98 * 12 * 2);
    const keys = new Set(full.slots.map((s) => `${s.dataset}/${s.municipality}/${s.period}`));
    expect(keys.size).toBe(98 * 12 * 2);
    for (const code of MUNICIPALITIES.keys())
      for (const dataset of ['daycare', 'eldercare'])
        for (let m = 1; m <= 12; m++)
          expect(keys.has(`${dataset}/${code}/2026-${String(m).padStart(2, '0')}`)).toBe(true);
  });

  it('counts what its own slots say, counted here again', () => {
    const by = (f: (s: PlannedSlot) => boolean) => full.slots.filter(f).length;
    const subs = full.slots.flatMap((s) => s.submissions);
    for (const status of ['received', 'late', 'missing', 'rejected', 'pending'] as ExpectedStatus[])
      expect(full.counts.expected[status], status).toBe(by((s) => s.expected === status));
    expect(full.counts.anomalies).toBe(by((s) => s.anomaly));
    expect(full.counts.corrected).toBe(
      by((s) => s.submissions.filter((x) => x.outcome === 'accepted').length === 2),
    );
    expect(full.counts.submissions).toBe(subs.length);
    expect(full.counts.accepted).toBe(subs.filter((x) => x.outcome === 'accepted').length);
    expect(full.counts.rejected).toBe(subs.filter((x) => x.outcome === 'rejected').length);
    expect(full.counts.records).toBe(subs.reduce((n, x) => n + x.records, 0));
    // Roughly the shares asked for: 85 % on time, 6 % late, 4 % missing, 3 % rejected, 2 % anomalous.
    const share = (n: number) => n / full.slots.length;
    expect(share(full.counts.expected.received)).toBeGreaterThan(0.8);
    expect(share(full.counts.expected.received)).toBeLessThan(0.92);
    expect(share(full.counts.expected.late)).toBeGreaterThan(0.04);
    expect(share(full.counts.expected.late)).toBeLessThan(0.08);
    expect(share(full.counts.expected.missing)).toBeGreaterThan(0.025);
    expect(share(full.counts.expected.missing)).toBeLessThan(0.06);
    expect(share(full.counts.expected.rejected)).toBeGreaterThan(0.015);
    expect(share(full.counts.expected.rejected)).toBeLessThan(0.045);
    expect(share(full.counts.anomalies)).toBeGreaterThan(0.01);
    expect(share(full.counts.anomalies)).toBeLessThan(0.03);
    expect(full.counts.expected.pending).toBe(0);
    expect(full.counts.corrected).toBeGreaterThan(0);
    expect(by((s) => s.expected !== 'rejected' && s.rejectedAttempts > 0)).toBeGreaterThan(0);
  });

  it('says each slot’s status from its submissions and the deadline, with days to spare either side', () => {
    for (const slot of full.slots) {
      expect(slot.deadline).toBe(shippedDeadline(slot.dataset, slot.period));
      const accepted = slot.submissions.filter((x) => x.outcome === 'accepted');
      const rejected = slot.submissions.filter((x) => x.outcome === 'rejected');
      expect(slot.attempts).toBe(slot.submissions.length);
      expect(slot.rejectedAttempts).toBe(rejected.length);
      const first = accepted[0];
      if (first) {
        const at = Date.parse(first.at);
        expect(slot.expected).toBe(at < endOfDeadline(slot) ? 'received' : 'late');
        // On time by three days or more; late by a week or more.
        if (slot.expected === 'received') expect(endOfDeadline(slot) - at).toBeGreaterThan(3 * DAY);
        else expect(at - endOfDeadline(slot)).toBeGreaterThan(6 * DAY);
        expect(slot.receivedAt).toBe(first.at);
        expect(slot.records).toBe(accepted.at(-1)?.records);
      } else {
        expect(slot.expected).toBe(rejected.length ? 'rejected' : 'missing');
        expect(slot.records).toBeNull();
      }
      // Nothing is sent before the period has ended, and the submissions come in order.
      const periodEnd = Date.UTC(Number(slot.period.slice(0, 4)), Number(slot.period.slice(5, 7)), 1);
      const times = slot.submissions.map((x) => Date.parse(x.at));
      expect(times.every((t) => t >= periodEnd)).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      for (const x of slot.submissions) {
        expect(x.records).toBeGreaterThanOrEqual(5);
        expect(x.records).toBeLessThanOrEqual(64);
        if (x.outcome === 'accepted') expect(x.faults).toEqual([]);
        else expect(x.faults.length).toBeGreaterThan(0);
      }
      const errors: Record<string, number> = {};
      for (const x of rejected) for (const f of x.faults) errors[f.rule] = (errors[f.rule] ?? 0) + 1;
      expect(slot.errorsByRule).toEqual(errors);
    }
  });

  it('flags a jump of more than 20 % against the previous month, and only the planned jumps', () => {
    const series = new Map<string, PlannedSlot[]>();
    for (const s of full.slots)
      series.set(`${s.dataset}/${s.municipality}`, [
        ...(series.get(`${s.dataset}/${s.municipality}`) ?? []),
        s,
      ]);
    for (const months of series.values())
      months.forEach((slot, i) => {
        const previous = i === 0 ? null : (months[i - 1]?.records ?? null);
        expect(slot.previousRecords).toBe(previous);
        const jump =
          slot.records !== null && previous !== null && Math.abs(slot.records / previous - 1) > 0.2;
        expect(slot.anomaly).toBe(jump);
        expect(slot.anomaly).toBe(slot.scenario === 'anomalous');
      });
  });

  it('seen from a day in the year, has nothing after that day and pending slots not yet due', () => {
    const asOf = '2026-07-08T12:00:00.000Z';
    const plan = makeNationalYearPlan({ year: 2026, asOf });
    const subs = plan.slots.flatMap((s) => s.submissions);
    expect(subs.length).toBeGreaterThan(0);
    expect(subs.every((x) => x.at <= asOf)).toBe(true);
    const june = plan.slots.filter((s) => s.period === '2026-06');
    expect(june.some((s) => s.expected === 'pending')).toBe(true);
    for (const s of plan.slots.filter((x) => x.expected === 'pending'))
      expect(Date.parse(asOf)).toBeLessThan(endOfDeadline(s));
    // Before its deadline a slot is never missing.
    for (const s of plan.slots.filter((x) => x.expected === 'missing'))
      expect(Date.parse(asOf)).toBeGreaterThanOrEqual(endOfDeadline(s));
  });

  it('plans the same months for a few municipalities as for all of them', () => {
    const few = makeNationalYearPlan({ year: 2026, municipalities: ['101', '751'], months: 3 });
    const fromFull = full.slots.filter(
      (s) => ['101', '751'].includes(s.municipality) && s.period <= '2026-03',
    );
    expect(few.slots).toEqual(fromFull);
  });

  it('makes each body in the planned format with the planned records', () => {
    const slot = full.slots.find((s) => s.submissions.some((x) => x.format === 'csv')) as PlannedSlot;
    const sub = slot.submissions[0];
    if (!sub) throw new Error('no submission');
    const body = submissionBody(slot, sub);
    expect(body.split('\r\n').filter(Boolean)).toHaveLength(sub.records + 1);
    expect(submissionBody(slot, sub)).toBe(body);
  });
});

/** Five municipalities whose first quarter holds a late, a missing, a rejected, a corrected and an anomalous slot between them. */
function varied(plan: NationalYearPlan): string[] {
  const quarter = plan.slots.filter((s) => s.period <= '2026-03');
  const wanted: Array<(s: PlannedSlot) => boolean> = [
    (s) => s.expected === 'late',
    (s) => s.expected === 'missing',
    (s) => s.expected === 'rejected',
    (s) => s.corrected,
    (s) => s.anomaly,
    (s) => s.expected === 'received' && s.rejectedAttempts > 0,
  ];
  const chosen = new Set<string>(['101']);
  for (const want of wanted) {
    if (quarter.some((s) => chosen.has(s.municipality) && want(s))) continue;
    const hit = quarter.find(want);
    if (hit) chosen.add(hit.municipality);
  }
  for (const code of MUNICIPALITIES.keys()) if (chosen.size < 5) chosen.add(code);
  return [...chosen];
}

interface DeliveryItem {
  id: string;
  dataset: string;
  municipality: string;
  period: string;
  status: string;
  receivedAt: string;
  records: { total: number; valid: number; invalid: number } | null;
}

describe('a quarter of the plan loaded into the memory gateway', () => {
  const clock = settableClock(new Date('2026-01-01T00:00:00Z'));
  let gw: MemoryGateway;
  let plan: NationalYearPlan;
  let summary: LoadSummary;
  const deliveries: DeliveryItem[] = [];

  beforeAll(async () => {
    gw = await startMemoryGateway({}, { now: clock.now });
    plan = makeNationalYearPlan({ year: 2026, municipalities: varied(full), months: 3 });
    summary = await loadNationalYear(
      { request: gw.request, adminToken: ADMIN_TOKEN, setTime: clock.set },
      plan,
    );
    let cursor: string | null = null;
    do {
      const res = await gw.request(`/v1/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
        token: ADMIN_TOKEN,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: DeliveryItem[]; next: string | null };
      deliveries.push(...page.items);
      cursor = page.next;
    } while (cursor);
  }, 120_000);
  afterAll(() => gw?.close());

  it('answers every submission as planned: 201 accepted, 422 rejected', () => {
    expect(plan.counts.rejected).toBeGreaterThan(0);
    expect(summary.unexpected).toEqual([]);
    expect(summary.submissions).toBe(plan.counts.submissions);
    expect(summary.accepted).toBe(plan.counts.accepted);
    expect(summary.rejected).toBe(plan.counts.rejected);
    expect(clock.now().toISOString()).toBe(plan.asOf);
  });

  it('lists each planned submission in GET /v1/deliveries as accepted or rejected, received at its planned instant', () => {
    expect(deliveries).toHaveLength(plan.counts.submissions);
    for (const slot of plan.slots) {
      const mine = deliveries
        .filter(
          (d) =>
            d.dataset === slot.dataset && d.municipality === slot.municipality && d.period === slot.period,
        )
        .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
      expect(mine.map((d) => [d.status, d.receivedAt, d.records?.total, d.records?.invalid])).toEqual(
        slot.submissions.map((x) => [
          x.outcome,
          x.at,
          x.records,
          new Set(x.faults.map((f) => f.record)).size,
        ]),
      );
    }
  });

  it('reports each rejected attempt’s errors by the rules the plan names', async () => {
    for (const slot of plan.slots.filter((s) => s.rejectedAttempts > 0)) {
      const byRule: Record<string, number> = {};
      for (const l of summary.loaded.filter(
        (x) =>
          x.outcome === 'rejected' &&
          x.dataset === slot.dataset &&
          x.municipality === slot.municipality &&
          x.period === slot.period,
      )) {
        const res = await gw.request(`/v1/deliveries/${l.delivery}/report`, { token: ADMIN_TOKEN });
        expect(res.status).toBe(200);
        const report = (await res.json()) as { issues: Array<{ rule: string }> };
        for (const i of report.issues) byRule[i.rule] = (byRule[i.rule] ?? 0) + 1;
      }
      expect(byRule).toEqual(slot.errorsByRule);
    }
  });
});
