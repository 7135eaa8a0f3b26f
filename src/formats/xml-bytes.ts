/**
 * What the XML scanner (xml-reader.ts) knows of XML's bytes and small grammars: the bytes of
 * markup, names, the XML declaration, the root element's start tag, and field text with its
 * references. Each function answers null where saxes should judge instead.
 */
/** What either XML reader is told of a dataset. */
export interface XmlReaderOptions {
  namespace: string;
  root: string;
  record: string;
  /** Element local name → field id. */
  elementToField: ReadonlyMap<string, string>;
  /** Longest field text kept; longer text is cut here (the validator reports its length). */
  maxFieldChars?: number;
  /** Deepest element nesting accepted. */
  maxDepth?: number;
  /** Whether a field's text loses XML whitespace at both ends (the dataset's `whitespace`). */
  trim?: boolean;
}

/**
 * Where the byte scanner handed over mid-document (between two records, inside the root): the
 * root element's start tag, the line and column where the scanner stopped, and how many
 * records it had read.
 */
export interface SaxesResume {
  primer: string;
  line: number;
  column: number;
  records: number;
  /** Where in the delivery the first byte given to this reader stands. */
  offset: number;
}

export const LT = 0x3c;
export const GT = 0x3e;
export const SLASH = 0x2f;
export const NL = 0x0a;
export const CR = 0x0d;
/** The most bytes one record may span before the scanner leaves it to saxes, which bounds each token. */
export const MAX_PENDING = 1024 * 1024;
/** The most bytes read before the root element's start tag is complete. */
export const MAX_PROLOG = 64 * 1024;
/** The longest element name the scanner reads itself. */
export const MAX_NAME = 256;
/** Bytes read before the XML declaration is judged (as the saxes reader does). */
export const HEAD = 200;

/** 1 for a byte that may start an ASCII XML name, 2 for one that may continue it. */
export const NAME = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME[c] = 2;
}
export const isSpace = (c: number | undefined) => c === 0x20 || c === NL || c === 0x09 || c === CR;

const WS = '[ \\t\\r\\n]';
export const DECL = new RegExp(
  `^<\\?xml${WS}+version${WS}*=${WS}*(?:"1\\.0"|'1\\.0')` +
    `(?:${WS}+encoding${WS}*=${WS}*(?:"[Uu][Tt][Ff]-?8"|'[Uu][Tt][Ff]-?8'))?` +
    `(?:${WS}+standalone${WS}*=${WS}*(?:"(?:yes|no)"|'(?:yes|no)'))?${WS}*\\?>`,
);
const ROOT_TAG = new RegExp(
  `^<([A-Za-z_][A-Za-z0-9._-]*)((?:${WS}+[A-Za-z_][A-Za-z0-9._:-]*${WS}*=${WS}*(?:"[^"<&\\t\\n\\r]*"|'[^'<&\\t\\n\\r]*'))*)${WS}*>$`,
);
const ATTRIBUTE = new RegExp(`([A-Za-z_][A-Za-z0-9._:-]*)${WS}*=${WS}*(?:"([^"]*)"|'([^']*)')`, 'g');
/** Text that needs a closer look: a reference, `]]>`, CR, a character XML cannot carry, or bad UTF-8. */
export const ODD_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\r&\]\uFFFD-\uFFFF]/;
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\r\uFFFD-\uFFFF]/;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const RESERVED_NS = new Set(['http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/']);

function isXmlChar(c: number): boolean {
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** Field text with its references replaced, or null when saxes should judge it. */
export function expandText(s: string): string | null {
  if (BAD_CHAR.test(s) || s.includes(']]>')) return null;
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    REFERENCE.lastIndex = amp;
    const m = REFERENCE.exec(s);
    if (!m) return null;
    let ch: string;
    if (m[1]) ch = PREDEFINED[m[1]] as string;
    else {
      const code = m[2] ? Number.parseInt(m[2], 10) : Number.parseInt(m[3] as string, 16);
      if (!isXmlChar(code)) return null;
      ch = String.fromCodePoint(code);
    }
    out += s.slice(from, amp) + ch;
    from = amp + m[0].length;
    amp = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

/** The root element's attributes (other than namespace declarations), or null when saxes should judge the tag. */
export function readRootTag(tag: string, opts: XmlReaderOptions): Record<string, string> | null {
  const m = ROOT_TAG.exec(tag);
  if (!m || m[1] !== opts.root || BAD_CHAR.test(tag) || tag.split('=').length > 64) return null;
  const declared = new Set(['xml']);
  const seen = new Set<string>();
  const plain: Array<[string, string]> = [];
  let defaultNs: string | undefined;
  for (const a of (m[2] ?? '').matchAll(ATTRIBUTE)) {
    const name = a[1] as string;
    const value = a[2] ?? a[3] ?? '';
    const parts = name.split(':');
    if (parts.length > 2 || parts.some((p) => p === '')) return null;
    if (name === 'xmlns') {
      if (RESERVED_NS.has(value)) return null;
      defaultNs = value;
    } else if (parts[0] === 'xmlns') {
      const prefix = parts[1] as string;
      if (/^xml/i.test(prefix) || value === '' || RESERVED_NS.has(value)) return null;
      declared.add(prefix);
    } else plain.push([name, value]);
    if (seen.has(name)) return null;
    seen.add(name);
  }
  if (defaultNs !== opts.namespace) return null;
  const attributes: Record<string, string> = {};
  for (const [name, value] of plain) {
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    if ((colon >= 0 && !declared.has(name.slice(0, colon))) || local in attributes) return null;
    attributes[local] = value;
  }
  return attributes;
}

/** Node's own slice of a buffer as UTF-8 text, without toString's checks; toString where it lacks one. */
interface Utf8Slicing {
  utf8Slice(start: number, end: number): string;
}
export const utf8Text: (b: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Buffer & Partial<Utf8Slicing>).utf8Slice === 'function'
    ? (b, start, end) => (b as Buffer & Utf8Slicing).utf8Slice(start, end)
    : (b, start, end) => b.toString('utf8', start, end);
