import { createMiddleware } from 'hono/factory';
import type { RateLimiter } from '../auth/rate-limiter';
import type { ReportGate } from '../auth/report-gate';
import { GatewayError } from '../core/errors';
import type { AuthVariables } from './auth';

function refuse(retryAfter: number, what: string): never {
  throw new GatewayError('rate_limited', `${what}; try again in ${retryAfter} s`, { retryAfter });
}

/** At most `perMinute` requests a minute for each principal (after authentication). */
export function principalRateLimit(limiter: RateLimiter | null) {
  return createMiddleware<{ Variables: AuthVariables }>(async function rateLimit(c, next) {
    if (limiter) {
      const wait = limiter.hit(c.get('principal').tokenId);
      if (wait > 0) {
        c.header('retry-after', String(wait));
        refuse(wait, `more than ${limiter.perMinute} requests a minute from this token`);
      }
    }
    return next();
  });
}

/** The report routes go through the node's report gate, one at a time per token (report-gate.ts). */
export function throughReportGate(gate: ReportGate) {
  return createMiddleware<{ Variables: AuthVariables }>(async function reportGate(c, next) {
    await gate.run(c.get('principal').tokenId, () => next());
  });
}
