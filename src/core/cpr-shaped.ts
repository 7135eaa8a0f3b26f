/** Ten digits, with or without the dash after six: anything shaped like a CPR number. */
export const CPR_SHAPED = /(?<!\d)\d{6}-?\d{4}(?!\d)/g;

/** Text with everything shaped like a CPR number replaced, for logs on every runtime. */
export function maskCprShaped(text: string): string {
  return text.replace(CPR_SHAPED, '[cpr]');
}
