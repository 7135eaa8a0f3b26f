import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

export type IdKind = 'dlv' | 'ext' | 'tok' | 'key' | 'run' | 'rvl' | 'sub' | 'msg';

/** Time-ordered ids with a prefix that says what they name, e.g. `dlv_01J…`. */
export function newId(kind: IdKind): string {
  return `${kind}_${next()}`;
}
