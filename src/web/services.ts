import type { AuthServices } from '../auth/principals';
import type { Catalogue } from '../core/catalogue';
import type { Clock } from '../core/clock';
import type { ObjectStore } from '../stores/object-store';

/** What the dashboard reads: the stores, the catalogue, the clock, and how a request signs in. */
export interface DashboardServices extends AuthServices {
  catalogue: Catalogue;
  /** The gateway's clock: which period is due is decided by it, as in GET /v1/status. */
  now: Clock;
  /** Where a recipient's extract bytes are read from (its download). */
  objects: ObjectStore;
  log: { error(o: object, msg: string): void };
  /** Whether the client's own connection is HTTPS; undefined when the runtime cannot tell. */
  clientProtocol?(raw: unknown): 'http' | 'https' | undefined;
}
