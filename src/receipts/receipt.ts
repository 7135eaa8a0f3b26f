import type { ReceiptPayload, ReceiptSigner } from './signer';

/** What a delivery's receipt states of it, however it ended: the slot, its bytes and its records. */
export interface ReceiptFacts {
  deliveryId: string;
  dataset: string;
  municipality: string;
  period: string;
  source: string;
  sha256: string;
  bytes: number;
  records: ReceiptPayload['records'];
  receivedAt: string;
}

/** How the delivery ended: accepted with its extracts, or rejected with none. */
export type ReceiptOutcome =
  | { status: 'accepted'; partial: boolean; extracts: NonNullable<ReceiptPayload['extracts']> }
  | { status: 'rejected' };

/** The delivery's receipt, signed: the one place a receipt's fields are put together. */
export function signReceipt(
  signer: ReceiptSigner,
  facts: ReceiptFacts,
  outcome: ReceiptOutcome,
  completedAt: string,
): Promise<string> {
  const payload: ReceiptPayload = {
    deliveryId: facts.deliveryId,
    dataset: facts.dataset,
    municipality: facts.municipality,
    period: facts.period,
    source: facts.source,
    status: outcome.status,
    sha256: facts.sha256,
    bytes: facts.bytes,
    records: facts.records,
    receivedAt: facts.receivedAt,
    completedAt,
    ...(outcome.status === 'accepted' ? { partial: outcome.partial, extracts: outcome.extracts } : {}),
  };
  return signer.sign(payload);
}
