import { afterAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../support/harness';

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
