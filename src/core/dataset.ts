import { z } from 'zod';

/** Field types a dataset schema can declare. Each has one parser in `validator.ts`. */
export const FIELD_TYPES = [
  'text',
  'code',
  'date',
  'decimal',
  'integer',
  'boolean',
  'cpr',
  'pnumber',
  'municipality',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const fieldId = z
  .string()
  .regex(/^[a-z][A-Za-z0-9]*$/, 'a field id is camelCase: a lower-case letter, then letters and digits');

export const FieldSchema = z
  .object({
    id: fieldId,
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    personal: z.boolean().default(false),
    description: z.string().optional(),
    maxLength: z.number().int().positive().optional(),
    codes: z.array(z.string().min(1)).min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Digits after the decimal point a decimal may carry. */
    scale: z.number().int().min(0).max(10).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'code' && !f.codes)
      ctx.addIssue({ code: 'custom', path: ['codes'], message: 'a code field lists its codes' });
    if (f.type !== 'code' && f.codes)
      ctx.addIssue({ code: 'custom', path: ['codes'], message: 'only a code field has codes' });
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min is greater than max' });
  });
export type FieldDef = z.infer<typeof FieldSchema>;

export const RuleSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('notBefore'),
      id: z.string().min(1),
      field: z.string(),
      reference: z.string(),
      message: z.string().min(1),
    })
    .strict(),
]);
export type RuleDef = z.infer<typeof RuleSchema>;

export const CADENCES = ['monthly', 'weekly', 'daily'] as const;
export type Cadence = (typeof CADENCES)[number];

export const DatasetSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.number().int().positive(),
    title: z.string().min(1),
    description: z.string().optional(),
    cadence: z.enum(CADENCES),
    /** What happens to a delivery with invalid records. */
    policy: z
      .object({
        onInvalid: z.enum(['reject', 'accept-valid']).default('reject'),
        /** With accept-valid: the largest share of invalid records still accepted. */
        maxInvalidShare: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ onInvalid: 'reject', maxInvalidShare: 0 }),
    xml: z
      .object({
        namespace: z.string().min(1),
        root: z.string().regex(/^[A-Za-z_][\w.-]*$/),
        record: z.string().regex(/^[A-Za-z_][\w.-]*$/),
      })
      .strict(),
    fields: z.array(FieldSchema).min(1),
    rules: z.array(RuleSchema).default([]),
    /**
     * How long the gateway keeps an accepted delivery's original bytes (they hold the CPR
     * numbers; a rejected or failed delivery's are deleted when it ends): `originalsDays` after
     * receipt; `supersededOriginalsDays` after the delivery that superseded it. The metadata,
     * sha256 and receipt stay. Absent: kept until deleted.
     */
    retention: z
      .object({
        originalsDays: z.number().int().min(1).max(36_500).optional(),
        supersededOriginalsDays: z.number().int().min(0).max(36_500).optional(),
      })
      .strict()
      .optional(),
    /**
     * The one normalisation a dataset may ask for: `trim` removes XML whitespace (space, TAB,
     * CR, LF) at both ends of every value; `preserve` keeps values exactly as sent. Nothing
     * else about a value is ever changed: what an output cannot carry is refused.
     */
    whitespace: z.enum(['trim', 'preserve']).default('trim'),
  })
  .strict()
  .superRefine((d, ctx) => {
    const ids = new Set<string>();
    d.fields.forEach((f, i) => {
      if (ids.has(f.id))
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'id'], message: `duplicate field ${f.id}` });
      ids.add(f.id);
    });
    d.rules.forEach((r, i) => {
      for (const key of ['field', 'reference'] as const) {
        if (!ids.has(r[key]))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, key],
            message: `no field ${r[key]} in this dataset`,
          });
      }
    });
  });
export type Dataset = z.infer<typeof DatasetSchema>;

/** `institutionId` → `InstitutionId`: the element name an XML delivery uses for a field. */
export function xmlElementName(fieldId: string): string {
  return fieldId.charAt(0).toUpperCase() + fieldId.slice(1);
}

export function personalFields(dataset: Dataset): string[] {
  return dataset.fields.filter((f) => f.personal).map((f) => f.id);
}
