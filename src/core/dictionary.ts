import type { Catalogue } from './catalogue';
import { type OutputColumn, outputColumns, profileSchemaFiles } from './profile-schema';
import type { CompiledDataset } from './validator';
import { fieldRule, ruleTexts } from './value-patterns';

/** Where one field goes: to which recipient, under which column, made how, on which legal basis. */
export interface FieldUse {
  recipient: string;
  profile: string;
  column: string;
  source: string;
  how: string[];
  legalBasis: string;
  purpose: string;
}

/**
 * The data dictionary of one dataset, for people: its fields, types, codes and rules, and
 * which recipient gets which field, under which column name, made how, under which legal
 * basis and purpose (the profiles' `lawfulUse`). No personal value is in it.
 */
export function dataDictionary(catalogue: Catalogue, compiled: CompiledDataset) {
  const d = compiled.dataset;
  const profiles = catalogue.profiles.get(d.id) ?? [];
  const recipients = profiles.map((cp) => {
    const p = cp.profile;
    return {
      recipient: p.recipient,
      name: catalogue.recipients.get(p.recipient)?.name ?? p.recipient,
      profile: p.id,
      version: p.version,
      sha256: cp.sha256,
      title: p.title ?? null,
      legalBasis: p.lawfulUse.legalBasis,
      purpose: p.lawfulUse.purpose,
      format: p.output.format,
      aggregate: p.aggregate !== undefined,
      carriesPersonalData: cp.carriesPersonalData,
      schemas: (profileSchemaFiles(cp) ?? []).map((f) => `/v1/datasets/${d.id}/profiles/${p.recipient}/${f}`),
      columns: outputColumns(cp),
    };
  });
  const usesOf = (field: string): FieldUse[] =>
    recipients.flatMap((r) =>
      r.columns
        .filter((c: OutputColumn) => c.fields.includes(field))
        .map((c: OutputColumn) => ({
          recipient: r.recipient,
          profile: r.profile,
          column: c.name,
          source: c.source,
          how: c.how,
          legalBasis: r.legalBasis,
          purpose: r.purpose,
        })),
    );
  return {
    dataset: {
      id: d.id,
      version: d.version,
      title: d.title,
      description: d.description ?? null,
      cadence: d.cadence,
      /** The reporting obligation (deliveries/obligations.json), when the dataset has one. */
      obligation: catalogue.obligations.get(d.id)?.obligation ?? null,
      whitespace: d.whitespace,
      xml: d.xml,
      schemas: [
        'schema.xsd',
        'schema.json',
        'schema.csv',
        'example.xml',
        'example.csv',
        'example.ndjson',
      ].map((f) => `/v1/datasets/${d.id}/${f}`),
    },
    fields: d.fields.map((f) => ({
      id: f.id,
      type: f.type,
      required: f.required,
      personal: f.personal,
      description: f.description ?? null,
      rule: fieldRule(f),
      ...(f.codes ? { codes: f.codes } : {}),
      ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.scale !== undefined ? { scale: f.scale } : {}),
      recipients: usesOf(f.id),
    })),
    rules: ruleTexts(d).map((r) => ({ id: r.id, field: r.field, rule: r.text })),
    recipients,
  };
}

export type DataDictionary = ReturnType<typeof dataDictionary>;
