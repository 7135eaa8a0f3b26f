/** What the intake is given, what it is asked, and what it answers. */
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import type { ReceiptSigner } from '../receipts/signer';
import type { DeliveryRecord, ExtractRecord, MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';
import type { FanOutFactory } from './fan-out';

export interface IntakeDeps {
  catalogue: Catalogue;
  metadata: MetadataStore;
  objects: ObjectStore;
  signer: ReceiptSigner;
  limits: { maxDeliveryBytes: number; maxStoredIssues: number };
  now: Clock;
  /** Where the profiles' work runs; in this thread when absent or when it answers null. */
  fanOut?: FanOutFactory;
  log?: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export interface IntakeRequest {
  dataset: string;
  municipality: string;
  period: string;
  /** The source system (the token's subject). */
  source: string;
  /** Who submitted, as the audit log names them. */
  actor: string;
  contentType: string;
  idempotencyKey: string | null;
  body: AsyncIterable<Uint8Array>;
  /** Content-Length, when the request stated one. */
  bytesHint?: number | null;
}

export interface IntakeResult {
  /** 201 for a new accepted delivery, 200 for one that repeats an earlier one. */
  status: 200 | 201;
  delivery: DeliveryRecord;
  extracts: ExtractRecord[];
}

/** Where a delivery's original bytes are kept in the object store (they hold the CPR numbers). */
export const originalKey = (deliveryId: string) => `deliveries/${deliveryId}/original`;
