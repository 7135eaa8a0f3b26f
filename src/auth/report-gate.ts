import { GatewayError } from '../core/errors';

/** How many report computations may wait for a place, beyond those running, on one node. */
export const REPORT_QUEUE_LENGTH = 16;

/** The next turn of the event loop: what is waiting (a request, /health) is taken up first. */
const nextTurn = () => new Promise<void>((go) => setTimeout(go, 0));

/**
 * The reports computed over many slots (status, quality, consolidation, a run made now, the
 * dashboard's national and municipality pages) cost up to a few hundred milliseconds of this
 * process and megabytes each. The gate lets `atOnce` of them run on a node, queues up to
 * REPORT_QUEUE_LENGTH more in order of arrival, and holds one per principal (running or
 * waiting): a second from the same token while its first is under way, or any beyond the
 * queue, is refused with 429 and Retry-After, so no client can hold the node's event loop.
 *
 * A report's reads may never give the event loop back (the embedded database answers within
 * the same turn), so the gate does: a report starts on a later turn than it arrives, and the
 * next in line starts on a later turn than the last ends. Requests that came meanwhile are
 * taken in (and counted by the gate), and /health is answered, between any two reports.
 */
export class ReportGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly holders = new Set<string>();

  constructor(readonly atOnce: number) {
    if (!Number.isInteger(atOnce) || atOnce < 1) throw new RangeError('atOnce must be a positive integer');
  }

  /** Reports running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `make` once a place is free; refuses (rate_limited) as the class says. */
  async run<T>(principal: string, make: () => Promise<T>): Promise<T> {
    if (this.holders.has(principal))
      throw new GatewayError(
        'rate_limited',
        'a report for this token is still being made; one at a time per token, try again in 1 s',
        { retryAfter: 1 },
      );
    const full = this.running >= this.atOnce;
    if (full && this.waiting.length >= REPORT_QUEUE_LENGTH)
      throw new GatewayError(
        'rate_limited',
        'this node is making as many reports as it takes; try again in 2 s',
        {
          retryAfter: 2,
        },
      );
    this.holders.add(principal);
    try {
      if (full) await new Promise<void>((start) => this.waiting.push(start));
      else this.running++;
      try {
        await nextTurn();
        return await make();
      } finally {
        // The place passes to the next in line (on a later turn), or is freed.
        const next = this.waiting.shift();
        if (next) setTimeout(next, 0);
        else this.running--;
      }
    } finally {
      this.holders.delete(principal);
    }
  }
}
