/** @jsxImportSource hono/jsx */
import { MUNICIPALITIES } from '../core/municipalities';
import { nameAsShown } from '../core/value-shape';

/** A status as a coloured label. */
export const Badge = (props: { status: string }) => (
  <span class={`badge ${props.status}`}>{props.status}</span>
);

/** A municipality's name by its code; the code when it is not a known one. */
export const municipalityName = (code: string) => MUNICIPALITIES.get(code)?.name ?? code;

/** An instant as the tables show it: date and time to the second, UTC. */
export const shownInstant = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** A filter value shown back in its field only when it cannot hold a CPR number; else empty. */
export function asTyped(value: string | undefined): string {
  return value && nameAsShown(value) === value ? value : '';
}
