/** Text as XML element content: markup characters escaped, characters XML 1.0 cannot carry left out. */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;
// Characters XML 1.0 cannot carry at all.
// Lone surrogate halves too: they are no characters at all.
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const HAS_INVALID_XML = new RegExp(INVALID_XML.source);

// One test for the common case, text that needs nothing done (surrogates are checked
// closely only when there are any).
const ANYTHING_TO_DO = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

export function escapeXml(s: string): string {
  if (!ANYTHING_TO_DO.test(s)) return s;
  const clean = HAS_INVALID_XML.test(s) ? s.replace(INVALID_XML, '') : s;
  return NEEDS_ESCAPE.test(clean) ? clean.replace(ESCAPE_ALL, (c) => ESCAPES[c] as string) : clean;
}
