/** A delivery profile: what one recipient gets from one dataset, and how. */
import { z } from 'zod';
import { isAgeRecipient } from './age-recipient';
import { FILE_NAME_PLACEHOLDERS } from './file-name';
import { OutputSchema } from './output';
import { TransportSchema } from './transport';

/** Delivery facts a profile may put into an extract. */
export const META_FIELDS = [
  'municipality',
  'municipalityName',
  'period',
  'source',
  'deliveryId',
  'dataset',
  'receivedAt',
] as const;
export type MetaField = (typeof META_FIELDS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** An XML element name (Unicode letters allowed, as in `antal_børn`; no spaces, no colon). */
export const XML_NAME = /^[\p{L}_][\p{L}\p{N}_.-]*$/u;

const sourceKeys = ['from', 'meta', 'const', 'concat'] as const;

export interface ColumnSpec {
  name: string;
  from?: string;
  meta?: MetaField;
  const?: string | number | boolean;
  concat?: Array<string | ColumnSource>;
  separator?: string;
  map?: Record<string, string>;
  date?: string;
  number?: { decimals?: number; decimalSeparator?: '.' | ',' };
  pad?: { length: number; char?: string; side?: 'left' | 'right' };
  truncate?: number;
  pseudonymise?: { key: string };
  default?: string | number | boolean;
  /** What the column holds: for an archival version's tableIndex (the field's description when absent). */
  description?: string;
}
export type ColumnSource = Pick<ColumnSpec, 'from' | 'meta' | 'const'>;

const ColumnSourceSchema = z
  .object({ from: z.string().optional(), meta: z.enum(META_FIELDS).optional(), const: scalar.optional() })
  .strict();

export const ColumnSchema: z.ZodType<ColumnSpec> = z
  .object({
    name: z.string().min(1),
    from: z.string().optional(),
    meta: z.enum(META_FIELDS).optional(),
    const: scalar.optional(),
    concat: z
      .array(z.union([z.string(), ColumnSourceSchema]))
      .min(1)
      .optional(),
    separator: z.string().optional(),
    map: z.record(z.string(), z.string()).optional(),
    date: z
      .string()
      .regex(/YYYY|YY|MM|DD/, 'a date pattern uses YYYY, YY, MM and DD')
      .optional(),
    number: z
      .object({
        decimals: z.number().int().min(0).max(10).optional(),
        decimalSeparator: z.enum(['.', ',']).optional(),
      })
      .strict()
      .optional(),
    pad: z
      .object({
        length: z.number().int().positive(),
        char: z.string().length(1).optional(),
        side: z.enum(['left', 'right']).optional(),
      })
      .strict()
      .optional(),
    truncate: z.number().int().positive().optional(),
    pseudonymise: z
      .object({ key: z.string().min(1) })
      .strict()
      .optional(),
    default: scalar.optional(),
    description: z.string().min(3).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const given = sourceKeys.filter((k) => c[k] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `a column takes exactly one of ${sourceKeys.join(', ')}; ${c.name} has ${given.length}`,
      });
  });

