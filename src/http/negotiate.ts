/**
 * Content negotiation (RFC 9110 §12.5.1): which of the types a route offers the client's Accept
 * header prefers. Each offer takes the quality of the most specific range that matches it
 * (`text/csv` before `text/*` before `*\/*`); the highest quality above zero wins, the route's
 * order breaks ties. No Accept header means anything, so the first offer. A range that cannot
 * be read (no slash, a quality outside 0…1) counts for nothing. Every range counts: the header's
 * length is bounded by the server's header limit.
 */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | null {
  if (accept === undefined || accept.trim() === '') return offers[0] ?? null;
  const ranges: Array<{ type: string; subtype: string; q: number }> = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const m = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/.exec(range);
    if (!m?.[1] || !m[2] || (m[1] === '*' && m[2] !== '*')) continue;
    let q = 1;
    const qParam = params.find((p) => /^q\s*=/.test(p));
    if (qParam) {
      const v = qParam.replace(/^q\s*=\s*/, '');
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) continue;
      q = Number(v);
    }
    ranges.push({ type: m[1], subtype: m[2], q });
  }
  let best: { offer: string; q: number } | null = null;
  for (const offer of offers) {
    const [type, subtype] = offer.split('/');
    let match: { q: number; specificity: number } | null = null;
    for (const r of ranges) {
      const specificity =
        r.type === type && r.subtype === subtype
          ? 2
          : r.type === type && r.subtype === '*'
            ? 1
            : r.type === '*'
              ? 0
              : -1;
      if (specificity >= 0 && (!match || specificity > match.specificity)) match = { q: r.q, specificity };
    }
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { offer, q: match.q };
  }
  return best?.offer ?? null;
}
