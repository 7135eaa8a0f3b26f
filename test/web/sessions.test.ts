import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Gateway, spawnGateway, startGateway } from '../support/harness';

const form = (token: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ token }).toString(),
});

/** The dashboard's sign-in: an opaque, revocable session kept by the gateway. */
describe('dashboard sessions', () => {
  let gw: Gateway;

  const signIn = async (token: string, url = '/session') => {
    const res = await gw.request(url, form(token));
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { res, setCookie, cookie: setCookie.split(';')[0] ?? '' };
  };
  const signedIn = async (cookie: string) => {
    const html = await (await gw.request('/', { headers: { cookie } })).text();
    return html.includes('action="/session/end"') && !html.includes('name="token"');
  };

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('the cookie is an opaque session id, never the token, HttpOnly and SameSite=Strict', async () => {
    const { token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const { res, setCookie, cookie } = await signIn(token);
    expect(res.status).toBe(303);
    const value = decodeURIComponent(cookie.split('=').slice(1).join('='));
    expect(value.length).toBeGreaterThanOrEqual(32);
    expect(value).not.toContain(token);
    expect(token).not.toContain(value);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).not.toMatch(/Secure/i);
    expect(await signedIn(cookie)).toBe(true);
    // The token itself in the cookie signs nobody in.
    expect(await signedIn(`gw_session=${token}`)).toBe(false);
    expect(await signedIn('gw_session=not-a-session-0123456789abcdef0123456789')).toBe(false);
  });

  it('sign-in and sign-out are refused from another site (login CSRF), allowed from this one', async () => {
    const token = (await gw.issueToken({ role: 'auditor', subject: 'csrf' })).token;
    for (const headers of <Array<Record<string, string>>>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ]) {
      const init = form(token);
      const res = await gw.request('/session', { ...init, headers: { ...init.headers, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect((await gw.request('/session/end', { method: 'POST', headers })).status).toBe(403);
    }
    const init = form(token);
    const ok = await gw.request('/session', {
      ...init,
      headers: { ...init.headers, 'sec-fetch-site': 'same-origin', origin: 'http://gateway.test' },
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toContain('gw_session=');
    // What a browser sends with the sign-in form under Referrer-Policy: no-referrer.
    const browser = await gw.request('/session', {
      ...init,
      headers: { ...init.headers, 'sec-fetch-site': 'same-origin', origin: 'null' },
    });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('set-cookie')).toContain('gw_session=');
  });

  it('the dashboard answers with Cache-Control: no-store', async () => {
    const { token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const { cookie } = await signIn(token);
    for (const path of ['/', '/expected?dataset=daycare&period=2026-10', '/deliveries/dlv_x']) {
      const res = await gw.request(path, { headers: { cookie } });
      expect(res.headers.get('cache-control'), path).toContain('no-store');
    }
  });

  it('signing out ends the session on the server: the old cookie signs nobody in', async () => {
    const { token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const { cookie } = await signIn(token);
    expect(await signedIn(cookie)).toBe(true);
    const out = await gw.request('/session/end', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/gw_session=;/);
    expect(await signedIn(cookie)).toBe(false);
  });

  it('revoking the token ends its sessions', async () => {
    const { id, token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const { cookie } = await signIn(token);
    const other = await signIn(token);
    expect(await signedIn(cookie)).toBe(true);
    const res = await gw.request(`/v1/admin/tokens/${id}`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect(res.status).toBe(204);
    expect(await signedIn(cookie)).toBe(false);
    expect(await signedIn(other.cookie)).toBe(false);
  });

  it('a session ends when it expires, and when its token expires', async () => {
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const shortLived = (await gw.issueToken({ role: 'auditor', subject: 'a', expiresAt: soon })).token;
    const longLived = (await gw.issueToken({ role: 'auditor', subject: 'b' })).token;
    const a = await signIn(shortLived);
    const b = await signIn(longLived);
    const realNow = gw.services.now;
    try {
      gw.services.now = () => new Date(Date.now() + 2 * 3600_000);
      expect(await signedIn(a.cookie)).toBe(false);
      expect(await signedIn(b.cookie)).toBe(true);
      gw.services.now = () => new Date(Date.now() + 9 * 3600_000);
      expect(await signedIn(b.cookie)).toBe(false);
    } finally {
      gw.services.now = realNow;
    }
    // Gone for good, not just hidden while the clock was ahead.
    expect(await signedIn(b.cookie)).toBe(false);
  });

  it('a sign-in form larger than a token needs is refused with 413, unread', async () => {
    const res = await gw.request('/session', form('x'.repeat(100_000)));
    expect(res.status).toBe(413);
  });

  it('the cookie is Secure when the client connection is HTTPS', async () => {
    const { token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const res = await gw.app.request('https://gateway.test/session', form(token));
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
  });
});

describe('dashboard sessions behind a TLS-terminating proxy', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const start = async (trusted: string) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-proxy-'));
    dirs.push(dataDir);
    const gw = spawnGateway({
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      GATEWAY_TRUSTED_PROXIES: trusted,
    });
    return { gw, url: await gw.ready };
  };
  const signIn = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
    });

  it('marks the cookie Secure when a trusted proxy says the client used HTTPS, and only then', async () => {
    const trusted = await start('127.0.0.1,::1');
    const untrusted = await start('10.9.9.9');
    try {
      const viaProxy = await signIn(trusted.url, { 'x-forwarded-proto': 'https' });
      expect(viaProxy.status).toBe(303);
      expect(viaProxy.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      const plain = await signIn(trusted.url, {});
      expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/i);
      // From an address that is not a trusted proxy the header says nothing.
      const spoofed = await signIn(untrusted.url, { 'x-forwarded-proto': 'https' });
      expect(spoofed.status).toBe(303);
      expect(spoofed.headers.get('set-cookie')).not.toMatch(/Secure/i);
    } finally {
      await trusted.gw.stop();
      await untrusted.gw.stop();
    }
  }, 300_000);
});
