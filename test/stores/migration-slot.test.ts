import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../../src/stores/sql/client';
import { MIGRATIONS } from '../../src/stores/sql/migrations';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { readDelivery } from '../../src/stores/sql/rows';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';

/** Migration 7 on a database that already holds deliveries from before the slot lost its source. */
describe('migration 7: the slot without its source', () => {
  let db: SqlClient;

  beforeAll(async () => {
    db = await createPgliteClient();
    for (const m of MIGRATIONS.filter((x) => x.version < 7)) await db.exec(m.sql);
    const insert = (id: string, source: string, period: string) =>
      db.query(
        `INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type, received_at, error_count)
         VALUES ($1, 'daycare', 1, '101', $2, $3, 'tok_x', 'rejected', 'application/xml', '2026-11-01T00:00:00Z', 2)`,
        [id, period, source],
      );
    // Inserted out of order: the numbers follow the ids (the order received), not the insertion.
    await insert('dlv_03', 'sys-a', '2026-10');
    await insert('dlv_01', 'sys-a', '2026-10');
    await insert('dlv_02', 'sys-b', '2026-10');
    await insert('dlv_04', 'sys-b', '2026-09');
    const m7 = MIGRATIONS.find((x) => x.version === 7);
    if (!m7) throw new Error('no migration 7');
    await db.exec(m7.sql);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('numbers the deliveries already stored per slot, whoever sent them, in the order received', async () => {
    const rows = (await db.query('SELECT * FROM deliveries ORDER BY id')).map(readDelivery);
    expect(rows.map((d) => [d.id, d.sequence])).toEqual([
      ['dlv_01', 1],
      ['dlv_02', 2],
      ['dlv_03', 3],
      ['dlv_04', 1],
    ]);
    // Their counts by rule were not kept: {} (errorCount stays as it was).
    expect(rows.map((d) => d.errorsByRule)).toEqual([{}, {}, {}, {}]);
    expect(rows.map((d) => d.errorCount)).toEqual([2, 2, 2, 2]);
  });

  it('refuses a second delivery with a number its slot already has', async () => {
    await expect(
      db.query(
        `INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type, received_at, slot_seq)
         VALUES ('dlv_05', 'daycare', 1, '101', '2026-10', 'sys-c', 'tok_x', 'receiving', 'application/xml', now(), 2)`,
      ),
    ).rejects.toThrow();
  });

  it('a delivery created after it takes the slot’s next number', async () => {
    const store = createSqlMetadataStore(db);
    const d = await store.createDelivery({
      id: 'dlv_06',
      dataset: 'daycare',
      datasetVersion: 1,
      municipality: '101',
      period: '2026-10',
      source: 'sys-c',
      actor: 'tok_x',
      contentType: 'application/xml',
      idempotencyKey: null,
      receivedAt: '2026-11-02T00:00:00.000Z',
    });
    expect(d.sequence).toBe(4);
  });
});
