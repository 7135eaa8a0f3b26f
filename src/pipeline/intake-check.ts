/**
 * The intake's first step, before a byte of the body is read: the request names a slot that
 * exists and is open, in a content type the gateway reads; a repeated Idempotency-Key gets
 * the first answer again; otherwise the delivery is recorded as receiving.
 */
import { createHash } from 'node:crypto';
import type { Catalogue } from '../core/catalogue';
import { GatewayError } from '../core/errors';
import { danishDate } from '../core/holidays';
import { newId } from '../core/ids';
import { MUNICIPALITIES } from '../core/municipalities';
import { PERIOD_FORMATS, parsePeriod } from '../core/period';
import type { DeliveryContext } from '../core/projection';
import type { CompiledDataset } from '../core/validator';
import { mediaTypeAsShown, nameAsShown } from '../core/value-shape';
import { ACCEPTED_TYPES, type InputType, readerFor, recordedContentType } from '../formats/readers';
import type { DeliveryRecord } from '../stores/metadata-store';
import { answerForKey, keyInUse } from './idempotency';
import type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

/**
 * Checks what can be checked before a byte is read: dataset, municipality, period (also that
 * it has begun, by the Danish calendar), content type.
 */
export function checkIntakeRequest(
  catalogue: Catalogue,
  req: Pick<IntakeRequest, 'dataset' | 'municipality' | 'period' | 'contentType'>,
  now: Date,
) {
  const compiled = catalogue.datasets.get(req.dataset);
  if (!compiled) throw new GatewayError('unknown_dataset', `there is no dataset ${nameAsShown(req.dataset)}`);
  if (!MUNICIPALITIES.has(req.municipality))
    throw new GatewayError(
      'invalid_municipality',
      `${nameAsShown(req.municipality)} is not one of the 98 municipality codes`,
    );
  const period = parsePeriod(req.period, compiled.dataset.cadence);
  if (!period)
    throw new GatewayError(
      'invalid_period',
      `${nameAsShown(req.period)} is not a ${compiled.dataset.cadence} period (${PERIOD_FORMATS[compiled.dataset.cadence]})`,
    );
  if (period.start > danishDate(now))
    throw new GatewayError(
      'period_not_open',
      `the period ${period.id} begins on ${period.start}; it can be delivered from then`,
    );
  const format = readerFor(req.contentType);
  if (!format)
    throw new GatewayError(
      'unsupported_media_type',
      `content type ${mediaTypeAsShown(req.contentType)} is not accepted; send one of ${ACCEPTED_TYPES.join(', ')}`,
    );
  return { compiled, period, format };
}

/** A delivery recorded as receiving: what the next steps read it with and name it by. */
export interface OpenedDelivery {
  compiled: CompiledDataset;
  format: InputType;
  delivery: DeliveryRecord;
  /** The delivery's facts, as the profiles and file names see them. */
  ctx: DeliveryContext;
}

/** The request checked: answered already (a repeated Idempotency-Key), or a delivery to read. */
export type CheckedDelivery = { answered: IntakeResult } | { opened: OpenedDelivery };

/** Checks the request and its slot, and records the delivery as receiving. */
export async function checkDelivery(deps: IntakeDeps, req: IntakeRequest): Promise<CheckedDelivery> {
  const { compiled, format } = checkIntakeRequest(deps.catalogue, req, deps.now());
  const dataset = compiled.dataset;

  // The key is the client's text: it is kept as its sha256, like anything else a client chose.
  const keyHash = req.idempotencyKey ? createHash('sha256').update(req.idempotencyKey).digest('hex') : null;
  if (keyHash) {
    const earlier = await deps.metadata.findDeliveryByIdempotencyKey(req.source, keyHash);
    if (earlier) {
      const answer = await answerForKey(deps, req, earlier, format);
      if (answer) return { answered: answer };
    }
  }

  const deliveryId = newId('dlv');
  const receivedAt = deps.now().toISOString();
  let delivery: DeliveryRecord;
  try {
    delivery = await deps.metadata.createDelivery({
      id: deliveryId,
      dataset: dataset.id,
      datasetVersion: dataset.version,
      municipality: req.municipality,
      period: req.period,
      source: req.source,
      actor: req.actor,
      contentType: recordedContentType(format),
      idempotencyKey: keyHash,
      receivedAt,
    });
  } catch (e) {
    // Two requests with one idempotency key raced: the other one owns it.
    if (keyHash) {
      const earlier = await deps.metadata.findDeliveryByIdempotencyKey(req.source, keyHash);
      if (earlier) throw keyInUse(earlier);
    }
    throw e;
  }
  const ctx: DeliveryContext = {
    deliveryId,
    dataset: dataset.id,
    municipality: req.municipality,
    municipalityName: MUNICIPALITIES.get(req.municipality)?.name ?? '',
    period: req.period,
    sequence: delivery.sequence,
    source: req.source,
    receivedAt,
  };
  return { opened: { compiled, format, delivery, ctx } };
}
