import type { Catalogue } from './catalogue';
import { outputColumns } from './profile-schema';
import type { PersonalDataCategory } from './vocabulary';

/** One processing: a dataset sent to one recipient through the profile in force. */
export interface ProcessingEntry {
  dataset: string;
  datasetTitle: string;
  recipient: string;
  recipientName: string;
  profile: string;
  /** The profile version in force, and the sha256 of its text. */
  version: number;
  sha256: string;
  purpose: string;
  legalBasis: string;
  /** `cpr`: personal data in clear; `pseudonymised`: as pseudonyms only (still personal data); `none`. */
  personalData: PersonalDataCategory;
  /** The dataset's personal fields the extract holds, in clear or as pseudonyms. */
  personalFields: string[];
  /** The pseudonymisation keys by id (never the key). */
  pseudonymKeyIds: string[];
  /** The dataset's fields the extract is made from. */
  fields: string[];
  /** Record-level, or an aggregate with small-cell suppression. */
  level: 'record' | 'aggregate';
  format: string;
  /** `pull` (the recipient fetches), `https` or `s3` (the gateway pushes). */
  transport: string;
  acknowledgement: { required: boolean; withinDays: number };
  /** How long the gateway keeps the extract's bytes and the delivery's original (days); null: until deleted. */
  retention: {
    extractsDays: number | null;
    supersededExtractsDays: number | null;
    originalsDays: number | null;
    supersededOriginalsDays: number | null;
  } | null;
  /** The reporting obligation behind the deliveries, where there is one. */
  obligation: { cadence: string; deadline: Record<string, number> } | null;
}

/**
 * The processing register (GDPR art. 30 as it concerns the gateway), generated from the
 * profiles and obligations in force: per dataset × recipient, purpose, legal basis, categories
 * of personal data, fields, transport and the profile version. Nothing in it is kept by hand,
 * so it cannot drift from what the gateway does.
 */
export function processingRegister(catalogue: Catalogue): ProcessingEntry[] {
  const out: ProcessingEntry[] = [];
  for (const [datasetId, profiles] of catalogue.profiles) {
    const compiled = catalogue.datasets.get(datasetId);
    if (!compiled) continue;
    const personal = new Set(compiled.dataset.fields.filter((f) => f.personal).map((f) => f.id));
    const obligation = catalogue.obligations.get(datasetId)?.obligation;
    for (const cp of profiles) {
      const p = cp.profile;
      const fields = [...new Set(outputColumns(cp).flatMap((c) => c.fields))].sort();
      out.push({
        dataset: datasetId,
        datasetTitle: compiled.dataset.title,
        recipient: p.recipient,
        recipientName: catalogue.recipients.get(p.recipient)?.name ?? p.recipient,
        profile: p.id,
        version: p.version,
        sha256: cp.sha256,
        purpose: p.lawfulUse.purpose,
        legalBasis: p.lawfulUse.legalBasis,
        personalData: cp.personalData,
        personalFields: cp.personalData === 'none' ? [] : fields.filter((f) => personal.has(f)),
        pseudonymKeyIds: [...cp.pseudonymKeyIds],
        fields,
        level: p.aggregate ? 'aggregate' : 'record',
        format: p.output.format,
        transport: p.transport.type,
        acknowledgement: { required: p.acknowledgement.required, withinDays: p.acknowledgement.withinDays },
        retention:
          p.retention || compiled.dataset.retention
            ? {
                extractsDays: p.retention?.extractsDays ?? null,
                supersededExtractsDays: p.retention?.supersededExtractsDays ?? null,
                originalsDays: compiled.dataset.retention?.originalsDays ?? null,
                supersededOriginalsDays: compiled.dataset.retention?.supersededOriginalsDays ?? null,
              }
            : null,
        obligation: obligation ? { cadence: obligation.cadence, deadline: { ...obligation.deadline } } : null,
      });
    }
  }
  return out.sort((a, b) =>
    a.dataset === b.dataset ? (a.recipient < b.recipient ? -1 : 1) : a.dataset < b.dataset ? -1 : 1,
  );
}
