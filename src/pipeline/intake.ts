import { createHash } from 'node:crypto';
import type { Catalogue } from '../core/catalogue';
import { GatewayError } from '../core/errors';
import { renderFileName } from '../core/file-name';
import { newId } from '../core/ids';
import type { CompiledProfile } from '../core/mapper';
import { MUNICIPALITIES } from '../core/municipalities';
import { PERIOD_FORMATS, parsePeriod } from '../core/period';
import type { DeliveryContext } from '../core/projection';
import type { Row, ValidationIssue } from '../core/validator';
import { nameAsShown } from '../core/value-shape';
import { ACCEPTED_TYPES, createReader, readerFor, recordedContentType } from '../formats/readers';
import { type ReceiptFacts, signReceipt } from '../receipts/receipt';
import type { DeliveryRecord, NewExtract } from '../stores/metadata-store';
import type { ObjectSink } from '../stores/object-store';
import { bodyReadFailure } from './body';
import { type FinishedExtract, localFanOut, type PlannedExtract } from './fan-out';
import { answerForKey, FIRST_ERRORS, keyInUse, replay, tooLarge } from './idempotency';
import type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

export { FIRST_ERRORS } from './idempotency';

/** The calendar day in Denmark at an instant, as YYYY-MM-DD: periods begin on Danish days. */
const danishDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Copenhagen',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * Checks what can be checked before a byte is read: dataset, municipality, period (also that
 * it has begun, by the Danish calendar), content type.
 */
export function checkIntakeRequest(
  catalogue: Catalogue,
  req: Pick<IntakeRequest, 'dataset' | 'municipality' | 'period' | 'contentType'>,
  now: Date = new Date(),
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
  if (period.start > danishDay.format(now))
    throw new GatewayError(
      'period_not_open',
      `the period ${period.id} begins on ${period.start}; it can be delivered from then`,
    );
  const format = readerFor(req.contentType);
  if (!format)
    throw new GatewayError(
      'unsupported_media_type',
      `content type ${nameAsShown(req.contentType.split(';')[0]?.trim() ?? '')} is not accepted; send one of ${ACCEPTED_TYPES.join(', ')}`,
    );
  return { compiled, period, format };
}

/**
 * Reads a delivery once: validates every record and, in the same pass, writes every
 * recipient's extract. The delivery is accepted with all its extracts in one transaction,
 * or rejected with none.
 */
