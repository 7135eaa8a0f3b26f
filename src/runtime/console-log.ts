import type { Clock } from '../core/clock';
import { maskCprShaped } from '../core/cpr-shaped';
import type { Log } from '../http/services';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * A logger for a runtime without pino (Workers): one JSON line per entry on the console, at
 * LOG_LEVEL and above, with any text shaped like a CPR number masked before it is written.
 */
export function consoleLog(level: string, now: Clock): Log {
  const min = Math.max(0, LEVELS.indexOf(level));
  const at =
    (name: string, write: (s: string) => void) =>
    (obj: object, msg: string): void => {
      if (LEVELS.indexOf(name) < min) return;
      const line = JSON.stringify(
        { level: name, time: now().getTime(), service: 'gateway', ...obj, msg },
        (_k, v) => (v instanceof Error ? { message: v.message } : v),
      );
      write(maskCprShaped(line));
    };
  return {
    debug: at('debug', (s) => console.debug(s)),
    info: at('info', (s) => console.log(s)),
    warn: at('warn', (s) => console.warn(s)),
    error: at('error', (s) => console.error(s)),
  };
}