export const ConditionSchema = z
  .object({
    field: z.string(),
    op: z.enum(['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'present', 'absent']),
    value: z.union([scalar, z.array(scalar)]).optional(),
  })
  .strict();
export type Condition = z.infer<typeof ConditionSchema>;

export const MeasureSchema = z
  .object({
    name: z.string().min(1),
    fn: z.enum(['count', 'sum', 'mean', 'min', 'max']),
    field: z.string().optional(),
    decimals: z.number().int().min(0).max(10).optional(),
    decimalSeparator: z.enum(['.', ',']).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.fn !== 'count' && !m.field)
      ctx.addIssue({ code: 'custom', path: ['field'], message: `${m.fn} needs a field` });
  });
export type Measure = z.infer<typeof MeasureSchema>;

export const AggregateSchema = z
  .object({
    groupBy: z.array(ColumnSchema).min(1),
    measures: z.array(MeasureSchema).min(1),
    suppress: z
      .object({
        /** Cells whose count is below this are suppressed. */
        below: z.number().int().min(2),
        /** The name of the flag column that marks a suppressed row. */
        flag: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Aggregate = z.infer<typeof AggregateSchema>;

/** A file name template: its placeholders are the ones the gateway fills (core/file-name.ts). */
const FileNameTemplate = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (t) => [...t.matchAll(/\{(\w+)\}/g)].every((m) => FILE_NAME_PLACEHOLDERS.includes(m[1] as string)),
    {
      message: `a placeholder must be one of ${FILE_NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
    },
  );

export const ProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, 'a profile id is dataset/recipient'),
    dataset: z.string(),
    recipient: z.string(),
    version: z.number().int().positive(),
    title: z.string().optional(),
    lawfulUse: z.object({ legalBasis: z.string().min(10), purpose: z.string().min(10) }).strict(),
    /**
     * How long the gateway keeps the extract's bytes: `extractsDays` after it was made;
     * `supersededExtractsDays` after the delivery that superseded its own. The metadata and
     * sha256 stay; the content then answers 410. Absent: kept until deleted.
     */
    retention: z
      .object({
        extractsDays: z.number().int().min(1).max(36_500).optional(),
        supersededExtractsDays: z.number().int().min(0).max(36_500).optional(),
      })
      .strict()
      .optional(),
    filter: z.array(ConditionSchema).default([]),
    columns: z.array(ColumnSchema).min(1).optional(),
    aggregate: AggregateSchema.optional(),
    output: OutputSchema,
    package: z.enum(['none', 'gzip', 'zip']).default('none'),
    /**
     * End-to-end encryption to the recipient: the extract (after any package) is encrypted
     * with age to these X25519 public keys, and only the ciphertext is stored and pushed. The
     * gateway never holds a private key; the recipient decrypts with `age -d -i IDENTITY`.
     */
    encryption: z
      .object({
        format: z.literal('age'),
        recipients: z
          .array(z.string().refine(isAgeRecipient, 'an age X25519 recipient (age1…)'))
          .min(1)
          .max(20),
      })
      .strict()
      .optional(),
    /** With zip: the file's name inside the archive (a template like fileName); fileName without `.zip` by default. */
    entryName: FileNameTemplate.optional(),
    fileName: FileNameTemplate,
    transport: TransportSchema.default({ type: 'pull' }),
    acknowledgement: z
      .object({ required: z.boolean().default(true), withinDays: z.number().int().positive().default(14) })
      .strict()
      .default({ required: true, withinDays: 14 }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!!p.columns === !!p.aggregate)
      ctx.addIssue({
        code: 'custom',
        message: 'a profile has either columns (record level) or aggregate, not both',
      });
    if (p.output.format === 'archival-version' && p.package !== 'none')
      ctx.addIssue({
        code: 'custom',
        path: ['package'],
        message: 'an archival version is a zip of its own: package stays none',
      });
    if (p.transport.type === 's3') {
      if (!p.transport.accessKeyIdSecret !== !p.transport.secretAccessKeySecret)
        ctx.addIssue({
          code: 'custom',
          path: ['transport'],
          message: 'accessKeyIdSecret and secretAccessKeySecret go together',
        });
      if (p.transport.kmsKeyId && p.transport.serverSideEncryption !== 'aws:kms')
        ctx.addIssue({
          code: 'custom',
          path: ['transport', 'kmsKeyId'],
          message: 'kmsKeyId needs serverSideEncryption aws:kms',
        });
    }
    if (p.id !== `${p.dataset}/${p.recipient}`)
      ctx.addIssue({ code: 'custom', path: ['id'], message: `the id must be ${p.dataset}/${p.recipient}` });
    if (p.output.format === 'xml') {
      // Column names become element names.
      const check = (name: string, path: PropertyKey[]) => {
        if (!XML_NAME.test(name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `${JSON.stringify(name)} cannot be an XML element name`,
          });
      };
      for (const [i, c] of (p.columns ?? []).entries()) check(c.name, ['columns', i, 'name']);
      for (const [i, c] of (p.aggregate?.groupBy ?? []).entries())
        check(c.name, ['aggregate', 'groupBy', i, 'name']);
      for (const [i, m] of (p.aggregate?.measures ?? []).entries())
        check(m.name, ['aggregate', 'measures', i, 'name']);
      if (p.aggregate?.suppress) check(p.aggregate.suppress.flag, ['aggregate', 'suppress', 'flag']);
    }
  });
export type Profile = z.infer<typeof ProfileSchema>;