export async function intake(deps: IntakeDeps, req: IntakeRequest): Promise<IntakeResult> {
  const now = deps.now ?? (() => new Date());
  const { compiled, format } = checkIntakeRequest(deps.catalogue, req, now());
  const dataset = compiled.dataset;

  // The key is the client's text: it is kept as its sha256, like anything else a client chose.
  const keyHash = req.idempotencyKey ? createHash('sha256').update(req.idempotencyKey).digest('hex') : null;
  if (keyHash) {
    const earlier = await deps.metadata.findDeliveryByIdempotencyKey(req.source, keyHash);
    if (earlier) {
      const answer = await answerForKey(deps, req, earlier, format);
      if (answer) return answer;
    }
  }

  const deliveryId = newId('dlv');
  const receivedAt = now().toISOString();
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
    source: req.source,
    receivedAt,
  };
  const profiles = deps.catalogue.profiles.get(dataset.id) ?? [];
  const planned: PlannedExtract[] = profiles.map((p) => {
    const extractId = newId('ext');
    const names = { ...ctx, extractId, recipient: p.profile.recipient };
    return {
      extractId,
      recipient: p.profile.recipient,
      objectKey: `deliveries/${deliveryId}/${extractId}`,
      entryName: renderFileName(p.profile.entryName ?? p.profile.fileName.replace(/\.zip$/i, ''), names),
    };
  });
  const fanRequest = { profiles, ctx, extracts: planned, bytesHint: req.bytesHint ?? null };
  const fanOut = deps.fanOut?.(fanRequest) ?? localFanOut(deps.objects, fanRequest);
  const originalKey = `deliveries/${deliveryId}/original`;
  let original: ObjectSink | null = null;
  const cleanup = async () => {
    await original?.abort().catch(() => {});
    await fanOut.abort().catch(() => {});
    await deps.objects.deletePrefix(`deliveries/${deliveryId}/`).catch(() => {});
  };

  const hash = createHash('sha256');
  let bytes = 0;
  const issues: ValidationIssue[] = [];
  let errorCount = 0;
  let invalidRecords = 0;
  let total = 0;
  let projecting = true;
  const rejectOnAny = dataset.policy.onInvalid === 'reject';

  const handle = async (batch: ReturnType<ReturnType<typeof createReader>['write']>) => {
    if (batch.length === 0) return;
    const valid: Row[] = [];
    for (const raw of batch) {
      total++;
      const before = issues.length;
      const row = compiled.validate(raw, issues);
      if (row) valid.push(row);
      else {
        invalidRecords++;
        errorCount += issues.length - before;
        // Keep the count exact, the stored list bounded.
        if (issues.length > deps.limits.maxStoredIssues) issues.length = deps.limits.maxStoredIssues;
      }
    }
    if (invalidRecords > 0 && rejectOnAny && projecting) {
      // The delivery will be rejected: stop writing extracts, keep reading for a complete report.
      projecting = false;
      await fanOut.abort();
    }
    if (projecting && valid.length) await fanOut.push(valid);
  };

  try {
    original = await deps.objects.create(originalKey);
    await fanOut.open();
    const reader = createReader(format, compiled);
    let checkedRoot = false;
    for await (const chunk of req.body) {
      bytes += chunk.length;
      if (bytes > deps.limits.maxDeliveryBytes) throw tooLarge(deps.limits.maxDeliveryBytes);
      hash.update(chunk);
      const stored = original.write(chunk);
      const batch = reader.write(chunk);
      if (!checkedRoot && reader.rootAttributes) {
        checkedRoot = true;
        checkRootAttributes(reader.rootAttributes, req);
      }
      await handle(batch);
      await stored;
    }
    const tail = reader.end();
    if (!checkedRoot && reader.rootAttributes) checkRootAttributes(reader.rootAttributes, req);
    await handle(tail);
    // An empty delivery would replace the slot's data with nothing for every recipient.
    if (total === 0)
      throw new GatewayError('unprocessable', 'the delivery holds no records; nothing was accepted');
    await original.close();
    original = null;
  } catch (e) {
    await cleanup();
    const err = e instanceof GatewayError ? e : bodyReadFailure(e);
    const rejected = err !== null && err.status < 500;
    const problem = err
      ? { code: err.code, detail: err.message }
      : { code: 'internal', detail: 'the delivery could not be read to its end' };
    await deps.metadata
      .endDelivery({
        id: deliveryId,
        status: rejected ? 'rejected' : 'failed',
        outcome: { completedAt: now().toISOString(), bytes },
        problem,
        issues: [],
        errorCount: 0,
        actor: req.actor,
      })
      .catch((storeError) =>
        deps.log?.error({ err: storeError, deliveryId }, 'could not record the end of a delivery'),
      );
    // Its bytes were not read to the end, so they cannot be compared with a retry's: the key
    // is free again, and the same bytes sent with it are read (and refused) afresh.
    if (req.idempotencyKey)
      await deps.metadata
        .releaseIdempotencyKey(deliveryId)
        .catch((storeError) =>
          deps.log?.error({ err: storeError, deliveryId }, 'could not free an idempotency key'),
        );
    if (err) {
      err.extensions.deliveryId = deliveryId;
      throw err;
    }
    deps.log?.error({ err: e, deliveryId }, 'delivery failed while reading');
    throw new GatewayError('internal', 'the delivery failed while it was read; nothing was accepted', {
      deliveryId,
    });
  }

  const sha256 = hash.digest('hex');
  const records = { total, valid: total - invalidRecords, invalid: invalidRecords };
  const invalidShare = total === 0 ? 0 : invalidRecords / total;
  const reject = invalidRecords > 0 && (rejectOnAny || invalidShare > dataset.policy.maxInvalidShare);
  const receiptFacts: ReceiptFacts = {
    deliveryId,
    dataset: dataset.id,
    municipality: req.municipality,
    period: req.period,
    source: req.source,
    sha256,
    bytes,
    records,
    receivedAt,
  };

  if (reject) {
    await cleanup();
    const completedAt = now().toISOString();
    const receipt = await signReceipt(deps.signer, receiptFacts, { status: 'rejected' }, completedAt);
    const detail = `${invalidRecords} of ${total} records are invalid (${errorCount} errors); nothing was accepted`;
    await deps.metadata.endDelivery({
      id: deliveryId,
      status: 'rejected',
      outcome: { completedAt, sha256, bytes, records, receipt },
      problem: { code: 'delivery_rejected', detail },
      issues,
      errorCount,
      actor: req.actor,
    });
    throw new GatewayError('delivery_rejected', detail, {
      deliveryId,
      errorCount,
      records,
      errors: issues.slice(0, FIRST_ERRORS),
      report: `/v1/deliveries/${deliveryId}/report`,
      receipt,
    });
  }

  const duplicate = await deps.metadata.findAcceptedDuplicate(delivery, sha256);
  if (duplicate) {
    await cleanup();
    await deps.metadata.discardReceiving(deliveryId);
    return { ...(await replay(deps, duplicate)), status: 200 };
  }

  try {
    const results = await fanOut.finish();
    const finished = planned.map((e) => ({
      extractId: e.extractId,
      objectKey: e.objectKey,
      compiled: profiles.find((p) => p.profile.recipient === e.recipient) as CompiledProfile,
      result: results.get(e.extractId) as FinishedExtract,
    }));
    const completedAt = now().toISOString();
    const receipt = await signReceipt(
      deps.signer,
      receiptFacts,
      {
        status: 'accepted',
        extracts: finished.map(({ extractId, compiled, result }) => ({
          id: extractId,
          recipient: compiled.profile.recipient,
          sha256: result.sha256,
        })),
      },
      completedAt,
    );
    const extracts: NewExtract[] = finished.map(({ extractId, objectKey, compiled, result }) => {
      const p = compiled.profile;
      const values = { ...ctx, extractId, recipient: p.recipient };
      return {
        id: extractId,
        deliveryId,
        recipient: p.recipient,
        dataset: dataset.id,
        municipality: req.municipality,
        period: req.period,
        records: result.records,
        sha256: result.sha256,
        bytes: result.bytes,
        format: p.output.format,
        contentType: result.contentType,
        fileName: renderFileName(p.fileName, values),
        objectKey,
        profile: { id: p.id, version: p.version, sha256: compiled.sha256 },
        metadata: {
          lawfulUse: p.lawfulUse,
          package: p.package,
          pseudonymKeyIds: compiled.pseudonymKeyIds,
          personalData: compiled.carriesPersonalData,
          recordsSeen: result.stats.seen,
          recordsFiltered: result.stats.seen - result.stats.kept,
          rowsSuppressed: result.stats.suppressed,
          acknowledgementRequired: p.acknowledgement.required,
        },
        push: p.transport.type === 'pull' ? null : p.transport,
        createdAt: completedAt,
        ackDueAt: p.acknowledgement.required
          ? new Date(Date.parse(completedAt) + p.acknowledgement.withinDays * 86_400_000).toISOString()
          : null,
      };
    });
    const accepted = await deps.metadata.acceptDelivery({
      id: deliveryId,
      outcome: { sha256, bytes, records, completedAt, receipt },
      extracts,
      actor: req.actor,
      report: { issues, errorCount },
    });
    if (accepted.repeated) {
      // Another request with the same bytes for this slot was accepted first.
      await deps.objects.deletePrefix(`deliveries/${deliveryId}/`).catch(() => {});
      return { status: 200, delivery: accepted.delivery, extracts: accepted.extracts };
    }
    deps.log?.info(
      {
        deliveryId,
        dataset: dataset.id,
        municipality: req.municipality,
        period: req.period,
        records: total,
        bytes,
        extracts: extracts.length,
      },
      'delivery accepted',
    );
    return { status: 201, ...accepted };
  } catch (e) {
    await cleanup();
    // A refusal found while the extracts were written (a character an extract's charset
    // lacks) is the delivery's fault: rejected with its problem. Anything else is ours.
    const refusal = e instanceof GatewayError && e.status < 500 ? e : null;
    await deps.metadata
      .endDelivery({
        id: deliveryId,
        status: refusal ? 'rejected' : 'failed',
        outcome: { completedAt: now().toISOString(), sha256, bytes, records },
        problem: refusal
          ? { code: refusal.code, detail: refusal.message }
          : { code: 'internal', detail: 'the extracts could not be completed' },
        issues: [],
        errorCount: 0,
        actor: req.actor,
      })
      .catch(() => {});
    deps.log?.error({ err: e, deliveryId }, 'delivery failed while its extracts were completed');
    if (e instanceof GatewayError) {
      e.extensions.deliveryId = deliveryId;
      throw e;
    }
    throw new GatewayError(
      'internal',
      'the delivery failed while its extracts were made; nothing was accepted',
      { deliveryId },
    );
  }
}

function checkRootAttributes(attrs: Record<string, string>, req: IntakeRequest): void {
  for (const key of ['dataset', 'municipality', 'period'] as const) {
    const v = attrs[key];
    if (v !== undefined && v !== req[key])
      throw new GatewayError(
        'metadata_mismatch',
        `the root element's ${key} attribute (${nameAsShown(v)}) disagrees with the request's ${key} (${nameAsShown(req[key])})`,
        {
          field: key,
        },
      );
  }
}
