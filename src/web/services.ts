import type { AuthServices } from '../auth/principals';
import type { Catalogue } from '../core/catalogue';

/** What the dashboard reads: the stores, the catalogue, and how a request signs in. */
export interface DashboardServices extends AuthServices {
  catalogue: Catalogue;
  /** Whether the client's own connection is HTTPS; undefined when the runtime cannot tell. */
  clientProtocol?(raw: unknown): 'http' | 'https' | undefined;
}
