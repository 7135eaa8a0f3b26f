import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_QUEUE_LENGTH } from '../../src/auth/report-gate';
import {
  dashboardCookie,
  type Gateway,
  type MemoryGateway,
  startGateway,
  startMemoryGateway,
} from '../support/harness';

describe('limits and browser access', () => {
  const gateways: Gateway[] = [];
  const open = async (env: Record<string, string>) => {
    const g = await startGateway(env);
    gateways.push(g);
    return g;
  };
  afterAll(async () => {
    for (const g of gateways) await g.close();
  });

  it('a token over its requests a minute gets 429 with Retry-After; another token does not notice', async () => {
    const gw = await open({ GATEWAY_RATE_LIMIT_PER_MINUTE: '5' });
    const a = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    const b = (await gw.issueToken({ role: 'auditor', subject: 'b' })).token;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await gw.request('/v1/audit/verify', { token: a })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await gw.request('/v1/audit/verify', { token: a });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(((await limited.json()) as { type: string }).type).toBe('/problems/rate_limited');
    expect((await gw.request('/v1/audit/verify', { token: b })).status).toBe(200);
  });

  it('an address that keeps presenting bad tokens is refused for the rest of the minute', async () => {
    const gw = await open({ GATEWAY_AUTH_FAILURES_PER_MINUTE: '3' });
    const good = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    for (let i = 0; i < 3; i++)
      expect((await gw.request('/v1/audit/verify', { token: `guess-${i}-0123456789abcdef` })).status).toBe(
        401,
      );
    const refused = await gw.request('/v1/audit/verify', { token: good });
    expect(refused.status).toBe(429);
  });

  it('the dashboard sign-in, /metrics and /v1 count toward one failed sign-in limit per address', async () => {
    const gw = await open({ GATEWAY_AUTH_FAILURES_PER_MINUTE: '3' });
    const good = (await gw.issueToken({ role: 'auditor', subject: 'a' })).token;
    const signIn = (token: string) =>
      gw.request('/session', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
    expect((await signIn('guess-0-0123456789abcdef')).status).toBe(401);
    expect((await gw.request('/metrics', { token: 'guess-1-0123456789abcdef' })).status).toBe(401);
    expect((await gw.request('/v1/datasets', { token: 'guess-2-0123456789abcdef' })).status).toBe(401);
    // The limit is reached: the right token is refused on every path for the rest of the minute.
    for (const res of [
      await gw.request('/v1/datasets', { token: good }),
      await gw.request('/metrics', { token: good }),
      await signIn(good),
    ]) {
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('guessing through the dashboard alone is limited too', async () => {
    const gw = await open({ GATEWAY_AUTH_FAILURES_PER_MINUTE: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await gw.request('/session', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: `guess-${i}-0123456789abcdef` }).toString(),
          })
        ).status,
      );
    expect(statuses).toEqual([401, 401, 429, 429]);
  });

  it('no cross-origin access unless origins are configured, and then only theirs', async () => {
    const closed = await open({});
    const pre = (g: Gateway, origin: string) =>
      g.request('/v1/extracts', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    expect(
      (await pre(closed, 'https://kommune.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
    const opened = await open({ GATEWAY_CORS_ORIGINS: 'https://kommune.example' });
    const ok = await pre(opened, 'https://kommune.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://kommune.example');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await pre(opened, 'https://elsewhere.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://elsewhere.example');
  });

  it('every answer carries the secure headers', async () => {
    const res = await (gateways[0] as Gateway).request('/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toContain('max-age');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});

/** Holds every quality report's read of the store until the test lets it go: the release of each, in order. */
function holdQualityReads(gw: MemoryGateway): Array<() => void> {
  const held: Array<() => void> = [];
  const metadata = gw.services.metadata;
  const read = metadata.listSlotFacts.bind(metadata);
  metadata.listSlotFacts = async (q) => {
    await new Promise<void>((go) => held.push(go));
    return read(q);
  };
  return held;
}

describe('the report gate', () => {
  it('makes reports one at a time per token and two at a time per node; the rest wait in line, /health never does', async () => {
    const gw = await startMemoryGateway({ GATEWAY_REPORTS_AT_ONCE: '2' });
    try {
      const tokens = await Promise.all(
        ['a', 'b', 'c'].map(async (s) => (await gw.issueToken({ role: 'auditor', subject: s })).token),
      );
      const held = holdQualityReads(gw);
      const quality = (token: string) =>
        gw.request('/v1/quality?dataset=daycare&from=2016-11&to=2026-10', { token });
      const settle = () => new Promise((r) => setTimeout(r, 20));
      const first = quality(tokens[0] as string);
      await settle();
      expect(held).toHaveLength(1);

      // The same token again while its first is under way: 429 at once, with Retry-After.
      const again = await quality(tokens[0] as string);
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('1');
      expect(again.headers.get('content-type')).toContain('application/problem+json');
      const status = await gw.request('/v1/status', { token: tokens[0] });
      expect(status.status).toBe(429);

      // A second token runs beside it; a third waits for a place, and /health answers meanwhile.
      const second = quality(tokens[1] as string);
      const third = quality(tokens[2] as string);
      await settle();
      expect(held).toHaveLength(2);
      expect((await gw.request('/health')).status).toBe(200);
      held.shift()?.();
      expect((await first).status).toBe(200);
      await settle();
      expect(held).toHaveLength(2);
      for (const go of held.splice(0)) go();
      expect((await second).status).toBe(200);
      await settle();
      held.shift()?.();
      expect((await third).status).toBe(200);
      // Once done, the token is let in again.
      const later = quality(tokens[0] as string);
      await settle();
      held.shift()?.();
      expect((await later).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('refuses beyond the line with 429, and the dashboard pages take their place in the same line', async () => {
    const gw = await startMemoryGateway({ GATEWAY_REPORTS_AT_ONCE: '1' });
    try {
      const held = holdQualityReads(gw);
      const tokens = await Promise.all(
        Array.from(
          { length: REPORT_QUEUE_LENGTH + 3 },
          async (_, i) => (await gw.issueToken({ role: 'auditor', subject: `t${i}` })).token,
        ),
      );
      const answers = tokens
        .slice(0, REPORT_QUEUE_LENGTH + 2)
        .map((token) => gw.request('/v1/quality?dataset=daycare&from=2026-01&to=2026-10', { token }));
      await new Promise((r) => setTimeout(r, 20));
      // One running, REPORT_QUEUE_LENGTH waiting: the last is refused at once.
      const refused = await answers[answers.length - 1];
      expect(refused?.status).toBe(429);
      expect(refused?.headers.get('retry-after')).toBe('2');
      // The dashboard's national page (signed in with the last token) is refused the same way.
      const cookie = await dashboardCookie(gw, tokens[tokens.length - 1] as string);
      const page = await gw.request('/national', { headers: { cookie } });
      expect(page.status).toBe(429);
      // A page for a person: HTML in the dashboard's language, saying when to try again.
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('retry-after')).toBe('2');
      expect(await page.text()).toContain('Prøv igen om 2 sekunder.');
      // Let every held read go, as they come: all that were let in line are answered 200.
      const release = setInterval(() => held.shift()?.(), 2);
      try {
        const statuses = await Promise.all(answers.slice(0, -1).map(async (a) => (await a).status));
        expect(statuses).toEqual(Array(REPORT_QUEUE_LENGTH + 1).fill(200));
      } finally {
        clearInterval(release);
      }
    } finally {
      await gw.close();
    }
  });
});
