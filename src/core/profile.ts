import { z } from 'zod';
import type { Dataset } from './dataset';

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

/**
 * An identifier in an archival version's tableIndex: a letter, then letters, digits and
 * underscores (the SQL:1999 identifier the State Archives' schema allows, without quoting).
 */
export const SQL_IDENTIFIER = /^\p{L}[\p{L}\p{N}_]{0,127}$/u;

/** The State Archives' archival version (bek. nr. 128 af 12. februar 2020), one table. */
export const ArchivalVersionOutputSchema = z
  .object({
    format: z.literal('archival-version'),
    /** The archive's code in the AVID: `SA` for the State Archives. */
    archive: z.string().regex(/^[A-ZÆØÅ]{2,4}$/, 'an archive code is 2 to 4 capital letters'),
    /**
     * The AVID's number, as a template of digits and `{municipality}` and `{periodDigits}`
     * (the period without its separators), so that each municipality and period has its own.
     */
    number: z
      .string()
      .regex(
        /^(?:[1-9]|\{(?:municipality|periodDigits)\})[0-9]*(?:\{(?:municipality|periodDigits)\}[0-9]*)*$/,
        'digits, {municipality} and {periodDigits}, beginning with 1–9 or a placeholder (an AVID number has no leading zero)',
      ),
    /** Who created the data: a template with `{municipalityName}` and `{municipality}`. */
    creator: z.string().min(1).default('{municipalityName} Kommune'),
    systemName: z.string().min(1),
    systemPurpose: z.string().min(1),
    systemContent: z.string().min(1),
    /** Whether this is the final transfer of the system's data (archiveInformationPacketType). */
    finalTransfer: z.boolean().default(false),
    /** The archive that approves it; the archive code when absent. */
    approval: z
      .string()
      .regex(/^[A-ZÆØÅ]{2,4}$/)
      .optional(),
    /** FORM classification of the system, as public authorities' archival versions carry it. */
    form: z
      .object({
        version: z.string().min(1),
        classes: z.array(z.object({ class: z.string().min(1), text: z.string().min(1) }).strict()).min(1),
      })
      .strict()
      .optional(),
    table: z
      .object({
        name: z.string().regex(SQL_IDENTIFIER, 'a letter, then letters, digits and _'),
        description: z.string().min(3),
      })
      .strict(),
    /** The generated first column numbering the rows: the table's primary key. */
    rowNumber: z
      .object({
        name: z.string().regex(SQL_IDENTIFIER).default('raekkenummer'),
        description: z.string().min(3).default('Rækkens nummer i leverancen; tabellens primærnøgle.'),
      })
      .strict()
      .default({ name: 'raekkenummer', description: 'Rækkens nummer i leverancen; tabellens primærnøgle.' }),
  })
  .strict();
export type ArchivalVersionOutput = z.infer<typeof ArchivalVersionOutputSchema>;

export const OutputSchema = z.discriminatedUnion('format', [
  z
    .object({
      format: z.literal('xml'),
      root: z.string().regex(/^[A-Za-z_][\w.-]*$/),
      record: z.string().regex(/^[A-Za-z_][\w.-]*$/),
      namespace: z.string().optional(),
    })
    .strict(),
  z
    .object({
      format: z.literal('csv'),
      delimiter: z.enum([',', ';', '\t', '|']).default(','),
      header: z.boolean().default(true),
      quote: z.enum(['minimal', 'all']).default('minimal'),
      encoding: z.enum(['utf-8', 'iso-8859-1', 'windows-1252']).default('utf-8'),
      lineEnding: z.enum(['crlf', 'lf']).default('crlf'),
    })
    .strict(),
  z.object({ format: z.literal('ndjson') }).strict(),
  z.object({ format: z.literal('json') }).strict(),
  ArchivalVersionOutputSchema,
]);
export type Output = z.infer<typeof OutputSchema>;

/** How often and how patiently a push is tried again. */
export const RetrySchema = z
  .object({
    /** Attempts in all, the first included; after the last the push is marked failed. */
    maxAttempts: z.number().int().min(1).max(100).default(10),
    /** The wait after the first failure; it doubles after each further one. */
    initialDelaySeconds: z.number().int().min(1).max(86_400).default(60),
    /** The longest wait between two attempts. */
    maxDelaySeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(6 * 3600),
  })
  .strict();
