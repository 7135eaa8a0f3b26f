/** What a profile writes: the formats of an extract, the State Archives' archival version among them. */
import { z } from 'zod';

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
     * The AVID's number, as a template of digits and `{municipality}`, `{periodDigits}` (the
     * period without its separators) and `{sequence}` (the delivery's number within its slot,
     * at least two digits: `01` for the first delivery of the dataset, municipality and period,
     * `02` for the next, whoever sent it), so that each municipality, period and correction has
     * its own. An AVID number has no leading zero: the template begins with 1–9,
     * `{municipality}` or `{periodDigits}`, never `{sequence}`.
     */
    number: z
      .string()
      .regex(
        /^(?:[1-9]|\{(?:municipality|periodDigits)\})[0-9]*(?:\{(?:municipality|periodDigits|sequence)\}[0-9]*)*$/,
        'digits, {municipality}, {periodDigits} and {sequence}, beginning with 1–9, {municipality} or {periodDigits} (an AVID number has no leading zero)',
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
