/**
 * Ten digits in a row, or with single separators between them as people write dates and
 * numbers (`010121-5123`, `010121 5123`, `01.01.21-5123`, `0101_215123`): anything shaped
 * like a CPR number.
 */
export const CPR_SHAPED = /(?<!\d)\d(?:[-.\s_/\u2013]?\d){9}(?!\d)/g;

/** Text with everything shaped like a CPR number replaced, for logs on every runtime. */
export function maskCprShaped(text: string): string {
  return text.replace(CPR_SHAPED, '[cpr]');
}
