const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * The placeholder for the extract's version within its slot: 1 for the first extract a
 * recipient gets of a slot, each correction the next. It is known only when the delivery is
 * accepted (the store decides what a correction replaces), so `renderFileName` leaves it for
 * `versionedFileName`.
 */
export const VERSION_PLACEHOLDER = '{version}';

/** What an encrypted extract's file name ends with (an age file). */
export const AGE_SUFFIX = '.age';

/**
 * Fills `{municipality}`-style placeholders; a name with a path separator or an unknown
 * placeholder is refused. `{version}` is left in place unless `values.version` is given.
 */
export function renderFileName(template: string, values: Record<string, string | number>): string {
  const name = template.replace(PLACEHOLDER, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) {
      if (whole === VERSION_PLACEHOLDER) return whole;
      throw new Error(`unknown placeholder ${whole} in file name template`);
    }
    // A value never makes a placeholder of its own (a later step fills `{version}`).
    return String(v).replace(/[{}]/g, '_');
  });
  if (/[/\\]/.test(name) || name.startsWith('.'))
    throw new Error(`file name ${name} is not a plain file name`);
  return name;
}

/**
 * The file name of an extract at its version: `{version}` filled where the template put it;
 * a template without it leaves the first version's name alone and gives a correction
 * `-v{version}` before its extension (`flis-101-2026-10.ndjson` → `flis-101-2026-10-v2.ndjson`),
 * so a correction's name always differs from the original's.
 */
export function versionedFileName(name: string, version: number): string {
  if (name.includes(VERSION_PLACEHOLDER)) return name.replaceAll(VERSION_PLACEHOLDER, String(version));
  if (version <= 1) return name;
  // An encrypted file keeps its inner extension: `x-v2.ndjson.age`.
  if (name.endsWith(AGE_SUFFIX) && name.length > AGE_SUFFIX.length)
    return versionedFileName(name.slice(0, -AGE_SUFFIX.length), version) + AGE_SUFFIX;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-v${version}${name.slice(dot)}` : `${name}-v${version}`;
}

/**
 * A template without `{version}` (and the one separator before it): the name of the file
 * inside a zip, made while the delivery is read, before its version is known.
 */
export function withoutVersion(template: string): string {
  return template.replace(/[-_.]?\{version\}/g, '');
}

export const FILE_NAME_PLACEHOLDERS = [
  'dataset',
  'municipality',
  'period',
  'source',
  'deliveryId',
  'extractId',
  'recipient',
  'version',
];
