/** @jsxImportSource hono/jsx */
import { MUNICIPALITIES } from '../core/municipalities';
import { nameAsShown } from '../core/value-shape';
import type { Locale } from './i18n';

/** A status as a coloured label in the page's language; the machine value is its CSS class. */
export const Badge = (props: { l: Locale; status: string }) => (
  <span class={`badge ${props.status}`}>{props.l.status(props.status)}</span>
);

/** An instant in Danish time in the page's language; the ISO value stays in `datetime`. */
export const When = (props: { l: Locale; at: string }) => (
  <time datetime={props.at}>{props.l.instant(props.at)}</time>
);

/** A municipality's name by its code; the code when it is not a known one. */
export const municipalityName = (code: string) => MUNICIPALITIES.get(code)?.name ?? code;

/** A filter value shown back in its field only when it cannot hold a CPR number; else empty. */
export function asTyped(value: string | undefined): string {
  return value && nameAsShown(value) === value ? value : '';
}
