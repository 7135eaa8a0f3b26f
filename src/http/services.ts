import type { Catalogue } from '../core/catalogue';
import type { PushRunner } from '../jobs/push-runner';
import type { FanOutFactory } from '../pipeline/fan-out';
import type { ReceiptSigner } from '../receipts/signer';
import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';

/** The part of a logger the app uses: pino on Node, a console-backed one on Workers. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the HTTP app needs; built once by a runtime from its configuration. */
export interface Services {
  catalogue: Catalogue;
  metadata: MetadataStore;
  objects: ObjectStore;
  signer: ReceiptSigner;
  log: Log;
  /** The keyed hash (hex) of a presented token's text, as stored. */
  hashToken(token: string): string;
  /** The unkeyed sha256 earlier versions stored: such a token is re-hashed on first use. */
  legacyHashToken?(token: string): string;
  /** An admin token accepted from start (deployments, tests), by its hash. */
  adminTokenHash: string | null;
  limits: { maxDeliveryBytes: number; maxStoredIssues: number };
  /** Where a delivery's extracts are made; in the request's thread when absent. */
  fanOut?: FanOutFactory;
  /** This node's push worker: kicked when a delivery is accepted. */
  pushes?: PushRunner;
  version: string;
  now?: () => Date;
}
