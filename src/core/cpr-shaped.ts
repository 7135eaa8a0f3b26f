/** What may stand between two digits of a number as people write it: punctuation, symbols, spaces, invisible and combining marks, a kana length mark. */
const SEPARATOR = '[\\p{P}\\p{S}\\p{Z}\\p{Cf}\\p{M}\\p{Lm}\\s]';

/**
 * Ten or more digits in a row, or with separators between them as people write dates and
 * numbers (`010121-5123`, `010121 5123`, `01.01.21-5123`, `0101_215123`, `01-01-21--5123`,
 * `0,1,0,1,2,1,5,1,2,3`, `0101 21 -5123`): anything that may be or hold a CPR number. Digits
 * are any script's decimal digits (`\p{Nd}`); between two digits may stand up to three
 * characters that are neither letters nor digits. Text is read by cprShapeText first, so
 * full-width digits and dashes (`０１０１２１－５１２３`) and letters typed for digits
 * (`O1O121l234`) count as what they look like.
 */
export const CPR_SHAPED = new RegExp(`(?<!\\p{Nd})\\p{Nd}(?:${SEPARATOR}{0,3}\\p{Nd}){9,}(?!\\p{Nd})`, 'gu');

/** Letters typed for a digit next to one: O and o for 0, l, I and | for 1. */
const ZERO_BESIDE_DIGIT = /(?<=\p{Nd})[Oo]|[Oo](?=\p{Nd})/gu;
const ONE_BESIDE_DIGIT = /(?<=\p{Nd})[lI|]|[lI|](?=\p{Nd})/gu;

/**
 * A text as the CPR checks read it: Unicode NFKC (where `０` is `0` and `－` is `-`), and a
 * letter that stands for a digit beside another digit read as that digit (`O1O1` is `0101`).
 */
export function cprShapeText(text: string): string {
  let t = text.normalize('NFKC');
  for (let i = 0; i < 16; i++) {
    const next = t.replace(ZERO_BESIDE_DIGIT, '0').replace(ONE_BESIDE_DIGIT, '1');
    if (next === t) break;
    t = next;
  }
  return t;
}

/**
 * Whether a run of more than ten digits may hold a CPR number: some ten of them begin with a
 * day (01–31) and a month (01–12). Digits of other scripts are taken as holding one. A longer
 * run that cannot (a timestamp such as 1796105569633, whose "months" are 96, 61, …) is left.
 */
function longRunHoldsCpr(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return true;
  for (let i = 0; i + 10 <= digits.length; i++) {
    const day = Number(digits.slice(i, i + 2));
    const month = Number(digits.slice(i + 2, i + 4));
    if (day >= 1 && day <= 31 && month >= 1 && month <= 12) return true;
  }
  return false;
}

/** Text with everything that may be a CPR number replaced by `[cpr]`, for logs on every runtime (read by cprShapeText). */
export function maskCprShaped(text: string): string {
  return cprShapeText(text).replace(CPR_SHAPED, (run) => {
    const digits = [...run].filter((ch) => /\p{Nd}/u.test(ch)).join('');
    return [...digits].length === 10 || longRunHoldsCpr(digits) ? '[cpr]' : run;
  });
}
