import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_STATUSES, EXTRACT_STATUSES, PUSH_STATUSES, SLOT_STATUSES } from '../../src/core/vocabulary';
import { localeFor } from '../../src/web/i18n';
import { MESSAGES } from '../../src/web/messages';
import { type MemoryGateway, startMemoryGateway } from '../support/harness';

describe("the dashboard's language", () => {
  let gw: MemoryGateway;
  beforeAll(async () => {
    gw = await startMemoryGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => gw.request(path, { headers });

  it('is Danish by default, whatever the browser asks for', async () => {
    const res = await get('/', { 'accept-language': 'en-GB,en;q=0.9' });
    const html = await res.text();
    expect(html).toContain('<html lang="da">');
    expect(html).toContain('<h1>Log ind</h1>');
    expect(res.headers.get('content-language')).toBe('da');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('is English after ?lang=en, which the browser keeps in a SameSite=Lax cookie', async () => {
    const res = await get('/?lang=en');
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Sign in</h1>');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^lang=en;/);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Max-Age=31536000/);
    expect(cookie).not.toMatch(/Secure/i);
    // The cookie alone keeps it, and the switch offers Danish back.
    const next = await (await get('/', { cookie: 'lang=en' })).text();
    expect(next).toContain('<h1>Sign in</h1>');
    expect(next).toContain('href="/?lang=da"');
    expect(await (await get('/?lang=da', { cookie: 'lang=en' })).text()).toContain('<h1>Log ind</h1>');
  });

  it('sets the cookie Secure when the connection is HTTPS, like the session cookie', async () => {
    const res = await gw.app.request('https://gateway.test/?lang=en');
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
  });

  it('ignores a language it does not speak', async () => {
    const res = await get('/?lang=xx', { cookie: 'lang=<script>' });
    expect(await res.text()).toContain('<h1>Log ind</h1>');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('carries the filters into the other language, but never a value that might be a CPR number', async () => {
    const { token } = await gw.issueToken({ role: 'auditor', subject: 'a' });
    const signIn = await gw.request('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const html = await (
      await get('/?municipality=0101215123&period=2026-10&dataset=daycare', { cookie })
    ).text();
    expect(html).toContain('href="/?dataset=daycare&amp;period=2026-10&amp;lang=en"');
    expect(html).not.toContain('0101215123');
  });

  it('writes dates and times in Danish time, Danish style, and numbers with Danish separators', () => {
    const da = localeFor('da');
    const en = localeFor('en');
    expect(da.instant('2026-12-01T02:15:00Z')).toBe('1.12.2026 kl. 03.15');
    expect(da.instant('2026-07-01T10:30:00Z')).toBe('1.7.2026 kl. 12.30'); // summer time
    expect(da.date('2026-12-01T02:15:00Z')).toBe('1. december 2026');
    expect(da.number(1234567)).toBe('1.234.567');
    expect(en.instant('2026-12-01T02:15:00Z')).toBe('1 Dec 2026, 03:15');
    expect(en.date('2026-12-01T02:15:00Z')).toBe('1 December 2026');
    expect(en.number(1234567)).toBe('1,234,567');
    expect(da.instant('not a time')).toBe('not a time');
  });

  it('has a word in each language for every status the dashboard shows', () => {
    const da = localeFor('da');
    expect(['received', 'late', 'missing', 'pending', 'rejected'].map(da.status)).toEqual([
      'modtaget',
      'for sen',
      'mangler',
      'afventer',
      'afvist',
    ]);
    expect(['accepted', 'failed'].map(da.status)).toEqual(['accepteret', 'fejlet']);
    for (const s of [...DELIVERY_STATUSES, ...EXTRACT_STATUSES, ...PUSH_STATUSES, ...SLOT_STATUSES]) {
      expect(da.status(s), s).not.toBe('');
      expect(localeFor('en').status(s), s).toBe(s);
    }
    for (const [key, text] of Object.entries(MESSAGES)) {
      expect(text.da, key).not.toBe('');
      expect(text.en, key).not.toBe('');
    }
    expect(da.t('extracts.heading', { recipient: 'dst' })).toBe('Udtræk til dst');
  });
});
