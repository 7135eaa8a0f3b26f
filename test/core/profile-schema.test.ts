import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DatasetSchema } from '../../src/core/dataset';
import { compileProfile } from '../../src/core/mapper';
import { ProfileSchema } from '../../src/core/profile';
import { outputColumns, profileJsonSchema, profileSchemaFiles } from '../../src/core/profile-schema';
import type { MapperDeps } from '../../src/core/projection';
import { createRowWriter } from '../../src/formats/index';

const read = (rel: string) => JSON.parse(readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8'));
const dataset = DatasetSchema.parse(read('schemas/daycare.json'));
const deps: MapperDeps = {
  pseudonymiser: () => ({ keyId: 'k', pseudonymise: (v: string) => `p-${v.length}` }),
};

describe("a profile's published schema", () => {
  it('describes a JSON extract as one array of rows, and the rows a JSON writer makes fit it', () => {
    const profile = ProfileSchema.parse({
      ...read('deliveries/daycare/flis.json'),
      output: { format: 'json' },
    });
    const cp = compileProfile(profile, dataset, 'sha', deps);
    expect(profileSchemaFiles(cp)).toEqual(['schema.json']);
    const schema = profileJsonSchema(cp);
    expect(schema.type).toBe('array');
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const writer = createRowWriter(profile.output, cp.columns);
    const row = cp.columns.map((c) => (c === 'endDate' ? null : `v-${c}`));
    const text = writer.start() + writer.rows([row]) + writer.end();
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    // A column the profile does not write is refused.
    expect(validate([{ ...JSON.parse(text)[0], shoeSize: 31 }])).toBe(false);
  });

  it('names for each column where it comes from and how it is made', () => {
    const cp = compileProfile(ProfileSchema.parse(read('deliveries/daycare/dst.json')), dataset, 'sha', deps);
    const cols = outputColumns(cp);
    expect(cols.map((c) => c.name)).toEqual(cp.columns);
    expect(cols.find((c) => c.name === 'StartDato')).toMatchObject({
      fields: ['startDate'],
      how: ['date written YYYYMMDD'],
    });
    expect(cols.find((c) => c.name === 'Kommunekode')).toMatchObject({ always: true, fields: [] });
  });
});
