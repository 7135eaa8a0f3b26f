import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain';
import { newId } from '../../src/core/ids';
import type { MetadataStore, RevalidationResult } from '../../src/stores/metadata-store';

/**
 * The re-validation part of the MetadataStore contract: runs claimed by one node with a lease,
 * resumed by another after it expires, one result per delivery, the latest per slot.
 * Called from metadataStoreContract with the suite's store and a helper that accepts deliveries.
 */
export function revalidationStoreContract(
  store: () => MetadataStore,
  accept: (s: { dataset: string; municipality: string; period: string }) => Promise<{ id: string }>,
): void {
  describe('re-validation', () => {
    const tag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
    const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 0, minutes)).toISOString();

    const queue = async (dataset: string, version = 2, requestedAt = at(0)) =>
      store().createRevalidation(
        { id: newId('rvl'), dataset, datasetVersion: version, requestedBy: 'tok_admin', requestedAt },
        {
          actor: 'tok_admin',
          action: 'dataset.revalidation_requested',
          subject: dataset,
          details: { version },
        },
      );

    const result = (
      d: { id: string },
      s: { dataset: string; municipality: string; period: string },
      over: Partial<RevalidationResult> = {},
    ) => ({
      deliveryId: d.id,
      dataset: s.dataset,
      municipality: s.municipality,
      period: s.period,
      deliveryVersion: 1,
      outcome: 'checked' as const,
      records: { total: 5, valid: 3, invalid: 2 },
      errorsByRule: { code: 2, maxLength: 1 },
      problem: null,
      checkedAt: at(2),
      ...over,
    });

    it('queues a run with its audit event, and lists a dataset runs newest first', async () => {
      const dataset = tag('ds');
      const first = await queue(dataset);
      const second = await queue(dataset);
      expect(first).toMatchObject({
        dataset,
        datasetVersion: 2,
        status: 'queued',
        requestedBy: 'tok_admin',
        requestedAt: at(0),
        startedAt: null,
        finishedAt: null,
        total: null,
        checked: 0,
        nowFailing: 0,
        missing: 0,
        error: null,
      });
      expect(await store().getRevalidation(first.id)).toEqual(first);
      expect(await store().getRevalidation(newId('rvl'))).toBeNull();
      const page1 = await store().listRevalidations(dataset, null, 1);
      expect(page1.items.map((r) => r.id)).toEqual([second.id]);
      const page2 = await store().listRevalidations(dataset, page1.next, 1);
      expect(page2.items.map((r) => r.id)).toEqual([first.id]);
      expect(page2.next).toBeNull();
      const audit = await store().listAudit({ subject: dataset }, null, 10);
      expect(audit.items.map((e) => [e.action, e.details.run])).toEqual([
        ['dataset.revalidation_requested', first.id],
        ['dataset.revalidation_requested', second.id],
      ]);
    });

    it('lets one node of several claim a run, and only at the version it holds', async () => {
      const dataset = tag('ds');
      const run = await queue(dataset, 3);
      expect(
        await store().claimRevalidation(at(1), at(3), 'wrong-version', [{ dataset, version: 2 }]),
      ).toBeNull();
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((c) => store().claimRevalidation(at(1), at(3), c, [{ dataset, version: 3 }])),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id: run.id, status: 'running', startedAt: at(1) });
      // Held until the lease ends.
      expect(await store().claimRevalidation(at(2), at(4), 'd', [{ dataset, version: 3 }])).toBeNull();
    });

    it('resumes a run whose node died: the next claimant skips what was checked, the old claim counts no more', async () => {
      const dataset = tag('ds');
      const s1 = { dataset, municipality: '101', period: '2026-01' };
      const s2 = { dataset, municipality: '147', period: '2026-01' };
      const d1 = await accept(s1);
      const d2 = await accept(s2);
      const run = await queue(dataset);
      const versions = [{ dataset, version: 2 }];
      expect(await store().claimRevalidation(at(1), at(3), 'first', versions)).not.toBeNull();
      expect(
        await store().recordRevalidationResult(run.id, {
          claim: 'first',
          leaseUntil: at(4),
          total: 2,
          result: result(d1, s1),
        }),
      ).toBe(true);
      expect(await store().renewRevalidation(run.id, 'first', at(5))).toBe(true);
      // The first node stops answering; its lease runs out at 00:05.
      expect(await store().claimRevalidation(at(4), at(8), 'second', versions)).toBeNull();
      const taken = await store().claimRevalidation(at(5), at(8), 'second', versions);
      expect(taken).toMatchObject({ id: run.id, status: 'running', startedAt: at(1), checked: 1, total: 2 });
      // The first node wakes up: nothing it says is kept.
      expect(
        await store().recordRevalidationResult(run.id, {
          claim: 'first',
          leaseUntil: at(9),
          total: 2,
          result: result(d2, s2),
        }),
      ).toBe(false);
      expect(await store().renewRevalidation(run.id, 'first', at(9))).toBe(false);
      expect(
        await store().finishRevalidation({
          id: run.id,
          claim: 'first',
          status: 'done',
          at: at(6),
          error: null,
          actor: 'gateway',
        }),
      ).toBeNull();
      // What was checked is there to skip; a delivery recorded twice is counted once.
      const checked = await store().listRevalidationResults(run.id, null, 10);
      expect(checked.items.map((r) => r.deliveryId)).toEqual([d1.id]);
      expect(checked.items[0]).toEqual({ ...result(d1, s1), runId: run.id, datasetVersion: 2 });
      for (const r of [
        result(d1, s1),
        result(d2, s2, { outcome: 'missing', records: null, errorsByRule: {} }),
      ])
        expect(
          await store().recordRevalidationResult(run.id, {
            claim: 'second',
            leaseUntil: at(9),
            total: 2,
            result: r,
          }),
        ).toBe(true);
      const done = await store().finishRevalidation({
        id: run.id,
        claim: 'second',
        status: 'done',
        at: at(7),
        error: null,
        actor: 'gateway',
      });
      expect(done).toMatchObject({
        status: 'done',
        finishedAt: at(7),
        total: 2,
        checked: 2,
        nowFailing: 1,
        missing: 1,
      });
      // Ended runs are claimed by no one.
      expect(await store().claimRevalidation(at(60), at(70), 'third', versions)).toBeNull();
      const page1 = await store().listRevalidationResults(run.id, null, 1);
      const page2 = await store().listRevalidationResults(run.id, page1.next, 1);
      expect([...page1.items, ...page2.items].map((r) => r.deliveryId)).toEqual([d1.id, d2.id].sort());
      expect(page2.items[0]?.records ?? null).toBeNull();
      const audit = await store().listAudit({ subject: dataset, action: 'dataset.revalidated' }, null, 10);
      expect(audit.items.map((e) => e.details)).toEqual([
        { run: run.id, version: 2, status: 'done', checked: 2, nowFailing: 1, missing: 1 },
      ]);
      const head = await store().auditHead();
      expect((await verifyChain(store().iterateAudit(), head)).valid).toBe(true);
    });

    it("gives per slot the latest result of the slot's current delivery", async () => {
      const dataset = tag('ds');
      const jan = { dataset, municipality: '101', period: '2026-01' };
      const feb = { dataset, municipality: '101', period: '2026-02' };
      const other = { dataset, municipality: '147', period: '2026-01' };
      const dJan = await accept(jan);
      const dFeb = await accept(feb);
      const dOther = await accept(other);
      const versions = [{ dataset, version: 2 }];
      const work = async (results: Array<ReturnType<typeof result>>, minute: number) => {
        const run = await queue(dataset, 2, at(minute));
        const claim = tag('claim');
        expect(await store().claimRevalidation(at(minute), at(minute + 1), claim, versions)).not.toBeNull();
        for (const r of results)
          await store().recordRevalidationResult(run.id, {
            claim,
            leaseUntil: at(minute + 1),
            total: 3,
            result: r,
          });
        await store().finishRevalidation({
          id: run.id,
          claim,
          status: 'done',
          at: at(minute),
          error: null,
          actor: 'x',
        });
        return run;
      };
      await work([result(dJan, jan, { checkedAt: at(10) }), result(dFeb, feb, { checkedAt: at(10) })], 10);
      const later = await work(
        [
          result(dJan, jan, {
            checkedAt: at(20),
            records: { total: 5, valid: 5, invalid: 0 },
            errorsByRule: {},
          }),
        ],
        20,
      );
      await work([result(dOther, other, { checkedAt: at(30) })], 30);
      const mine = await store().revalidationFor({ dataset, municipality: '101' });
      expect(mine.map((r) => [r.period, r.runId, r.records?.invalid])).toEqual([
        ['2026-01', later.id, 0],
        ['2026-02', expect.any(String), 2],
      ]);
      expect(
        (await store().revalidationFor({ dataset, periods: ['2026-01'] })).map((r) => r.municipality),
      ).toEqual(['101', '147']);
      // A newer delivery in the slot was checked at its intake: the old result no longer counts.
      await accept(feb);
      expect((await store().revalidationFor({ dataset, municipality: '101' })).map((r) => r.period)).toEqual([
        '2026-01',
      ]);
    });

    it('queues one run when a dataset version changes, none for the first version or the same one', async () => {
      const dataset = tag('ds');
      const v = (version: number, sha: string) => ({ id: dataset, version, sha256: sha.repeat(64) });
      const next = () => ({ id: newId('rvl'), requestedBy: 'gateway' });
      expect(await store().recordDatasetVersion(v(1, 'a'), at(0), next())).toEqual({
        previousVersion: null,
        run: null,
      });
      expect(await store().recordDatasetVersion(v(1, 'a'), at(1), next())).toEqual({
        previousVersion: 1,
        run: null,
      });
      // Several nodes start with version 2 at once: one run.
      const started = await Promise.all(
        [1, 2, 3].map(() => store().recordDatasetVersion(v(2, 'b'), at(2), next())),
      );
      const runs = started.flatMap((s) => (s.run ? [s.run] : []));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ dataset, datasetVersion: 2, status: 'queued', requestedBy: 'gateway' });
      expect((await store().listRevalidations(dataset, null, 10)).items).toHaveLength(1);
      const audit = await store().listAudit({ subject: dataset }, null, 10);
      expect(audit.items.map((e) => [e.action, e.details])).toEqual([
        [
          'dataset.revalidation_requested',
          { run: runs[0]?.id, version: 2, previousVersion: 1, reason: 'version-changed' },
        ],
      ]);
    });
  });
}
