import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids';
import { buildRun, type SlotStatusItem } from '../../src/core/run-report';
import type { RunTrigger } from '../../src/core/vocabulary';
import type { MetadataStore } from '../../src/stores/metadata-store';

/** The monthly runs part of the MetadataStore contract (called from metadata-store.ts). */
export function runsContract(store: () => MetadataStore): void {
  describe('monthly runs', () => {
    /** A period no other test uses (the store does not read periods, it keys by them). */
    const period = () => `${randomInt(3000, 9999)}-${String(randomInt(1, 13)).padStart(2, '0')}`;

    const item = (over: Partial<SlotStatusItem>): SlotStatusItem => ({
      dataset: 'daycare',
      municipality: '101',
      period: '2026-09',
      deadline: '2026-10-14',
      status: 'received',
      delivery: newId('dlv'),
      receivedAt: '2026-10-02T08:00:00.000Z',
      attempts: 1,
      rejectedAttempts: 0,
      records: 1200,
      previousRecords: 1000,
      change: 0.2,
      anomaly: false,
      errorsByRule: {},
      ...over,
    });

    const built = (p: string, trigger: RunTrigger = 'scheduled') =>
      buildRun({ id: newId('run'), period: p, trigger, ranAt: '2026-10-15T01:07:00.000Z', actor: 'test' }, [
        item({ period: p }),
        item({ period: p, dataset: 'eldercare', status: 'late', anomaly: true, change: -0.4 }),
        item({
          period: p,
          municipality: '147',
          status: 'rejected',
          delivery: null,
          receivedAt: null,
          records: null,
          change: null,
          attempts: 2,
          rejectedAttempts: 2,
          errorsByRule: { 'cpr-format': 3, 'date-range': 1 },
        }),
        item({ period: p, municipality: '147', dataset: 'eldercare', status: 'missing', delivery: null }),
      ]);

    const audit = (r: ReturnType<typeof built>) => [
      {
        actor: 'test',
        action: 'run.completed' as const,
        subject: r.run.id,
        details: { period: r.run.period },
      },
    ];

    it('stores a run with its counts, summary and reports, and reads each back as written', async () => {
      const r = built(period());
      const stored = await store().createRun(r, audit(r));
      expect(stored).toEqual(r.run);
      expect(stored?.counts).toEqual({
        slots: 4,
        received: 1,
        late: 1,
        missing: 1,
        pending: 0,
        rejected: 1,
        anomalies: 1,
      });
      expect(await store().getRun(r.run.id)).toEqual(r.run);
      // Byte for byte: the same text in the same key order as written.
      expect(JSON.stringify(await store().getRunSummary(r.run.id))).toBe(JSON.stringify(r.summary));
      for (const report of r.reports)
        expect(JSON.stringify(await store().getRunReport(r.run.id, report.municipality))).toBe(
          JSON.stringify(report),
        );
      expect(await store().getRunReport(r.run.id, '151')).toBeNull();
      expect(await store().getRun(newId('run'))).toBeNull();
      expect(await store().getRunSummary(newId('run'))).toBeNull();
    });

    it('writes run.completed in the same transaction', async () => {
      const r = built(period());
      await store().createRun(r, audit(r));
      const events = await store().listAudit({ action: 'run.completed', subject: r.run.id }, null, 10);
      expect(events.items.map((e) => e.details)).toEqual([{ period: r.run.period }]);
    });

    it('keeps one scheduled run per period; manual runs are always new and keep the old', async () => {
      const p = period();
      const first = built(p);
      expect(await store().createRun(first, audit(first))).not.toBeNull();
      const second = built(p);
      expect(await store().createRun(second, audit(second))).toBeNull();
      expect(await store().getRun(second.run.id)).toBeNull();
      expect((await store().listAudit({ subject: second.run.id }, null, 10)).items).toEqual([]);
      const manual1 = built(p, 'manual');
      const manual2 = built(p, 'manual');
      expect(await store().createRun(manual1, audit(manual1))).not.toBeNull();
      expect(await store().createRun(manual2, audit(manual2))).not.toBeNull();
      const all = await store().listRuns({ period: p }, null, 10);
      // Newest first.
      expect(all.items.map((r) => r.id)).toEqual([manual2.run.id, manual1.run.id, first.run.id]);
      const scheduled = await store().listRuns({ period: p, trigger: 'scheduled' }, null, 10);
      expect(scheduled.items.map((r) => r.id)).toEqual([first.run.id]);
    });

    it('lets one of several scheduled runs of a period made at the same moment through', async () => {
      const p = period();
      const runs = Array.from({ length: 4 }, () => built(p));
      const results = await Promise.all(runs.map((r) => store().createRun(r, audit(r))));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await store().listRuns({ period: p }, null, 10)).items).toHaveLength(1);
    });

    it('pages runs newest first', async () => {
      const p = period();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = built(p, 'manual');
        await store().createRun(r, audit(r));
        ids.unshift(r.run.id);
      }
      const one = await store().listRuns({ period: p }, null, 2);
      expect(one.items.map((r) => r.id)).toEqual(ids.slice(0, 2));
      expect(one.next).not.toBeNull();
      const two = await store().listRuns({ period: p }, one.next, 2);
      expect(two.items.map((r) => r.id)).toEqual(ids.slice(2));
      expect(two.next).toBeNull();
    });
  });
}
