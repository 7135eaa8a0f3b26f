/**
 * The one clock: every part of the gateway that needs the time is handed a Clock by the
 * composition root, so a test can set the time and nothing reads it on its own.
 */
export type Clock = () => Date;

/** The machine's clock; the composition root is its only caller. */
export const systemClock: Clock = () => new Date();

/** A clock that stands where it is set: for loading a planned year and for tests. */
export function settableClock(start: Date): { now: Clock; set(at: Date): void } {
  let ms = start.getTime();
  return {
    now: () => new Date(ms),
    set(at: Date) {
      ms = at.getTime();
    },
  };
}
