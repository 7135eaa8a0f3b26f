import type { MetadataStore } from '../metadata-store';
import type { SqlExecutor } from './client';
import { columns } from './columns';

/** Counts for monitoring: deliveries by dataset and status, extracts by recipient and status, pushes by status. */
export async function statistics(db: SqlExecutor): ReturnType<MetadataStore['statistics']> {
  const [deliveries, extracts, pushes] = await Promise.all([
    db.query(
      `SELECT dataset, status, count(*) AS n, coalesce(sum(records_total), 0) AS records, coalesce(sum(bytes), 0) AS bytes
         FROM deliveries GROUP BY dataset, status ORDER BY dataset, status`,
    ),
    db.query(
      'SELECT recipient, status, count(*) AS n FROM extracts GROUP BY recipient, status ORDER BY recipient, status',
    ),
    db.query('SELECT status, count(*) AS n FROM pushes GROUP BY status ORDER BY status'),
  ]);
  return {
    deliveries: deliveries.map((r) => {
      const c = columns('deliveries', r);
      return {
        dataset: c.text('dataset'),
        status: c.text('status'),
        count: c.integer('n'),
        records: c.integer('records'),
        bytes: c.integer('bytes'),
      };
    }),
    extracts: extracts.map((r) => {
      const c = columns('extracts', r);
      return { recipient: c.text('recipient'), status: c.text('status'), count: c.integer('n') };
    }),
    pushes: pushes.map((r) => {
      const c = columns('pushes', r);
      return { status: c.text('status'), count: c.integer('n') };
    }),
  };
}
