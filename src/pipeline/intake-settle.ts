/**
 * The intake's last step, once the body is read: the delivery is rejected (too many invalid
 * records: no extract kept), answered as the same bytes accepted before, or accepted with all
 * its extracts in one transaction. Either way its receipt is signed and recorded with it.
 */
import { GatewayError } from '../core/errors';
import { AGE_SUFFIX, renderFileName } from '../core/file-name';
import { isPartial } from '../core/lineage';
import type { CompiledProfile } from '../core/mapper';
import { type ReceiptFacts, signReceipt } from '../receipts/receipt';
import type { NewExtract } from '../stores/metadata-store';
import type { FinishedExtract } from './fan-out';
import { FIRST_ERRORS, replay } from './idempotency';
import type { OpenedDelivery } from './intake-check';
import type { ReadDelivery } from './intake-read';
import type { IntakeDeps, IntakeRequest, IntakeResult } from './intake-types';

/** Rejects, repeats or accepts a delivery read to its end. */
export async function settleDelivery(
  deps: IntakeDeps,
  req: IntakeRequest,
  opened: OpenedDelivery,
  read: ReadDelivery,
): Promise<IntakeResult> {
  const { dataset } = opened.compiled;
  const { total, invalid } = read.records;
  const invalidShare = total === 0 ? 0 : invalid / total;
  const reject =
    invalid > 0 && (dataset.policy.onInvalid === 'reject' || invalidShare > dataset.policy.maxInvalidShare);
  const facts: ReceiptFacts = {
    deliveryId: opened.ctx.deliveryId,
    dataset: dataset.id,
    municipality: req.municipality,
    period: req.period,
    source: req.source,
    sha256: read.sha256,
    bytes: read.bytes,
    records: read.records,
    receivedAt: opened.ctx.receivedAt,
  };
  if (reject) return rejectDelivery(deps, req, read, facts);

  const duplicate = await deps.metadata.findAcceptedDuplicate(opened.delivery, read.sha256);
  if (duplicate) {
    await read.cleanup();
    await deps.metadata.discardReceiving(opened.ctx.deliveryId);
    return { ...(await replay(deps, duplicate)), status: 200 };
  }
  return acceptDelivery(deps, req, opened, read, facts);
}

