import type { Row } from '../core/validator';

/**
 * A batch of rows as one flat array of values, field after field: a structured clone of
 * primitives in an array costs far less than one of objects, whose keys it copies every time.
 */
export function packRows(rows: readonly Row[], fieldIds: readonly string[]): Array<Row[string]> {
  const width = fieldIds.length;
  const out = new Array<Row[string]>(rows.length * width);
  let i = 0;
  for (const row of rows) {
    for (let f = 0; f < width; f++) out[i++] = row[fieldIds[f] as string];
  }
  return out;
}

/** The rows of a packed batch, as the intake thread had them (absent fields stay absent). */
export function unpackRows(
  values: ReadonlyArray<Row[string]>,
  count: number,
  fieldIds: readonly string[],
): Row[] {
  const width = fieldIds.length;
  const rows = new Array<Row>(count);
  let i = 0;
  for (let r = 0; r < count; r++) {
    const row: Row = {};
    for (let f = 0; f < width; f++) {
      const v = values[i++];
      if (v !== undefined) row[fieldIds[f] as string] = v;
    }
    rows[r] = row;
  }
  return rows;
}