export type Retry = z.infer<typeof RetrySchema>;
const DEFAULT_RETRY: Retry = { maxAttempts: 10, initialDelaySeconds: 60, maxDelaySeconds: 6 * 3600 };

/** A secret's name: its value comes from the gateway's configuration, never from the profile. */
const SecretName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a secret name is lower-case letters, digits and hyphens');

/** Where an extract goes: fetched by the recipient (pull), or pushed to its HTTPS endpoint or S3 bucket. */
export const TransportSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pull') }).strict(),
  z
    .object({
      type: z.literal('https'),
      /** The endpoint; may hold file-name placeholders such as `{fileName}` and `{extractId}`. */
      url: z
        .string()
        .url()
        .refine(
          (u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(u),
          'an endpoint is https:// (plain http:// only on this machine, for tests)',
        ),
      method: z.enum(['PUT', 'POST']).default('PUT'),
      /** A bearer token, by the name of a secret. */
      bearerTokenSecret: SecretName.optional(),
      retry: RetrySchema.default(DEFAULT_RETRY),
    })
    .strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name'),
      /** Put before the file name to make the object key, e.g. `dagtilbud/`. */
      prefix: z
        .string()
        .max(512)
        .regex(/^[^\\]*$/)
        .default(''),
      region: z.string().min(1).default('eu-north-1'),
      /** An S3-compatible service's endpoint; AWS's own when absent. */
      endpoint: z.string().url().optional(),
      forcePathStyle: z.boolean().default(false),
      /** Credentials by secret names; the default AWS credential chain when absent. */
      accessKeyIdSecret: SecretName.optional(),
      secretAccessKeySecret: SecretName.optional(),
      serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional(),
      kmsKeyId: z.string().optional(),
      retry: RetrySchema.default(DEFAULT_RETRY),
    })
    .strict(),
]);
export type Transport = z.infer<typeof TransportSchema>;
export type PushTransport = Exclude<Transport, { type: 'pull' }>;

/** The names of the secrets a transport needs. */
export function transportSecrets(t: Transport): string[] {
  if (t.type === 'https') return t.bearerTokenSecret ? [t.bearerTokenSecret] : [];
  if (t.type === 's3')
    return [t.accessKeyIdSecret, t.secretAccessKeySecret].filter((s): s is string => s !== undefined);
  return [];
}

export const ProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, 'a profile id is dataset/recipient'),
    dataset: z.string(),
    recipient: z.string(),
    version: z.number().int().positive(),
    title: z.string().optional(),
    lawfulUse: z.object({ legalBasis: z.string().min(10), purpose: z.string().min(10) }).strict(),
    filter: z.array(ConditionSchema).default([]),
    columns: z.array(ColumnSchema).min(1).optional(),
    aggregate: AggregateSchema.optional(),
    output: OutputSchema,
    package: z.enum(['none', 'gzip', 'zip']).default('none'),
    /** With zip: the file's name inside the archive (a template like fileName); fileName without `.zip` by default. */
    entryName: z.string().min(1).optional(),
    fileName: z.string().min(1),
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

