/**
 * What a list's `next` holds: base64url of a JSON value, the id (or sequence number) of the
 * last item of the page before. A cursor of any other shape was not given by the gateway.
 */
function cursorValue(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    return JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return undefined;
  }
}

/** Whether a cursor is one a list ordered by id ('id') or by sequence number ('seq') gives. */
export function isCursor(kind: 'id' | 'seq', cursor: string): boolean {
  const v = cursorValue(cursor);
  return kind === 'id'
    ? typeof v === 'string' && /^[a-z]{3}_[0-9A-Z]{26}$/.test(v)
    : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
