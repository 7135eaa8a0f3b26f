/** A profile compiled once into a projector factory for its deliveries. */
import { aggregateColumns, createAggregateProjector } from './aggregate';
import { type AvPlan, planArchivalTable } from './archival-version';
import { compileColumn, compileCondition, type Getter } from './column';
import type { Dataset } from './dataset';
import { GatewayError } from './errors';
import type { Profile } from './profile';
import type { DeliveryContext, MapperDeps, OutRow, Projector } from './projection';
import type { Row } from './validator';
import type { PersonalDataCategory } from './vocabulary';

export interface CompiledProfile {
  profile: Profile;
  sha256: string;
  columns: readonly string[];
  /** Key ids of the pseudonymisation keys this profile uses, for the extract's metadata. */
  pseudonymKeyIds: readonly string[];
  /** True when the extract carries a personal field in clear. */
  carriesPersonalData: boolean;
  /**
   * The personal data the extract holds: `cpr` (a personal field in clear), `pseudonymised`
   * (personal fields only as pseudonyms: still personal data, with the keys in
   * pseudonymKeyIds), or `none` (no personal field, e.g. an aggregate).
   */
  personalData: PersonalDataCategory;
  /** For an archival version: its table, columns and types. */
  archival?: AvPlan;
  /** The dataset the profile maps. */
  dataset: Dataset;
  createProjector(ctx: DeliveryContext): Projector;
}
/** Compiles a profile once into a projector factory; nothing reads the profile's JSON per record. */
export function compileProfile(
  profile: Profile,
  dataset: Dataset,
  sha256: string,
  deps: MapperDeps,
): CompiledProfile {
  const keyIds = new Set<string>();
  const filters = profile.filter.map(compileCondition);
  const keep = filters.length === 0 ? () => true : (row: Row) => filters.every((f) => f(row));
  const personal = new Set(dataset.fields.filter((f) => f.personal).map((f) => f.id));

  if (profile.columns) {
    const specs = profile.columns;
    const getters = specs.map((c) => compileColumn(c, deps, profile.id, keyIds));
    const fromPersonal = (c: (typeof specs)[number]) =>
      [c.from, ...(c.concat ?? []).map((s) => (typeof s === 'string' ? undefined : s.from))].some(
        (f) => f !== undefined && personal.has(f),
      );
    const carriesPersonalData = specs.some((c) => !c.pseudonymise && fromPersonal(c));
    const personalData: PersonalDataCategory = carriesPersonalData
      ? 'cpr'
      : specs.some((c) => c.pseudonymise && fromPersonal(c))
        ? 'pseudonymised'
        : 'none';
    let archival: AvPlan | undefined;
    if (profile.output.format === 'archival-version') {
      const planned = planArchivalTable(profile, dataset);
      if (!planned.plan)
        throw new GatewayError(
          'internal',
          `profile ${profile.id}: ${planned.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        );
      archival = planned.plan;
    }
    return {
      profile,
      sha256,
      dataset,
      ...(archival ? { archival } : {}),
      columns: specs.map((c) => c.name),
      pseudonymKeyIds: [...keyIds],
      carriesPersonalData,
      personalData,
      createProjector(ctx) {
        const stats = { seen: 0, kept: 0, suppressed: 0 };
        return {
          stats,
          push(rows) {
            const out: OutRow[] = [];
            for (const row of rows) {
              stats.seen++;
              if (!keep(row)) continue;
              stats.kept++;
              const o: OutRow = new Array(getters.length);
              for (let i = 0; i < getters.length; i++) o[i] = (getters[i] as Getter)(row, ctx);
              out.push(o);
            }
            return out;
          },
          finish: () => [],
        };
      },
    };
  }
  const agg = profile.aggregate!;
  const groupGetters = agg.groupBy.map((c) => compileColumn(c, deps, profile.id, keyIds));
  return {
    profile,
    sha256,
    dataset,
    columns: aggregateColumns(agg),
    pseudonymKeyIds: [...keyIds],
    carriesPersonalData: false,
    personalData: 'none',
    createProjector: (ctx) => createAggregateProjector(agg, groupGetters, keep, ctx),
  };
}
