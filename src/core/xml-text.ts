/**
 * Text as XML element content or attribute value: markup characters escaped, and CR, which
 * every XML reader would otherwise turn into LF, written as a character reference so it
 * arrives. Characters XML 1.0 cannot carry never get here: validation refuses them (rule
 * `character`); should one slip through, it is left out rather than make the file unreadable.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};
const NEEDS_ESCAPE = /[&<>"'\r]/;
const ESCAPE_ALL = /[&<>"'\r]/g;
// Characters XML 1.0 cannot carry at all.
// Lone surrogate halves too: they are no characters at all.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const HAS_INVALID_XML = new RegExp(INVALID_XML.source);

// One test for the common case, text that needs nothing done (surrogates are checked
// closely only when there are any).
const ANYTHING_TO_DO = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Anything XML 1.0 might not carry, surrogate pairs included: one test for the common case. */
const MAYBE_INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/**
 * The first character XML 1.0 cannot carry, as `U+XXXX` or `a lone surrogate`; null when
 * the text has none. Validation refuses such text (rule `character`), so it reaches no output.
 */
export function invalidXmlCharacter(text: string): string | null {
  if (!MAYBE_INVALID_XML.test(text)) return null;
  const m = HAS_INVALID_XML.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff
    ? 'a lone surrogate'
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function escapeXml(s: string): string {
  if (!ANYTHING_TO_DO.test(s)) return s;
  const clean = HAS_INVALID_XML.test(s) ? s.replace(INVALID_XML, '') : s;
  return NEEDS_ESCAPE.test(clean) ? clean.replace(ESCAPE_ALL, (c) => ESCAPES[c] as string) : clean;
}
