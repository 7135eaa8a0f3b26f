import type { ValidationIssue } from '../../core/validator';
import type { Page } from '../metadata-store';
import type { SqlExecutor } from './client';
import { decodeCursor, page } from './query';
import { readIssue } from './rows';

/** Stores a delivery's issues in order, in batches of 500 rows. */
export async function insertIssues(
  tx: SqlExecutor,
  deliveryId: string,
  issues: ValidationIssue[],
): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < issues.length; i += chunk) {
    const part = issues.slice(i, i + chunk);
    const params: unknown[] = [];
    const values = part.map((issue, j) => {
      params.push(
        deliveryId,
        i + j + 1,
        issue.record || null,
        issue.line ?? null,
        issue.field ?? null,
        issue.rule,
        issue.message,
      );
      const b = j * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await tx.query(
      `INSERT INTO delivery_issues (delivery_id, seq, record, line, field, rule, message) VALUES ${values.join(', ')}`,
      params,
    );
  }
}

export async function listIssues(
  db: SqlExecutor,
  deliveryId: string,
  cursor: string | null,
  limit: number,
): Promise<Page<ValidationIssue>> {
  const after = Number(decodeCursor(cursor) ?? 0);
  const rows = await db.query(
    'SELECT * FROM delivery_issues WHERE delivery_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [deliveryId, after, limit + 1],
  );
  const p = page(rows.map(readIssue), limit, (x) => x.seq);
  return { items: p.items.map((x) => x.issue), next: p.next };
}
