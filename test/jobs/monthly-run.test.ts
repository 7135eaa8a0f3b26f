import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock';
import type { SlotStatusItem, SlotStatusSource } from '../../src/core/run-report';
import { type RunDeps, runDueRuns as runDue } from '../../src/jobs/monthly-run';
import { monthsDue } from '../../src/pipeline/run-source';
import { loadCatalogue } from '../../src/runtime/node-services';
import type { MetadataStore } from '../../src/stores/metadata-store';
import { createPgClient } from '../../src/stores/sql/pg-client';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';
import { createTestDatabase, postgresAvailable } from '../support/postgres';

const at =
  (iso: string): Clock =>
  () =>
    new Date(iso);

/** Two municipalities, one missing: what the status computation would answer for a month. */
const statuses =
  (calls: string[]): SlotStatusSource =>
  async (period) => {
    calls.push(period);
    const base = {
      dataset: 'daycare',
      period,
      deadline: '2026-10-14',
      attempts: 1,
      rejectedAttempts: 0,
      previousRecords: null,
      change: null,
      anomaly: false,
      errorsByRule: {},
    };
    return [
      { ...base, municipality: '101', status: 'received', delivery: 'dlv_x', receivedAt: null, records: 10 },
      { ...base, municipality: '147', status: 'missing', delivery: null, receivedAt: null, records: null },
    ] satisfies SlotStatusItem[];
  };

const due = monthsDue(loadCatalogue({}, undefined, { offline: true }));
/** The scheduler's job with the shipped obligations' deadlines. */
const runDueRuns = (deps: RunDeps) => runDue(deps, due);

describe('when a monthly run is due (the shipped obligations: daycare 10 working days, eldercare the 14th)', () => {
  it('is the latest month whose every monthly deadline has passed, in Danish time', () => {
    // September 2026: daycare due 14 October (10 working days), eldercare 14 October.
    expect(due(new Date('2026-10-14T21:59:59Z'))).toEqual(['2026-08']);
    expect(due(new Date('2026-10-14T22:00:00Z'))).toEqual(['2026-09']);
    // December 2026: Christmas and New Year move daycare's deadline to 15 January 2027.
    expect(due(new Date('2027-01-15T12:00:00Z'))).toEqual(['2026-11']);
    expect(due(new Date('2027-01-16T12:00:00Z'))).toEqual(['2026-12']);
  });
});

describe('the scheduled monthly run on the embedded database', () => {
  let metadata: MetadataStore;
  beforeAll(async () => {
    metadata = createSqlMetadataStore(await createPgliteClient());
    await metadata.migrate();
  });
  afterAll(async () => {
    await metadata.close();
  });

  it('makes the due period its run once, however often and however many at once call it', async () => {
    const calls: string[] = [];
    const deps: RunDeps = { metadata, now: at('2026-10-15T01:07:00Z'), slotStatuses: statuses(calls) };
    const results = await Promise.all([runDueRuns(deps), runDueRuns(deps), runDueRuns(deps)]);
    expect(results.flatMap((r) => r.made)).toHaveLength(1);
    const again = await runDueRuns({ ...deps, now: at('2026-10-15T02:07:00Z') });
    expect(again.made).toEqual([]);
    const runs = await metadata.listRuns({ period: '2026-09' }, null, 10);
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({
      period: '2026-09',
      trigger: 'scheduled',
      ranAt: '2026-10-15T01:07:00.000Z',
      municipalities: 2,
      counts: { slots: 2, received: 1, missing: 1 },
    });
    // One audit event for the one run.
    const events = await metadata.listAudit({ action: 'run.completed' }, null, 10);
    expect(events.items.map((e) => e.subject)).toEqual([runs.items[0]?.id]);
    expect(events.items[0]?.details).toMatchObject({ period: '2026-09', trigger: 'scheduled', missing: 1 });
    // And one obligation.missing for the one slot missing, with the run, once however many nodes ran.
    const missing = await metadata.listAudit({ action: 'obligation.missing' }, null, 10);
    expect(missing.items.map((e) => [e.subject, e.details])).toEqual([
      [
        'daycare/147/2026-09',
        {
          dataset: 'daycare',
          municipality: '147',
          period: '2026-09',
          deadline: '2026-10-14',
          run: runs.items[0]?.id,
        },
      ],
    ]);
  });

  it('stores no scheduled run for a period without obligated slots, so a later one can be made', async () => {
    const deps: RunDeps = { metadata, now: at('2026-12-15T01:07:00Z'), slotStatuses: async () => [] };
    expect((await runDueRuns(deps)).made).toEqual([]);
    expect((await metadata.listRuns({ period: '2026-11' }, null, 10)).items).toEqual([]);
    const later = await runDueRuns({ ...deps, slotStatuses: statuses([]) });
    expect(later.made.map((r) => r.period)).toEqual(['2026-11']);
  });

  it('runs nothing before a deadline has passed', async () => {
    const calls: string[] = [];
    const made = await runDue(
      { metadata, now: at('2026-10-15T01:07:00Z'), slotStatuses: statuses(calls) },
      () => [],
    );
    expect(made.made).toEqual([]);
    expect(calls).toEqual([]);
  });
});

const pgAvailable = await postgresAvailable('the two-node monthly run on PostgreSQL');

describe.skipIf(!pgAvailable)('the scheduled monthly run on two nodes sharing PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: MetadataStore;
  let b: MetadataStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = createSqlMetadataStore(createPgClient(db.url, 3));
    b = createSqlMetadataStore(createPgClient(db.url, 3));
    await Promise.all([a.migrate(), b.migrate()]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it('two nodes calling the job at the same moment make one run', async () => {
    const now = at('2026-11-16T03:07:00Z');
    const [ra, rb] = await Promise.all([
      runDueRuns({ metadata: a, now, slotStatuses: statuses([]) }),
      runDueRuns({ metadata: b, now, slotStatuses: statuses([]) }),
    ]);
    expect(ra.made.length + rb.made.length).toBe(1);
    expect((await a.listRuns({ period: '2026-10' }, null, 10)).items).toHaveLength(1);
    expect((await b.listRuns({ period: '2026-10' }, null, 10)).items).toHaveLength(1);
  });
});
