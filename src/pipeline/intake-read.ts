/**
 * The intake's second step: the body read once, to its end. Every chunk is counted, hashed and
 * kept as the original; every record is validated, and the valid ones go to every
 * recipient's extract in the same pass (the fan-out). A body that cannot be read to its end
 * ends the delivery here, with nothing kept.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../core/errors';
import { renderFileName, withoutVersion } from '../core/file-name';
import { newId } from '../core/ids';
import type { CompiledProfile } from '../core/mapper';
import type { RawRecord, Row, ValidationIssue } from '../core/validator';
import { nameAsShown } from '../core/value-shape';
import { createReader } from '../formats/readers';
import type { ObjectSink } from '../stores/object-store';
import { bodyReadFailure } from './body';
import { type FanOut, localFanOut, type PlannedExtract } from './fan-out';
import { tooLarge } from './idempotency';
import type { OpenedDelivery } from './intake-check';
import { type IntakeDeps, type IntakeRequest, originalKey } from './intake-types';

/** A delivery read to its end: its bytes, its records, and the extracts still open. */
export interface ReadDelivery {
  sha256: string;
  bytes: number;
  records: { total: number; valid: number; invalid: number };
  /** The stored issues (bounded), the count of them all, and that count by rule (exact). */
  issues: ValidationIssue[];
  errorCount: number;
  errorsByRule: Record<string, number>;
  /** The profiles of the dataset and the extract each makes. */
  profiles: readonly CompiledProfile[];
  planned: readonly PlannedExtract[];
  fanOut: FanOut;
  /** Gives up the extracts and deletes what the delivery stored. */
  cleanup(): Promise<void>;
}

/** One extract per profile of the dataset, with its id, object key and file name inside a zip. */
function planExtracts(profiles: readonly CompiledProfile[], opened: OpenedDelivery): PlannedExtract[] {
  const { ctx } = opened;
  return profiles.map((p) => {
    const extractId = newId('ext');
    const names = { ...ctx, extractId, recipient: p.profile.recipient };
    return {
      extractId,
      recipient: p.profile.recipient,
      objectKey: `deliveries/${ctx.deliveryId}/${extractId}`,
      entryName: renderFileName(
        withoutVersion(p.profile.entryName ?? p.profile.fileName.replace(/\.zip$/i, '')),
        names,
      ),
    };
  });
}

/** Reads the body through validation and the fan-out; ends the delivery when it cannot. */
export async function readDelivery(
  deps: IntakeDeps,
  req: IntakeRequest,
  opened: OpenedDelivery,
): Promise<ReadDelivery> {
  const { compiled, format, ctx } = opened;
  const { deliveryId } = ctx;
  const dataset = compiled.dataset;
  const profiles = deps.catalogue.profiles.get(dataset.id) ?? [];
  const planned = planExtracts(profiles, opened);
  const fanRequest = { profiles, ctx, extracts: planned, bytesHint: req.bytesHint ?? null };
  const fanOut = deps.fanOut?.(fanRequest) ?? localFanOut(deps.objects, fanRequest);
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
  // Rule ids are the validator's words and the schema's rule ids, never a value sent.
  const byRule = new Map<string, number>();
  let invalidRecords = 0;
  let total = 0;
  let projecting = true;
  const rejectOnAny = dataset.policy.onInvalid === 'reject';

  const handle = async (batch: readonly RawRecord[]) => {
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
        for (let i = before; i < issues.length; i++) {
          const rule = issues[i]?.rule ?? '';
          byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
        }
        // Keep the counts exact, the stored list bounded.
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
    original = await deps.objects.create(originalKey(deliveryId));
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
    throw await endUnread(deps, req, deliveryId, bytes, e);
  }
  return {
    sha256: hash.digest('hex'),
    bytes,
    records: { total, valid: total - invalidRecords, invalid: invalidRecords },
    issues,
    errorCount,
    errorsByRule: Object.fromEntries([...byRule].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    profiles,
    planned,
    fanOut,
    cleanup,
  };
}

/**
 * Ends a delivery whose body was not read to its end: rejected when the client caused it,
 * failed otherwise; frees its idempotency key. Returns the error to answer with.
 */
async function endUnread(
  deps: IntakeDeps,
  req: IntakeRequest,
  deliveryId: string,
  bytes: number,
  e: unknown,
): Promise<GatewayError> {
  const err = e instanceof GatewayError ? e : bodyReadFailure(e);
  const rejected = err !== null && err.status < 500;
  const problem = err
    ? { code: err.code, detail: err.message }
    : { code: 'internal', detail: 'the delivery could not be read to its end' };
  await deps.metadata
    .endDelivery({
      id: deliveryId,
      status: rejected ? 'rejected' : 'failed',
      outcome: { completedAt: deps.now().toISOString(), bytes },
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
    return err;
  }
  deps.log?.error({ err: e, deliveryId }, 'delivery failed while reading');
  return new GatewayError('internal', 'the delivery failed while it was read; nothing was accepted', {
    deliveryId,
  });
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
