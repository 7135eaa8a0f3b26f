import type { PersonalDataCategory } from './vocabulary';

/** Why an extract may be made and sent: its profile's legal basis and purpose. */
export interface LawfulUse {
  legalBasis: string;
  purpose: string;
}

/** RFC 8187 ext-value of a UTF-8 text: every byte outside attr-char percent-encoded. */
function extValue(text: string): string {
  let out = "UTF-8''";
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+.^_`|~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The lawful use an extract travels with outside the gateway, as one header or object-metadata
 * value in ASCII: `personal-data=pseudonymised; legal-basis*=UTF-8''…; purpose*=UTF-8''…`
 * (RFC 8187 for the Danish texts). The push headers (`X-Lawful-Use`) and the S3 object
 * metadata (`lawful-use`) carry it.
 */
export function lawfulUseValue(use: LawfulUse | null, personalData: PersonalDataCategory): string {
  const parts = [`personal-data=${personalData}`];
  if (use) parts.push(`legal-basis*=${extValue(use.legalBasis)}`, `purpose*=${extValue(use.purpose)}`);
  return parts.join('; ');
}

/** The lawful use back from such a value (for recipients and tests); null when it is not one. */
export function readLawfulUseValue(
  value: string,
): { personalData: string; legalBasis: string | null; purpose: string | null } | null {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k) fields.set(k, v.join('='));
  }
  const personalData = fields.get('personal-data');
  if (!personalData) return null;
  const text = (k: string) => {
    const v = fields.get(k);
    if (!v?.startsWith("UTF-8''")) return null;
    try {
      return decodeURIComponent(v.slice(7));
    } catch {
      return null;
    }
  };
  return { personalData, legalBasis: text('legal-basis*'), purpose: text('purpose*') };
}

/**
 * The personal data an extract holds, from its stored metadata: the category recorded at
 * intake, or for an extract made before categories were recorded, worked out from what it
 * recorded then (`pseudonymKeyIds`: pseudonyms; `personalData`: in clear). One rule for the
 * extract's view and its push.
 */
export function personalDataOf(metadata: Record<string, unknown>): {
  personalData: boolean;
  personalDataCategory: PersonalDataCategory;
} {
  const recorded = metadata.personalDataCategory;
  const category: PersonalDataCategory =
    recorded === 'cpr' || recorded === 'pseudonymised' || recorded === 'none'
      ? recorded
      : metadata.personalData === true
        ? 'cpr'
        : Array.isArray(metadata.pseudonymKeyIds) && metadata.pseudonymKeyIds.length > 0
          ? 'pseudonymised'
          : 'none';
  return { personalData: category !== 'none', personalDataCategory: category };
}
