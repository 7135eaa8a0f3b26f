import { CPR_SHAPED, cprShapeText } from './cpr-shaped';

/**
 * How the gateway speaks of a value a client sent without repeating it: problems, reports,
 * logs and the audit log describe a bad value by its shape ("10 digits", "12 characters:
 * letters and spaces"), never by its content, so a CPR number typed where it does not belong
 * goes nowhere but the payload objects.
 */
export function shapeOf(value: string): string {
  const n = [...value].length;
  if (n === 0) return 'empty';
  let digits = 0;
  let letters = 0;
  let spaces = 0;
  let dashes = 0;
  let other = 0;
  for (const ch of value) {
    if (/\p{Nd}/u.test(ch)) digits++;
    else if (/\p{Pd}/u.test(ch)) dashes++;
    else if (/\s/u.test(ch)) spaces++;
    else if (/\p{L}/u.test(ch)) letters++;
    else other++;
  }
  const unit = n === 1 ? 'character' : 'characters';
  if (digits === n) return `${n} ${n === 1 ? 'digit' : 'digits'}`;
  const kinds = [
    letters ? 'letters' : '',
    digits ? 'digits' : '',
    spaces ? 'spaces' : '',
    dashes ? 'dashes' : '',
    other ? 'other characters' : '',
  ].filter(Boolean);
  const list = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : kinds[0];
  return `${n} ${unit}: ${list}`;
}

/** Ten or more digits, in a row or with separators between them (cpr-shaped.ts), anywhere in the text. */
const HOLDS_CPR_SHAPE = new RegExp(CPR_SHAPED.source, 'u');
/** A name or code as datasets spell them: short, ASCII, no long run of digits. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,63}$/;

/**
 * A name the client chose (an unknown element, column or key) as it may be repeated: the name
 * itself when it is a plain identifier that cannot hold a CPR number, else only its shape.
 */
export function nameAsShown(name: string): string {
  if (PLAIN_NAME.test(name) && !mayHoldCpr(name)) return name;
  return `(a name of ${shapeOf(name)})`;
}

/**
 * Whether a text could hold a CPR number: a run of five or more digits, or ten digits however
 * separated, in any script's digits (read in NFKC, so `０１０１７０９９９０` is ten digits).
 */
export function mayHoldCpr(text: string): boolean {
  const t = cprShapeText(text);
  return HOLDS_CPR_SHAPE.test(t) || /\p{Nd}{5}/u.test(t);
}

/** A Content-Type's media type as it may be repeated (parameters left out). */
export function mediaTypeAsShown(contentType: string): string {
  return nameAsShown(contentType.split(';')[0]?.trim() ?? '');
}

/** XML's whitespace (space, TAB, CR, LF) at either end removed; nothing else is touched. */
export function trimXmlSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isXmlSpace(s.charCodeAt(a))) a++;
  while (b > a && isXmlSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * A parser's message without anything the input said: parsers quote names, values and
 * characters, which may be personal data typed in the wrong place. Quoted text goes, a name
 * after the last colon is shown only when plain, and any run of digits by its length.
 */
export function messageWithoutContent(message: string): string {
  const plain = message
    .replace(/^\d+:\d+: /, '')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '(…)')
    .replace(/: ([^:\s]+)\.?$/, (_m, name: string) => `: ${nameAsShown(name)}`);
  return cprShapeText(plain).replace(/\p{Nd}{3,}/gu, (d) => `(${[...d].length} digits)`);
}
