import type { Page } from './records';

/** A page cursor: the sort key of the last item shown, as opaque URL-safe text. */
export function encodeCursor(v: string | number): string {
  return btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The sort key a cursor holds; null for none or for a cursor the store did not make. */
export function decodeCursor(c: string | null): string | number | null {
  if (!c || !/^[A-Za-z0-9_-]{1,200}$/.test(c)) return null;
  try {
    const v = JSON.parse(atob(c.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof v === 'string' || typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

/**
 * A page from the rows fetched (one more than the limit, when there are more): cuts the extra
 * row and makes the cursor from the last one shown.
 */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string | number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, next: more && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** Whether a cursor is one a list ordered by id ('id') or by sequence number ('seq') gives. */
export function isCursor(kind: 'id' | 'seq', cursor: string): boolean {
  const v = decodeCursor(cursor);
  return kind === 'id'
    ? typeof v === 'string' && /^[a-z]{3}_[0-9A-Z]{26}$/.test(v)
    : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
