import { GatewayError } from '../core/errors';

/** How many report computations may wait for a place, beyond those running, on one node. */
export const REPORT_QUEUE_LENGTH = 16;

/** The share of a node's time reports may take, over the last REPORT_WINDOW_MS. */
export const REPORT_TIME_SHARE = 0.5;
/** The window over which the time reports took is counted. */
export const REPORT_WINDOW_MS = 10_000;

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
 *
 * And reports may take at most REPORT_TIME_SHARE of the node's time over the last
 * REPORT_WINDOW_MS (each counted from its start to its end): beyond that, a new one is refused
 * with 429 and Retry-After until enough has passed, so deliveries and downloads keep the rest.
 */
export class ReportGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly holders = new Set<string>();
  /** The reports that ended within the window: when, and how long each took (ms). */
  private readonly spent: Array<{ end: number; ms: number }> = [];

  constructor(
    readonly atOnce: number,
    /** Milliseconds on a clock that only goes forward. */
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(atOnce) || atOnce < 1) throw new RangeError('atOnce must be a positive integer');
  }

  /** Seconds until the reports of the window took less than their share; 0 when they do now. */
  private overBudget(now: number): number {
    while (this.spent.length && (this.spent[0]?.end ?? 0) <= now - REPORT_WINDOW_MS) this.spent.shift();
    const budget = REPORT_TIME_SHARE * REPORT_WINDOW_MS;
    let total = this.spent.reduce((sum, r) => sum + r.ms, 0);
    if (total < budget) return 0;
    // The oldest leave the window first: wait until enough of them have.
    for (const r of this.spent) {
      total -= r.ms;
      if (total < budget) return Math.max(1, Math.ceil((r.end + REPORT_WINDOW_MS - now) / 1000));
    }
    return Math.ceil(REPORT_WINDOW_MS / 1000);
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
    const wait = this.overBudget(this.clock());
    if (wait > 0)
      throw new GatewayError(
        'rate_limited',
        `reports took their share of this node's time (${REPORT_TIME_SHARE * 100} % over ${REPORT_WINDOW_MS / 1000} s); try again in ${wait} s`,
        { retryAfter: wait },
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
        const start = this.clock();
        try {
          return await make();
        } finally {
          const end = this.clock();
          this.spent.push({ end, ms: end - start });
        }
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
