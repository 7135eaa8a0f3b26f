import type { SlotFactQuery, SlotFactRecord } from '../records';
import type { SqlExecutor } from './client';
import { columns } from './columns';
import { readErrorsByRule } from './rows';

/**
 * The accepted and rejected deliveries of one dataset's slots for some periods, with their
 * extract counts when asked, in one query (the `deliveries_slot` index leads with the dataset;
 * `extracts_delivery` finds a delivery's extracts).
 */
export async function listSlotFacts(db: SqlExecutor, q: SlotFactQuery): Promise<SlotFactRecord[]> {
  if (q.periods.length === 0 || q.municipalities?.length === 0) return [];
  const params: unknown[] = [q.dataset, JSON.stringify(q.periods)];
  let scope = '';
  if (q.municipalities) {
    params.push(JSON.stringify(q.municipalities));
    scope = 'AND d.municipality IN (SELECT jsonb_array_elements_text($3::jsonb))';
  }
  const rows = await db.query(
    `SELECT d.id, d.municipality, d.period, d.source, d.status, d.received_at,
            d.records_total, d.records_valid, d.records_invalid, d.errors_by_rule,
            ${q.countExtracts ? '(SELECT count(*) FROM extracts e WHERE e.delivery_id = d.id)' : 'NULL'} AS extracts
       FROM deliveries d
      WHERE d.dataset = $1 AND d.period IN (SELECT jsonb_array_elements_text($2::jsonb))
        AND d.status IN ('accepted', 'rejected') ${scope}
      ORDER BY d.id`,
    params,
  );
  return rows.map((r) => {
    const c = columns('deliveries', r);
    const total = c.optInteger('records_total');
    return {
      id: c.text('id'),
      municipality: c.text('municipality'),
      period: c.text('period'),
      source: c.text('source'),
      status: c.oneOf('status', ['accepted', 'rejected'] as const),
      receivedAt: c.timestamp('received_at'),
      records:
        total === null
          ? null
          : {
              total,
              valid: c.optInteger('records_valid') ?? 0,
              invalid: c.optInteger('records_invalid') ?? 0,
            },
      errorsByRule: readErrorsByRule(r),
      extracts: c.optInteger('extracts'),
    };
  });
}
