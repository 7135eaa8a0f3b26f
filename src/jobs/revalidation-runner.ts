import {
  type RevalidationDeps,
  type RevalidationOptions,
  runPendingRevalidations,
} from '../pipeline/revalidate';

export interface RevalidationRunner {
  /** Looks for waiting runs now, or once more after the pass in progress. */
  kick(): void;
  /** Resolves when no pass is in progress (for shutdown and tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One node's re-validation worker: one pass at a time; a kick during a pass makes one more
 * pass after it. Another node may hold a run: the store's lease decides who works it.
 */
export function createRevalidationRunner(
  deps: RevalidationDeps,
  options: RevalidationOptions = {},
): RevalidationRunner {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const loop = async () => {
    do {
      again = false;
      try {
        await runPendingRevalidations(deps, options);
      } catch (err) {
        deps.log?.error({ err }, 're-validation pass failed');
      }
    } while (again && !stopped);
  };
  const runner: RevalidationRunner = {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
      });
    },
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      while (running) await running;
    },
  };
  return runner;
}