/** Too many invalid records: nothing kept, the delivery rejected with its report and receipt. */
async function rejectDelivery(
  deps: IntakeDeps,
  req: IntakeRequest,
  read: ReadDelivery,
  facts: ReceiptFacts,
): Promise<never> {
  const { deliveryId } = facts;
  const { records, issues, errorCount, errorsByRule } = read;
  await read.cleanup();
  const completedAt = deps.now().toISOString();
  const receipt = await signReceipt(deps.signer, facts, { status: 'rejected' }, completedAt);
  const detail = `${records.invalid} of ${records.total} records are invalid (${errorCount} errors); nothing was accepted`;
  await deps.metadata.endDelivery({
    id: deliveryId,
    status: 'rejected',
    outcome: { completedAt, sha256: read.sha256, bytes: read.bytes, records, receipt },
    problem: { code: 'delivery_rejected', detail },
    issues,
    errorCount,
    errorsByRule,
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

interface Finished {
  extractId: string;
  objectKey: string;
  compiled: CompiledProfile;
  result: FinishedExtract;
}

/** The extracts completed; the delivery accepted with them, or ended when they could not be. */
async function acceptDelivery(
  deps: IntakeDeps,
  req: IntakeRequest,
  opened: OpenedDelivery,
  read: ReadDelivery,
  facts: ReceiptFacts,
): Promise<IntakeResult> {
  const { deliveryId } = opened.ctx;
  const { sha256, bytes, records } = read;
  try {
    const results = await read.fanOut.finish();
    const finished: Finished[] = read.planned.map((e) => ({
      extractId: e.extractId,
      objectKey: e.objectKey,
      compiled: read.profiles.find((p) => p.profile.recipient === e.recipient) as CompiledProfile,
      result: results.get(e.extractId) as FinishedExtract,
    }));
    const completedAt = deps.now().toISOString();
    const partial = isPartial({ status: 'accepted', records });
    const receipt = await signReceipt(
      deps.signer,
      facts,
      {
        status: 'accepted',
        partial,
        extracts: finished.map(({ extractId, compiled, result }) => ({
          id: extractId,
          recipient: compiled.profile.recipient,
          sha256: result.sha256,
          legalBasis: compiled.profile.lawfulUse.legalBasis,
          purpose: compiled.profile.lawfulUse.purpose,
          personalData: compiled.personalData,
        })),
      },
      completedAt,
    );
    const extracts = finished.map((f) => newExtract(f, opened, completedAt, partial));
    const accepted = await deps.metadata.acceptDelivery({
      id: deliveryId,
      outcome: { sha256, bytes, records, completedAt, receipt },
      extracts,
      actor: req.actor,
      report: { issues: read.issues, errorCount: read.errorCount, errorsByRule: read.errorsByRule },
    });
    if (accepted.repeated) {
      // Another request with the same bytes for this slot was accepted first.
      await deps.objects.deletePrefix(`deliveries/${deliveryId}/`).catch(() => {});
      return { status: 200, delivery: accepted.delivery, extracts: accepted.extracts };
    }
    deps.log?.info(
      {
        deliveryId,
        dataset: facts.dataset,
        municipality: req.municipality,
        period: req.period,
        records: records.total,
        bytes,
        extracts: extracts.length,
      },
      'delivery accepted',
    );
    return { status: 201, ...accepted };
  } catch (e) {
    await read.cleanup();
    // A refusal found while the extracts were written (a character an extract's charset
    // lacks) is the delivery's fault: rejected with its problem. Anything else is ours.
    const refusal = e instanceof GatewayError && e.status < 500 ? e : null;
    await deps.metadata
      .endDelivery({
        id: deliveryId,
        status: refusal ? 'rejected' : 'failed',
        outcome: { completedAt: deps.now().toISOString(), sha256, bytes, records },
        problem: refusal
          ? { code: refusal.code, detail: refusal.message }
          : { code: 'internal', detail: 'the extracts could not be completed' },
        // What validation found is still true: the report and its counts by rule are kept.
        issues: read.issues,
        errorCount: read.errorCount,
        errorsByRule: read.errorsByRule,
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

/** One completed extract as the store records it: its names, its profile, its push and its deadline. */
function newExtract(f: Finished, opened: OpenedDelivery, completedAt: string, partial: boolean): NewExtract {
  const { ctx } = opened;
  const { compiled, result } = f;
  const p = compiled.profile;
  const values = { ...ctx, extractId: f.extractId, recipient: p.recipient };
  return {
    id: f.extractId,
    deliveryId: ctx.deliveryId,
    recipient: p.recipient,
    dataset: ctx.dataset,
    municipality: ctx.municipality,
    period: ctx.period,
    records: result.records,
    sha256: result.sha256,
    bytes: result.bytes,
    format: p.output.format,
    contentType: result.contentType,
    // An encrypted extract is an age file: its name says so.
    fileName: renderFileName(p.fileName, values) + (p.encryption ? AGE_SUFFIX : ''),
    objectKey: f.objectKey,
    profile: { id: p.id, version: p.version, sha256: compiled.sha256 },
    metadata: {
      lawfulUse: p.lawfulUse,
      package: p.package,
      pseudonymKeyIds: compiled.pseudonymKeyIds,
      // Pseudonymised data is personal data too (the keys are named in pseudonymKeyIds).
      personalData: compiled.personalData !== 'none',
      personalDataCategory: compiled.personalData,
      recordsSeen: result.stats.seen,
      recordsFiltered: result.stats.seen - result.stats.kept,
      rowsSuppressed: result.stats.suppressed,
      acknowledgementRequired: p.acknowledgement.required,
      // Invalid records were left out of the delivery this was made from.
      partial,
      ...(p.encryption
        ? { encryption: { format: p.encryption.format, recipients: p.encryption.recipients } }
        : {}),
    },
    push: p.transport.type === 'pull' ? null : p.transport,
    createdAt: completedAt,
    ackDueAt: p.acknowledgement.required
      ? new Date(Date.parse(completedAt) + p.acknowledgement.withinDays * 86_400_000).toISOString()
      : null,
  };
}
