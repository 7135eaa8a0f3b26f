const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{municipality}`-style placeholders; a name with a path separator or an unknown placeholder is refused. */
export function renderFileName(template: string, values: Record<string, string | number>): string {
  const name = template.replace(PLACEHOLDER, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`unknown placeholder ${whole} in file name template`);
    return String(v);
  });
  if (/[/\\]/.test(name) || name.startsWith('.'))
    throw new Error(`file name ${name} is not a plain file name`);
  return name;
}

export const FILE_NAME_PLACEHOLDERS = [
  'dataset',
  'municipality',
  'period',
  'source',
  'deliveryId',
  'extractId',
  'recipient',
];
