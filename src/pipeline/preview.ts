import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import { GatewayError } from '../core/errors';
import { renderFileName } from '../core/file-name';
import { compileProfile } from '../core/mapper';
import { MUNICIPALITIES } from '../core/municipalities';
import { periodOf } from '../core/period';
import type { DeliveryContext } from '../core/projection';
import type { Row, ValidationIssue } from '../core/validator';
import { mediaTypeAsShown } from '../core/value-shape';
import { createReader, readerFor } from '../formats/readers';
import { ExtractBuilder } from './extract-builder';
import { FIRST_ERRORS } from './idempotency';
import { oneOffPseudonymisers } from './pseudonymiser';

export interface PreviewResult {
  bytes: Uint8Array;
  contentType: string;
  fileName: string;
  records: number;
  profile: { id: string; version: number; sha256: string };
}

/**
 * The extract one profile would make from a small delivery, in memory; nothing is stored.
 * Pseudonyms are made with a one-off key, never the recipient's: a preview must not become a
 * way to learn the pseudonym of a chosen CPR number.
 */
export async function previewExtract(
  catalogue: Catalogue,
  req: {
    dataset: string;
    recipient: string;
    contentType: string;
    body: AsyncIterable<Uint8Array>;
    maxBytes: number;
  },
  now: Clock,
): Promise<PreviewResult> {
  const compiled = catalogue.datasets.get(req.dataset);
  if (!compiled) throw new GatewayError('not_found', `there is no dataset ${JSON.stringify(req.dataset)}`);
  const current = catalogue.profiles.get(req.dataset)?.find((p) => p.profile.recipient === req.recipient);
  if (!current)
    throw new GatewayError(
      'not_found',
      `dataset ${req.dataset} has no profile for recipient ${JSON.stringify(req.recipient)}`,
    );
  const type = readerFor(req.contentType);
  if (!type)
    throw new GatewayError(
      'unsupported_media_type',
      `content type ${mediaTypeAsShown(req.contentType)} is not accepted`,
    );
  const profile = compileProfile(current.profile, compiled.dataset, current.sha256, {
    pseudonymiser: oneOffPseudonymisers('preview'),
  });
  const ctx: DeliveryContext = {
    deliveryId: 'dlv_PREVIEW',
    dataset: req.dataset,
    municipality: '101',
    municipalityName: MUNICIPALITIES.get('101')?.name ?? '',
    // A real period, so that what depends on it (an archival version's dates) can be shown.
    period: periodOf(now(), compiled.dataset.cadence),
    sequence: 1,
    source: 'preview',
    receivedAt: now().toISOString(),
  };
  const parts: Uint8Array[] = [];
  const builder = new ExtractBuilder(profile, 'preview', ctx);
  await builder.openWith({
    async write(chunk) {
      parts.push(chunk);
    },
    async close() {},
    async abort() {
      parts.length = 0;
    },
  });
  const reader = createReader(type, compiled);
  const issues: ValidationIssue[] = [];
  let bytes = 0;
  let total = 0;
  const handle = async (batch: ReturnType<typeof reader.write>) => {
    const valid: Row[] = [];
    for (const raw of batch) {
      total++;
      const row = compiled.validate(raw, issues);
      if (row) valid.push(row);
    }
    if (valid.length) await builder.push(valid);
  };
  for await (const chunk of req.body) {
    bytes += chunk.length;
    if (bytes > req.maxBytes)
      throw new GatewayError('payload_too_large', `a preview takes at most ${req.maxBytes} bytes`);
    await handle(reader.write(chunk));
  }
  await handle(reader.end());
  if (issues.length) {
    throw new GatewayError(
      'delivery_rejected',
      `the sample has ${issues.length} errors; a preview needs valid records`,
      {
        errorCount: issues.length,
        records: { total },
        errors: issues.slice(0, FIRST_ERRORS),
      },
    );
  }
  const result = await builder.finish();
  const out = new Uint8Array(result.bytes);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return {
    bytes: out,
    contentType: builder.contentType,
    fileName: renderFileName(current.profile.fileName, {
      ...ctx,
      extractId: 'ext_PREVIEW',
      recipient: req.recipient,
      version: 1,
    }),
    records: result.records,
    profile: { id: current.profile.id, version: current.profile.version, sha256: current.sha256 },
  };
}
