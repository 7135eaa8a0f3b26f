import type { AuditKey } from '../audit/checkpoint';
import type { ClientCertificate } from '../auth/principal';
import type { SecretSeal } from '../auth/secret-seal';
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import type { SlotStatusSource } from '../core/run-report';
import type { PushRunner } from '../jobs/push-runner';
import type { RevalidationRunner } from '../jobs/revalidation-runner';
import type { FanOutFactory } from '../pipeline/fan-out';
import type { WebhookSettings } from '../pipeline/webhooks';
import type { ReceiptSigner } from '../receipts/signer';
import type { MetadataStore } from '../stores/metadata-store';
import type { ObjectStore } from '../stores/object-store';
import type { Metrics } from './metrics';

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
  /** Signs the audit chain's checkpoints; kept outside the metadata database (audit/checkpoint.ts). */
  auditKey: AuditKey;
  /** Webhooks: how their signing secrets are sealed for the store, and how they are sent. */
  webhooks: { seal: SecretSeal; settings: WebhookSettings };
  log: Log;
  /** The keyed hash (hex) of a presented token's text, as stored. */
  hashToken(token: string): string;
  /** The unkeyed sha256 earlier versions stored: such a token is re-hashed on first use. */
  legacyHashToken?(token: string): string;
  /** An admin token accepted from start (deployments, tests), by its hash. */
  adminTokenHash: string | null;
  limits: {
    maxDeliveryBytes: number;
    maxStoredIssues: number;
    /** Requests a minute one token may make on this node; 0 for no limit. */
    requestsPerMinute?: number;
    /** Failed authentications a minute from one address before it is refused for the rest of the minute. */
    authFailuresPerMinute?: number;
    /** Reports over many slots this node makes at once (auth/report-gate.ts); default 1. */
    reportsAtOnce?: number;
  };
  /** Origins a browser may call the API from (CORS); none when absent. */
  corsOrigins?: string[];
  /** The client certificate the TLS layer or a trusted proxy verified, if any. */
  clientCertificate?(raw: unknown): ClientCertificate | null;
  /** The address a request came from, as the runtime knows it. */
  clientAddress?(raw: unknown): string | undefined;
  /**
   * Whether the client's own connection is HTTPS: this server's TLS, or X-Forwarded-Proto from a
   * trusted proxy. Undefined when the runtime cannot tell (the request URL decides).
   */
  clientProtocol?(raw: unknown): 'http' | 'https' | undefined;
  /** Where a delivery's extracts are made; in the request's thread when absent. */
  fanOut?: FanOutFactory;
  /** This node's metrics (timings, job outcomes); made by the app when absent. */
  metrics?: Metrics;
  /** This node's push worker: kicked when a delivery is accepted. */
  pushes?: PushRunner;
  /** The status of a period's obligated slots: what a monthly run reports. */
  slotStatuses: SlotStatusSource;
  /** This node's re-validation worker: kicked when a run is asked for. */
  revalidations?: RevalidationRunner;
  version: string;
  /** The time, from the clock the composition root hands out. */
  now: Clock;
}
