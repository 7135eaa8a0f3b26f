import type { Page } from '../metadata-store';

/** A page cursor: the sort key of the last item shown, as opaque URL-safe text. */
export function encodeCursor(v: string | number): string {
  return btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The sort key a cursor holds; null for none or for a cursor the store did not make. */
export function decodeCursor(c: string | null): string | number | null {
  if (!c) return null;
  try {
    const v = JSON.parse(atob(c.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof v === 'string' || typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

/** Cuts the one row fetched beyond the limit and makes the cursor from the last one shown. */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string | number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, next: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/**
 * A SELECT built from conditions that apply only when a filter has a value. Each condition is
 * written with `?` for its value (every `?` stands for the same value); the builder numbers the
 * parameters.
 */
export class Select {
  private readonly conds: string[] = [];
  readonly params: unknown[] = [];

  constructor(private readonly from: string) {}

  /** Adds the condition when the value is given (neither undefined nor empty text). */
  where(sql: string, value: unknown): this {
    if (value === undefined || value === '') return this;
    this.params.push(value);
    this.conds.push(sql.replaceAll('?', `$${this.params.length}`));
    return this;
  }

  /** Adds the condition with no value. */
  whereSql(sql: string): this {
    this.conds.push(sql);
    return this;
  }

  /** Keyset paging: rows after the cursor's key in the order of `column`, one more than the limit. */
  page(
    column: string,
    direction: 'asc' | 'desc',
    cursor: string | null,
    limit: number,
    numeric = false,
  ): string {
    const after = decodeCursor(cursor);
    if (after !== null)
      this.where(`${column} ${direction === 'asc' ? '>' : '<'} ?`, numeric ? Number(after) : String(after));
    this.params.push(limit + 1);
    return `${this.sql()} ORDER BY ${column} ${direction.toUpperCase()} LIMIT $${this.params.length}`;
  }

  sql(): string {
    return `SELECT * FROM ${this.from}${this.conds.length ? ` WHERE ${this.conds.join(' AND ')}` : ''}`;
  }
}
