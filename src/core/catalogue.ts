import { z } from 'zod';
import { planArchivalTable } from './archival-version';
import { canonicalJson } from './canonical-json';
import { type Dataset, DatasetSchema } from './dataset';
import { type CompiledProfile, compileProfile } from './mapper';
import {
  type CompiledObligation,
  checkObligation,
  compileObligation,
  ObligationSchema,
  ObligationsFileSchema,
} from './obligations';
import { type Profile, ProfileSchema } from './profile';
import { checkProfileAgainstDataset, zodProblems } from './profile-lint';
import type { MapperDeps } from './projection';
import { type CompiledDataset, compileDataset } from './validator';

export const RecipientSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    name: z.string().min(1),
    description: z.string().optional(),
  })
  .strict();
export type Recipient = z.infer<typeof RecipientSchema>;

export const RecipientsFileSchema = z.object({ recipients: z.array(RecipientSchema).min(1) }).strict();

/** A data file as read from `schemas/` or `deliveries/`: its path relative to the project and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export interface LintProblem {
  file: string;
  path: string;
  message: string;
}

export interface Catalogue {
  datasets: ReadonlyMap<string, CompiledDataset>;
  recipients: ReadonlyMap<string, Recipient>;
  /** Per dataset, the profile of every recipient it fans out to. */
  profiles: ReadonlyMap<string, readonly CompiledProfile[]>;
  /** Per dataset, its reporting obligation (`deliveries/obligations.json`); a dataset without one has no slots. */
  obligations: ReadonlyMap<string, CompiledObligation>;
}

export interface CatalogueDeps extends MapperDeps {
  sha256Hex(text: string): string;
}

export class CatalogueError extends Error {
  constructor(readonly problems: LintProblem[]) {
    super(
      `${problems.length} problem(s) in schemas, profiles and obligations:\n${problems.map((p) => `${p.file} ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'CatalogueError';
  }
}

function parseJson(file: SourceFile, problems: LintProblem[]): unknown {
  try {
    return JSON.parse(file.text);
  } catch (e) {
    problems.push({ file: file.path, path: '$', message: `not JSON: ${(e as Error).message}` });
    return undefined;
  }
}

/**
 * Reads every schema, the recipient registry and every profile, checks them against each
 * other and compiles them once. Any problem fails the whole catalogue: the gateway does not
 * start on a half-valid configuration.
 */
export function buildCatalogue(
  schemaFiles: SourceFile[],
  deliveryFiles: SourceFile[],
  deps: CatalogueDeps,
): Catalogue {
  const problems: LintProblem[] = [];
  const datasets = new Map<string, CompiledDataset>();
  for (const file of schemaFiles) {
    const raw = parseJson(file, problems);
    if (raw === undefined) continue;
    const parsed = DatasetSchema.safeParse(raw);
    if (!parsed.success) {
      for (const p of zodProblems(parsed.error)) problems.push({ file: file.path, ...p });
      continue;
    }
    const ds: Dataset = parsed.data;
    if (datasets.has(ds.id))
      problems.push({ file: file.path, path: '$.id', message: `dataset ${ds.id} is defined twice` });
    else datasets.set(ds.id, compileDataset(ds));
  }

  const recipients = new Map<string, Recipient>();
  const registry = deliveryFiles.find((f) => f.path.endsWith('recipients.json'));
  if (!registry)
    problems.push({
      file: 'deliveries/recipients.json',
      path: '$',
      message: 'the recipient registry is missing',
    });
  else {
    const raw = parseJson(registry, problems);
    const parsed = RecipientsFileSchema.safeParse(raw);
    if (raw !== undefined && !parsed.success)
      for (const p of zodProblems(parsed.error)) problems.push({ file: registry.path, ...p });
    for (const r of parsed.data?.recipients ?? []) recipients.set(r.id, r);
  }

  const obligationsFile = deliveryFiles.find((f) => /^[^/]+\/obligations\.json$/.test(f.path));
  const obligations = readObligations(obligationsFile, datasets, problems);

  const profiles = new Map<string, CompiledProfile[]>();
  for (const file of deliveryFiles) {
    if (file === registry || file === obligationsFile) continue;
    const raw = parseJson(file, problems);
    if (raw === undefined) continue;
    const parsed = ProfileSchema.safeParse(raw);
    if (!parsed.success) {
      for (const p of zodProblems(parsed.error)) problems.push({ file: file.path, ...p });
      continue;
    }
    const profile: Profile = parsed.data;
    const ds = datasets.get(profile.dataset);
    if (!ds) {
      problems.push({
        file: file.path,
        path: '$.dataset',
        message: `no dataset ${profile.dataset} in schemas/`,
      });
      continue;
    }
    if (!recipients.has(profile.recipient))
      problems.push({
        file: file.path,
        path: '$.recipient',
        message: `recipient ${profile.recipient} is not in the registry`,
      });
    const found = checkProfileAgainstDataset(profile, ds.dataset);
    if (found.length === 0 && profile.output.format === 'archival-version')
      found.push(...planArchivalTable(profile, ds.dataset).problems);
    for (const p of found) problems.push({ file: file.path, ...p });
    if (found.length) continue;
    const list = profiles.get(profile.dataset) ?? [];
    if (list.some((p) => p.profile.recipient === profile.recipient)) {
      problems.push({ file: file.path, path: '$.recipient', message: `a second profile for ${profile.id}` });
      continue;
    }
    try {
      list.push(compileProfile(profile, ds.dataset, deps.sha256Hex(canonicalJson(raw)), deps));
    } catch (e) {
      problems.push({ file: file.path, path: '$', message: (e as Error).message });
    }
    profiles.set(profile.dataset, list);
  }
  if (problems.length) throw new CatalogueError(problems);
  for (const id of datasets.keys()) if (!profiles.has(id)) profiles.set(id, []);
  return { datasets, recipients, profiles, obligations };
}

/** The obligations file checked against the datasets; none when there is no file. */
function readObligations(
  file: SourceFile | undefined,
  datasets: ReadonlyMap<string, CompiledDataset>,
  problems: LintProblem[],
): Map<string, CompiledObligation> {
  const out = new Map<string, CompiledObligation>();
  if (!file) return out;
  const raw = parseJson(file, problems);
  if (raw === undefined) return out;
  const parsed = ObligationsFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const p of zodProblems(parsed.error)) problems.push({ file: file.path, ...p });
    return out;
  }
  parsed.data.obligations.forEach((item, i) => {
    const at = `$.obligations[${i}]`;
    const one = ObligationSchema.safeParse(item);
    if (!one.success) {
      for (const p of zodProblems(one.error))
        problems.push({ file: file.path, path: `${at}${p.path.replace(/^\$/, '')}`, message: p.message });
      return;
    }
    const o = one.data;
    const found = checkObligation(o, (id) => datasets.get(id)?.dataset.cadence);
    if (out.has(o.dataset)) found.push({ path: '.dataset', message: `a second obligation for ${o.dataset}` });
    for (const p of found) problems.push({ file: file.path, path: `${at}${p.path}`, message: p.message });
    if (!found.length) out.set(o.dataset, compileObligation(o));
  });
  return out;
}
