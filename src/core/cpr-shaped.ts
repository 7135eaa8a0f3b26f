/**
 * Ten digits in a row, or with separators between them as people write dates and numbers
 * (`010121-5123`, `010121 5123`, `01.01.21-5123`, `0101_215123`, `01-01-21--5123`,
 * `0,1,0,1,2,1,5,1,2,3`, `0101 21 -5123`): anything shaped like a CPR number. Digits are any
 * script's decimal digits (`\p{Nd}`); between two digits may stand up to three characters
 * that are neither letters nor digits (punctuation, symbols, spaces, invisible format
 * characters such as a zero-width space). Text is put in Unicode NFKC first (cprShapeText),
 * so full-width digits and dashes (`０１０１２１－５１２３`) count as what they look like.
 */
export const CPR_SHAPED = /(?<!\p{Nd})\p{Nd}(?:[\p{P}\p{S}\p{Z}\p{Cf}\s]{0,3}\p{Nd}){9}(?!\p{Nd})/gu;

/** A text as the CPR checks read it: Unicode NFKC, where `０` is `0` and `－` is `-`. */
export function cprShapeText(text: string): string {
  return text.normalize('NFKC');
}

/** Text with everything shaped like a CPR number replaced, for logs on every runtime (in NFKC). */
export function maskCprShaped(text: string): string {
  return cprShapeText(text).replace(CPR_SHAPED, '[cpr]');
}
