/** Where an extract goes, and how patiently a push is tried again. */
import { z } from 'zod';

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
