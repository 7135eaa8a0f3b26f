import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../../src/stores/sql/client';
import { MIGRATIONS } from '../../src/stores/sql/migrations';
import { createPgliteClient } from '../../src/stores/sql/pglite-client';
import { readExtract } from '../../src/stores/sql/rows';

/** Migration 13 on a database that already holds corrections: lineage filled in both ways. */
describe('migration 13: extract lineage', () => {
  let db: SqlClient;

  beforeAll(async () => {
    db = await createPgliteClient();
    for (const m of MIGRATIONS.filter((x) => x.version < 13)) await db.exec(m.sql);
    for (const d of ['dlv_1', 'dlv_2', 'dlv_3'])
      await db.query(
        `INSERT INTO deliveries (id, dataset, dataset_version, municipality, period, source, actor, status, content_type, received_at, error_count, slot_seq)
         VALUES ($1, 'daycare', 1, '101', '2026-10', 'sys', 'tok_x', 'accepted', 'application/xml', '2026-11-01T00:00:00Z', 0, $2)`,
        [d, Number(d.slice(-1))],
      );
    const extract = (
      id: string,
      delivery: string,
      status: string,
      replaces: string | null,
      recipient = 'dst',
    ) =>
      db.query(
        `INSERT INTO extracts (id, delivery_id, recipient, dataset, municipality, period, status, records, sha256, bytes, format,
         content_type, file_name, object_key, profile_id, profile_version, profile_sha256, metadata, replaces, created_at)
         VALUES ($1, $2, $3, 'daycare', '101', '2026-10', $4, 1, 'x', 1, 'xml', 'application/xml', 'f.xml', $1, 'daycare/dst', 1, 'y', '{}', $5, now())`,
        [id, delivery, recipient, status, replaces],
      );
    await extract('ext_a', 'dlv_1', 'superseded', null);
    await extract('ext_b', 'dlv_2', 'superseded', 'ext_a');
    await extract('ext_c', 'dlv_3', 'available', 'ext_b');
    await extract('ext_s', 'dlv_1', 'superseded', null, 'stuk');
    const m13 = MIGRATIONS.find((x) => x.version === 13);
    if (!m13) throw new Error('no migration 13');
    await db.exec(m13.sql);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('gives each extract made before it its successor and its version', async () => {
    const rows = (await db.query('SELECT * FROM extracts ORDER BY id')).map(readExtract);
    expect(rows.map((e) => [e.id, e.version, e.replaces, e.replacedBy, e.overdueAt])).toEqual([
      ['ext_a', 1, null, 'ext_b', null],
      ['ext_b', 2, 'ext_a', 'ext_c', null],
      ['ext_c', 3, 'ext_b', null, null],
      ['ext_s', 1, null, null, null],
    ]);
  });
});
