/**
 * The national picture and a municipality page in a real browser (Debian's Chromium through
 * playwright-core), over a deterministic quarter of the national year loaded into the memory
 * gateway: all 98 municipalities, both monthly datasets, January to March 2026. Danish by
 * default, English after one click; no console errors; every link and control reached by Tab
 * with a visible focus; screenshots in test-output/screenshots/. Skipped, with a note, where no
 * Chromium is installed; CI installs it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNationalYear } from '../../src/cli/national-load';
import { makeNationalYearPlan, type NationalYearPlan } from '../../src/cli/national-plan';
import { settableClock } from '../../src/core/clock';
import { type BrowserSession, chromiumForSuite, launchChromium, serveOverHttp } from '../support/browser';
import { ADMIN_TOKEN, type MemoryGateway, startMemoryGateway } from '../support/harness';

const chromiumExe = chromiumForSuite('test/web/browser-national.test.ts');

/** After the March deadlines (daycare 14 April, eldercare 14 April). */
const AS_OF = '2026-04-20T10:00:00.000Z';
const WALK_MS = 120_000;

describe.skipIf(!chromiumExe)('the national picture and a municipality page in Chromium', () => {
  const clock = settableClock(new Date('2026-01-01T00:00:00Z'));
  let gw: MemoryGateway;
  let plan: NationalYearPlan;
  let server: { url: string; close(): Promise<void> };
  let chrome: BrowserSession;
  const tokens = { auditor: '', m751: '' };

  beforeAll(async () => {
    gw = await startMemoryGateway({}, { now: clock.now });
    plan = makeNationalYearPlan({ year: 2026, months: 3, asOf: AS_OF });
    // Straight to the app: the load is the fixture here, its answers are checked in test/cli.
    const request = async (path: string, init: RequestInit & { token?: string } = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return gw.app.request(`http://gateway.test${path}`, { ...rest, headers });
    };
    const loaded = await loadNationalYear({ request, adminToken: ADMIN_TOKEN, setTime: clock.set }, plan);
    expect(loaded.unexpected).toEqual([]);
    tokens.auditor = (await gw.issueToken({ role: 'auditor', subject: 'revision' })).token;
    tokens.m751 = (
      await gw.issueToken({ role: 'municipality', subject: 'aarhus', municipalities: ['751'] })
    ).token;
    server = await serveOverHttp(gw.app);
    chrome = await launchChromium(chromiumExe as string);
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await gw?.close();
  });

  async function check(page: Page, name: string) {
    await page.waitForLoadState('load');
    await chrome.screenshot(page, name);
    const reach = await chrome.keyboardReach(page);
    expect(reach.focusable.length, `${name}: something to reach`).toBeGreaterThan(0);
    expect(reach.unreached, `${name}: not reached by Tab`).toEqual([]);
    expect(reach.withoutFocusStyle, `${name}: no visible focus`).toEqual([]);
    expect(chrome.takeErrors(), `${name}: console errors`).toEqual([]);
  }

  async function signIn(page: Page, token: string) {
    await page.goto(`${server.url}/`);
    await page.fill('input[name="token"]', token);
    await Promise.all([
      page.waitForURL(/\/(municipalities\/\d{3})?$/),
      page.click('main button[type="submit"]'),
    ]);
  }

  const planned = (status: string) =>
    plan.slots.filter((s) => s.period === '2026-03' && s.expected === status).length;

  it(
    'shows the national picture of the latest month due, in Danish then English, and a municipality page',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await signIn(page, tokens.auditor);
        await Promise.all([page.waitForURL(/\/national$/), page.click('header a[href="/national"]')]);
        expect(await page.getAttribute('html', 'lang')).toBe('da');
        expect(await page.locator('h1').textContent()).toBe('Landsbillede 2026-03');
        expect(await page.locator('tbody tr').count()).toBe(98);
        expect(await page.locator('td.cell').count()).toBe(196);
        // Each cell says its status in words, and the count per status is the plan's.
        expect(await page.locator('td.cell.received').count()).toBe(planned('received'));
        expect(await page.locator('td.cell.missing').count()).toBe(planned('missing'));
        expect(await page.locator('td.cell.missing a').first().textContent()).toBe('mangler');
        expect(await page.locator('.summary').textContent()).toContain(`modtaget ${planned('received')}`);
        await check(page, 'da-national');

        // A cell leads to the municipality page: 12 months, a trend chart per dataset.
        await Promise.all([
          page.waitForURL(/\/municipalities\/101\?period=2026-03$/),
          page.click('a[href="/municipalities/101?period=2026-03"] >> nth=0'),
        ]);
        expect(await page.locator('h1').textContent()).toBe('101 København');
        expect(await page.locator('thead th[scope="col"]').allInnerTexts()).toHaveLength(13);
        expect(await page.locator('svg.trend').count()).toBe(2);
        expect(await page.locator('svg.trend title').first().textContent()).toBe('Udvikling for daycare');
        expect(await page.locator('svg.trend polyline.records').first().getAttribute('points')).toMatch(
          /^[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+$/,
        );
        await check(page, 'da-municipality');

        await page.click('header a[hreflang="en"]');
        expect(await page.getAttribute('html', 'lang')).toBe('en');
        expect(await page.locator('h2').first().textContent()).toBe('Trend for daycare');
        await check(page, 'en-municipality');

        await page.goto(`${server.url}/national`);
        expect(await page.locator('h1').textContent()).toBe('National picture 2026-03');
        expect(await page.locator('td.cell.missing a').first().textContent()).toBe('missing');
        await check(page, 'en-national');
      } finally {
        await context.close();
      }
    },
    WALK_MS,
  );

  it(
    'lands a municipality on its own page, and shows it only its own row',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await signIn(page, tokens.m751);
        expect(page.url()).toBe(`${server.url}/municipalities/751`);
        expect(await page.locator('h1').textContent()).toBe('751 Aarhus');
        await check(page, 'da-municipality-own');
        await page.click('header a[href="/national"]');
        expect(await page.locator('tbody tr').count()).toBe(1);
        expect(chrome.takeErrors()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    WALK_MS,
  );
});
