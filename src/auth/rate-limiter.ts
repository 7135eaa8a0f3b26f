import type { Clock } from '../core/clock';

/**
 * A fixed-window counter per key, in this process: each node limits what it is sent (a
 * deployment of n nodes lets a principal n times the rate through; the limit is a guard
 * against runaway clients and guessing, not an accounting).
 */
export class RateLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return this.clock().getTime();
  }

  private roll(t: number): void {
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t - (t % 60_000);
      this.counts.clear();
    }
  }

  /** Counts one request; the seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const t = this.now();
    this.roll(t);
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n > this.perMinute ? Math.ceil((this.windowStart + 60_000 - t) / 1000) : 0;
  }

  /** Requests counted for the key in this window. */
  count(key: string): number {
    this.roll(this.now());
    return this.counts.get(key) ?? 0;
  }
}