export interface ProfileProblem {
  path: string;
  message: string;
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0
    ? '$'
    : `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/** Issues from a zod parse as `$.path: message` pairs. */
export function zodProblems(error: z.ZodError): ProfileProblem[] {
  return error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
}

/** Checks a parsed profile against its dataset: every field it names exists, every code is mapped. */
export function checkProfileAgainstDataset(profile: Profile, dataset: Dataset): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const fields = new Map(dataset.fields.map((f) => [f.id, f]));
  const checkColumn = (c: ColumnSpec, path: string) => {
    const refs = [c.from, ...(c.concat ?? []).map((s) => (typeof s === 'string' ? undefined : s.from))];
    for (const ref of refs) {
      if (ref !== undefined && !fields.has(ref))
        problems.push({ path, message: `field ${ref} is not in dataset ${dataset.id}` });
    }
    if (c.map && c.from) {
      const def = fields.get(c.from);
      for (const code of def?.codes ?? []) {
        if (!(code in c.map))
          problems.push({ path: `${path}.map`, message: `code ${code} of ${c.from} is not mapped` });
      }
    }
    if (c.date && c.from && fields.get(c.from)?.type !== 'date')
      problems.push({ path: `${path}.date`, message: `${c.from} is not a date field` });
    if (c.number && c.from && !['decimal', 'integer'].includes(fields.get(c.from)?.type ?? ''))
      problems.push({ path: `${path}.number`, message: `${c.from} is not a number field` });
  };
  profile.columns?.forEach((c, i) => {
    checkColumn(c, `$.columns[${i}]`);
  });
  profile.aggregate?.groupBy.forEach((c, i) => {
    checkColumn(c, `$.aggregate.groupBy[${i}]`);
  });
  profile.aggregate?.measures.forEach((m, i) => {
    if (m.field && !fields.has(m.field))
      problems.push({
        path: `$.aggregate.measures[${i}].field`,
        message: `field ${m.field} is not in dataset ${dataset.id}`,
      });
    else if (m.field && m.fn !== 'count' && !['decimal', 'integer'].includes(fields.get(m.field)?.type ?? ''))
      problems.push({
        path: `$.aggregate.measures[${i}].field`,
        message: `${m.fn} needs a number field; ${m.field} is not`,
      });
  });
  profile.filter.forEach((f, i) => {
    if (!fields.has(f.field))
      problems.push({
        path: `$.filter[${i}].field`,
        message: `field ${f.field} is not in dataset ${dataset.id}`,
      });
  });
  // A record-level extract that carries a personal field in clear must say so by naming it plainly;
  // aggregate extracts can never carry one.
  profile.aggregate?.groupBy.forEach((c, i) => {
    if (c.from && fields.get(c.from)?.personal)
      problems.push({
        path: `$.aggregate.groupBy[${i}]`,
        message: `personal field ${c.from} cannot be a group of an aggregate`,
      });
  });
  if (profile.dataset !== dataset.id) problems.push({ path: '$.dataset', message: `expected ${dataset.id}` });
  problems.push(...encodingProblems(profile));
  return problems;
}

/** The characters Windows-1252 puts where ISO-8859-1 has C1 controls (0x80–0x9F). */
const CP1252_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Whether a charset can hold every character of a text. */
export function representable(text: string, encoding: 'utf-8' | 'iso-8859-1' | 'windows-1252'): boolean {
  if (encoding === 'utf-8') return true;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (
      encoding === 'iso-8859-1' ? c > 0xff : !(c < 0x80 || (c >= 0xa0 && c <= 0xff) || CP1252_EXTRA.has(ch))
    )
      return false;
  }
  return true;
}

/**
 * Text a profile itself writes (header names, constants, mapped codes, separators) must fit
 * the output's charset; the lint says so before any delivery fails on it.
 */
function encodingProblems(profile: Profile): ProfileProblem[] {
  if (profile.output.format !== 'csv' || profile.output.encoding === 'utf-8') return [];
  const encoding = profile.output.encoding;
  const problems: ProfileProblem[] = [];
  const check = (text: string | number | boolean | undefined, path: string) => {
    if (typeof text === 'string' && !representable(text, encoding))
      problems.push({ path, message: `${JSON.stringify(text)} cannot be written in ${encoding}` });
  };
  const column = (c: ColumnSpec, path: string) => {
    check(c.name, `${path}.name`);
    check(c.const, `${path}.const`);
    check(c.default, `${path}.default`);
    check(c.separator, `${path}.separator`);
    for (const [code, v] of Object.entries(c.map ?? {})) check(v, `${path}.map.${code}`);
    c.concat?.forEach((part, i) => {
      check(typeof part === 'string' ? part : part.const, `${path}.concat[${i}]`);
    });
  };
  for (const [i, c] of (profile.columns ?? []).entries()) column(c, `$.columns[${i}]`);
  for (const [i, c] of (profile.aggregate?.groupBy ?? []).entries()) column(c, `$.aggregate.groupBy[${i}]`);
  for (const [i, m] of (profile.aggregate?.measures ?? []).entries())
    check(m.name, `$.aggregate.measures[${i}].name`);
  check(profile.aggregate?.suppress?.flag, '$.aggregate.suppress.flag');
  return problems;
}
