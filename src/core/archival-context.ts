/**
 * The context documentation of an archival version: what the archive needs to understand the
 * table, as text to render.
 */
import type { AvPlan } from './archival-version';
import type { Dataset } from './dataset';
import type { ColumnSpec, Profile } from './profile';

export interface DocumentText {
  title: string;
  description: string;
  /** Paragraphs; a line beginning with '# ' is a heading. */
  lines: string[];
}

const describeSource = (c: ColumnSpec): string => {
  const parts: string[] = [];
  if (c.from !== undefined) parts.push(`feltet ${c.from}`);
  if (c.meta !== undefined) parts.push(`leverancens ${c.meta}`);
  if (c.const !== undefined) parts.push(`den faste værdi ${JSON.stringify(c.const)}`);
  if (c.concat)
    parts.push(
      `sammensat af ${c.concat.map((s) => (typeof s === 'string' ? JSON.stringify(s) : (s.from ?? s.meta ?? JSON.stringify(s.const)))).join(', ')}`,
    );
  if (c.map) parts.push('koder omsat efter profilens kodeliste');
  if (c.date) parts.push(`dato skrevet som ${c.date}`);
  if (c.pad) parts.push(`udfyldt til ${c.pad.length} tegn`);
  if (c.truncate) parts.push(`afkortet til ${c.truncate} tegn`);
  if (c.pseudonymise) parts.push('pseudonymiseret med nøglet HMAC-SHA256');
  return parts.join('; ');
};

/** The one context document of an archival version made from a profile. */
export function contextDocumentText(
  plan: AvPlan,
  profile: Profile,
  profileSha256: string,
  dataset: Dataset,
): DocumentText {
  const o = plan.output;
  const lines = [
    `# ${o.systemName}`,
    o.systemPurpose,
    o.systemContent,
    '# Hjemmel og formål',
    `Hjemmel: ${profile.lawfulUse.legalBasis}`,
    `Formål: ${profile.lawfulUse.purpose}`,
    '# Hvordan arkiveringsversionen er dannet',
    `Arkiveringsversionen er dannet af leverancegatewayen ud fra én leverance af datasættet ${dataset.id} (${dataset.title}) fra én kommune for én periode. Gatewayen validerer leverancen mod datasættets skema og danner arkiveringsversionen i samme gennemløb som de øvrige modtageres udtræk, efter afleveringsprofilen ${profile.id} version ${profile.version} (sha256 ${profileSha256}).`,
    `Tabellen ${plan.tableName} (mappen table1) indeholder én række pr. post i leverancen, der opfylder profilens filtre. Kolonnen ${plan.primaryKey.column} nummererer rækkerne fra 1 i leverancens rækkefølge og er tabellens primærnøgle (${plan.primaryKey.name}). Arkiveringsversionen har kun denne ene tabel og derfor ingen fremmednøgler.`,
    `# Tabellen ${plan.tableName}`,
    plan.tableDescription,
    ...plan.columns.map((c, i) => {
      const spec = i === 0 ? undefined : profile.columns?.[i - 1];
      const type =
        c.type.kind === 'fixed' ? c.type.sql : 'NATIONAL CHARACTER VARYING (længden står i tableIndex.xml)';
      const source = spec ? ` Kilde: ${describeSource(spec)}.` : ' Dannet af gatewayen.';
      return `${c.columnID} ${c.name} (${type}${c.nullable ? ', kan være tom (NULL)' : ''}): ${c.description}${source}`;
    }),
    `# Datasættet ${dataset.id}, version ${dataset.version}`,
    dataset.description ?? dataset.title,
    ...dataset.fields.map(
      (f) =>
        `${f.id} (${f.type}${f.required ? ', påkrævet' : ''}${f.personal ? ', personoplysning' : ''}${f.maxLength ? `, højst ${f.maxLength} tegn` : ''}${f.codes ? `, koder: ${f.codes.join(', ')}` : ''}): ${f.description ?? ''}`,
    ),
    ...dataset.rules.map((r) => `Regel ${r.id}: ${r.message}`),
  ];
  return {
    title: `Beskrivelse af ${plan.tableName}: ${dataset.title}`,
    description: `Systembeskrivelse, hjemmel, dannelse og tabel- og feltbeskrivelser for arkiveringsversionen efter profilen ${profile.id} version ${profile.version}.`,
    lines,
  };
}
