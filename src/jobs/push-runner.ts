import { type PushDeps, type PushRunOptions, runDuePushes } from '../pipeline/push';

export interface PushRunner {
  /** Looks for due pushes now, or once more after the run in progress. */
  kick(): void;
  /** Resolves when no run is in progress (for shutdown and tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One node's push worker: one run at a time, a kick during a run makes one more run after
 * it, and each run goes on while it finds pushes that are due.
 */
export function createPushRunner(
  deps: PushDeps & {
    log?: PushDeps['log'] & { error(o: object, msg: string): void };
    /** Where push attempts are counted: this node's metrics. */
    metrics?: { count(name: string, help: string, labels: Record<string, string>, by?: number): void };
  },
  options: PushRunOptions = {},
  /** Further work of the same queue (the webhooks): how many items it handled; the loop goes on while it is busy. */
  more?: () => Promise<number>,
): PushRunner {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const loop = async () => {
    do {
      again = false;
      try {
        for (;;) {
          const t = await runDuePushes(deps, options);
          for (const [outcome, n] of Object.entries(t))
            if (n)
              deps.metrics?.count(
                'gateway_push_attempts_total',
                'Push attempts on this node by outcome',
                { outcome },
                n,
              );
          const n = t.delivered + t.retried + t.failed + t.cancelled;
          const others = more ? await more() : 0;
          if (stopped || (n < (options.limit ?? 10) && others === 0)) break;
        }
      } catch (err) {
        deps.log?.error({ err }, 'push run failed');
      }
    } while (again && !stopped);
  };
  const runner: PushRunner = {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
        // A kick that came after the last look but before this: look once more.
        if (again && !stopped) runner.kick();
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
