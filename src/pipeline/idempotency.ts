import { createHash } from 'node:crypto';
import { GatewayError } from '../core/errors';
import { type InputType, recordedContentType } from '../formats/readers';
import type { DeliveryRecord } from '../stores/metadata-store';
import type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

/** How many issues a rejection's problem document lists; the report has them all. */
export const FIRST_ERRORS = 20;

export function tooLarge(limit: number): GatewayError {
  return new GatewayError('payload_too_large', `the delivery is larger than ${limit} bytes`);
}

export function keyInUse(earlier: DeliveryRecord): GatewayError {
  return new GatewayError(
    'idempotency_key_in_use',
    'a delivery with this Idempotency-Key is still being received; ask again when it has been answered',
    { deliveryId: earlier.id },
  );
}

/**
 * What a request with an Idempotency-Key used before gets: the first answer again when it
 * names the same slot and sends the same bytes; 422 when it does not; 409 while the first is
 * still being received; null when the first ended before its bytes were read to the end (the
 * key was freed) and this one is to be read as new.
 */
export async function answerForKey(
  deps: IntakeDeps,
  req: IntakeRequest,
  earlier: DeliveryRecord,
  format: InputType,
): Promise<IntakeResult | null> {
  if (
    earlier.dataset !== req.dataset ||
    earlier.municipality !== req.municipality ||
    earlier.period !== req.period
  )
    throw new GatewayError(
      'idempotency_key_mismatch',
      // The earlier slot is not named: the token asking may no longer be allowed to know it.
      'this Idempotency-Key was used for another dataset, municipality or period; use a new key for another delivery',
      { deliveryId: earlier.id },
    );
  if (earlier.status === 'receiving') throw keyInUse(earlier);
  if (earlier.contentType !== recordedContentType(format))
    throw new GatewayError(
      'idempotency_key_mismatch',
      'this Idempotency-Key was used for a delivery of another content type or charset; use a new key',
      { deliveryId: earlier.id },
    );
  if (!earlier.sha256) {
    await deps.metadata.releaseIdempotencyKey(earlier.id);
    return null;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req.body) {
    bytes += chunk.length;
    if (bytes > deps.limits.maxDeliveryBytes) throw tooLarge(deps.limits.maxDeliveryBytes);
    hash.update(chunk);
  }
  if (hash.digest('hex') !== earlier.sha256)
    throw new GatewayError(
      'idempotency_key_mismatch',
      'this Idempotency-Key was used for other bytes; use a new key for another delivery',
      { deliveryId: earlier.id },
    );
  return replay(deps, earlier);
}

/** Answers as the earlier request did: its delivery as it is now, or its rejection. */
export async function replay(deps: IntakeDeps, earlier: DeliveryRecord): Promise<IntakeResult> {
  if (earlier.status === 'accepted') {
    const page = await deps.metadata.listExtracts({ deliveryId: earlier.id }, null, 1000);
    return { status: 201, delivery: earlier, extracts: page.items };
  }
  if (earlier.status === 'receiving') throw keyInUse(earlier);
  const issues = await deps.metadata.listIssues(earlier.id, null, FIRST_ERRORS);
  const code =
    earlier.status === 'rejected' && earlier.problem?.code === 'delivery_rejected'
      ? 'delivery_rejected'
      : 'unprocessable';
  throw new GatewayError(code, earlier.problem?.detail ?? `the delivery was ${earlier.status}`, {
    deliveryId: earlier.id,
    errorCount: earlier.errorCount,
    records: earlier.records,
    errors: issues.items,
    report: `/v1/deliveries/${earlier.id}/report`,
  });
}
