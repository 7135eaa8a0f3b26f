/**
 * The dashboard in a real browser: Debian's Chromium, headless, through playwright-core.
 * Danish by default and English after one click, dates in Danish time and format, every page
 * usable by keyboard alone, no console errors (a CSP violation is one), a screenshot of each
 * page in test-output/screenshots/. Skipped, with a note, where no Chromium is installed; CI
 * installs it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDelivery } from '../../src/cli/synthetic';
import { type BrowserSession, chromiumForSuite, launchChromium, serveOverHttp } from '../support/browser';
import { type MemoryGateway, startMemoryGateway, submit } from '../support/harness';

const chromiumExe = chromiumForSuite('test/web/browser.test.ts');

/** Every delivery in this test is received at this instant: 15.05 in Copenhagen (CET). */
const RECEIVED_AT = '2026-11-03T14:05:00.000Z';
/** A walk through pages, each pressed through with Tab: generous, for a loaded machine. */
const PAGE_WALK_MS = 180_000;

describe.skipIf(!chromiumExe)('the dashboard in Chromium', () => {
  let gw: MemoryGateway;
  let server: { url: string; close(): Promise<void> };
  let chrome: BrowserSession;
  const tokens = { auditor: '', source: '', recipient: '' };

  beforeAll(async () => {
    gw = await startMemoryGateway();
    gw.services.now = () => new Date(RECEIVED_AT);
    tokens.source = (
      await gw.issueToken({
        role: 'source',
        subject: 'sys-a',
        municipalities: ['101', '461', '751'],
        datasets: ['daycare'],
      })
    ).token;
    tokens.auditor = (await gw.issueToken({ role: 'auditor', subject: 'revision' })).token;
    tokens.recipient = (await gw.issueToken({ role: 'recipient', subject: 'dst', recipient: 'dst' })).token;
    const xml = [...syntheticDelivery({ dataset: 'daycare', records: 1234, format: 'xml', seed: 7 })].join(
      '',
    );
    const accepted = await submit(gw, tokens.source, xml, 'dataset=daycare&municipality=101&period=2026-10');
    expect(accepted.status).toBe(201);
    const bad = xml.replace(/<WeeklyHours>[^<]*</, '<WeeklyHours>75<');
    const rejected = await submit(gw, tokens.source, bad, 'dataset=daycare&municipality=461&period=2026-10');
    expect(rejected.status).toBe(422);
    server = await serveOverHttp(gw.app);
    chrome = await launchChromium(chromiumExe as string);
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await gw?.close();
  });

  /** The page as a person checks it: no console errors, all of it by keyboard, a screenshot. */
  async function check(page: Page, name: string) {
    await page.waitForLoadState('load');
    await chrome.screenshot(page, name);
    const reach = await chrome.keyboardReach(page);
    expect(reach.focusable.length, `${name}: something to reach`).toBeGreaterThan(0);
    expect(reach.unreached, `${name}: not reached by Tab`).toEqual([]);
    expect(reach.withoutFocusStyle, `${name}: no visible focus`).toEqual([]);
    expect(chrome.takeErrors(), `${name}: console errors`).toEqual([]);
  }

  const text = (page: Page, selector: string) => page.locator(selector).first().textContent();
  const badges = async (page: Page) => page.locator('.badge').allInnerTexts();

  async function signIn(page: Page, token: string) {
    await page.goto(`${server.url}/`);
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('main button[type="submit"]')]);
  }

  it(
    'speaks Danish by default, with dates in Danish time and format, from sign-in to sign-out',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await page.goto(`${server.url}/`);
        expect(await page.getAttribute('html', 'lang')).toBe('da');
        expect(await text(page, 'h1')).toBe('Log ind');
        await check(page, 'da-sign-in');

        await signIn(page, tokens.auditor);
        expect(await text(page, 'h1')).toBe('Leverancer');
        expect(await text(page, 'header')).toContain('revision (revisor)');
        expect(await badges(page)).toEqual(expect.arrayContaining(['accepteret', 'afvist', 'klar']));
        expect(await page.locator('main time').allInnerTexts()).toEqual([
          '3.11.2026 kl. 15.05',
          '3.11.2026 kl. 15.05',
        ]);
        expect(await page.locator('td.num').allInnerTexts()).toContain('1.234 / 1.234');
        await check(page, 'da-deliveries');

        await page.click('a[href^="/deliveries/"]:has(.badge.accepted)');
        expect(await text(page, 'main')).toContain('modtaget 3.11.2026 kl. 15.05, 1.234 poster (0 ugyldige)');
        expect(await text(page, 'h2')).toBe('Udtræk');
        await check(page, 'da-delivery-accepted');

        await page.goBack();
        await page.click('a[href^="/deliveries/"]:has(.badge.rejected)');
        expect(await text(page, 'h2')).toMatch(/^Hvad var galt \(\d+ fejl\)$/);
        await check(page, 'da-delivery-rejected');

        await Promise.all([page.waitForURL(/\/expected$/), page.click('header a[href="/expected"]')]);
        await page.goto(`${server.url}/expected?dataset=daycare&period=2026-10`);
        expect(await text(page, 'h1')).toBe('Forventede leverancer');
        // On time through the 10th working day after October: Friday 13 November 2026.
        expect(await text(page, 'main')).toContain(
          'Periode 2026-10: rettidig, hvis modtaget senest 13. november 2026 (dansk tid).',
        );
        // 101 delivered; 751 has not, and is not due yet.
        expect(await page.locator('tbody .badge').allInnerTexts()).toEqual(
          expect.arrayContaining(['modtaget', 'afventer']),
        );
        await check(page, 'da-expected');

        await page.click('header a[href="/docs"]');
        expect(await text(page, 'h1')).toContain('Delivery gateway');
        await check(page, 'api-reference');

        await page.goBack();
        await Promise.all([page.waitForURL(`${server.url}/`), page.click('header button[type="submit"]')]);
        expect(await text(page, 'h1')).toBe('Log ind');
        expect(chrome.takeErrors()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    PAGE_WALK_MS,
  );

  it(
    'switches to English with one click, keeps it in a SameSite=Lax cookie, and back to Danish',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await signIn(page, tokens.auditor);
        await page.goto(`${server.url}/?dataset=daycare&status=accepted`);
        await page.click('header a[hreflang="en"]');
        expect(await page.getAttribute('html', 'lang')).toBe('en');
        expect(await text(page, 'h1')).toBe('Deliveries');
        // The filter is kept across the switch.
        expect(await page.locator('select[name="status"]').inputValue()).toBe('accepted');
        expect(await badges(page)).toEqual(expect.arrayContaining(['accepted', 'available']));
        expect(await page.locator('main time').allInnerTexts()).toEqual(['3 Nov 2026, 15:05']);
        expect(await page.locator('td.num').allInnerTexts()).toContain('1,234 / 1,234');
        const lang = (await context.cookies()).find((c) => c.name === 'lang');
        expect(lang).toMatchObject({ value: 'en', sameSite: 'Lax', path: '/' });
        await check(page, 'en-deliveries');

        // Every page after the click speaks English, without ?lang= in its address.
        await page.goto(`${server.url}/expected?dataset=daycare&period=2026-10`);
        expect(await text(page, 'h1')).toBe('Expected deliveries');
        expect(await page.locator('tbody .badge').allInnerTexts()).toEqual(
          expect.arrayContaining(['received', 'pending']),
        );
        await check(page, 'en-expected');

        await page.click('header a[hreflang="da"]');
        expect(await text(page, 'h1')).toBe('Forventede leverancer');
        expect((await context.cookies()).find((c) => c.name === 'lang')?.value).toBe('da');
        expect(chrome.takeErrors()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    PAGE_WALK_MS,
  );

  it(
    'fails a page on a console error, an element Tab cannot reach, or a focus that does not show',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await page.setContent(
          '<a href="#a">reached</a><button style="outline:none">no ring</button><div inert><a href="#b">trapped</a></div>',
        );
        const reach = await chrome.keyboardReach(page);
        expect(reach.focusable).toEqual(['a "reached"', 'button "no ring"', 'a "trapped"']);
        expect(reach.unreached).toEqual(['a "trapped"']);
        expect(reach.withoutFocusStyle).toEqual(['button "no ring"']);
        await page.evaluate(() => console.error('something broke'));
        expect(chrome.takeErrors()).toEqual([expect.stringContaining('something broke')]);
      } finally {
        await context.close();
      }
    },
    PAGE_WALK_MS,
  );

  it(
    'shows a recipient its extracts in Danish, reachable by keyboard',
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await signIn(page, tokens.recipient);
        expect(await text(page, 'h1')).toBe('Udtræk til dst');
        expect(await page.locator('main time').first().textContent()).toBe('3.11.2026 kl. 15.05');
        await check(page, 'da-extracts');
      } finally {
        await context.close();
      }
    },
    PAGE_WALK_MS,
  );

  it(
    "walks an auditor through the audit trail: search, a delivery's lineage, the processing register",
    async () => {
      const { context, page } = await chrome.newPage();
      try {
        await signIn(page, tokens.auditor);
        await Promise.all([page.waitForURL(/\/audit$/), page.click('header a[href="/audit"]')]);
        expect(await text(page, 'h1')).toBe('Revisionsspor');
        expect(await text(page, 'main')).toContain('Der er endnu intet signeret kontrolpunkt.');
        await check(page, 'da-audit');

        await page.fill('input[name="action"]', 'delivery.accepted');
        await Promise.all([
          page.waitForURL(/action=delivery\.accepted/),
          page.click('main button[type="submit"]'),
        ]);
        expect(await page.locator('tbody td code').allInnerTexts()).toContain('delivery.accepted');
        expect(await page.locator('tbody td code').allInnerTexts()).not.toContain('delivery.rejected');
        await check(page, 'da-audit-search');

        await page.goto(`${server.url}/`);
        await page.click('a[href^="/deliveries/"]:has(.badge.accepted)');
        expect(await page.locator('h2').allInnerTexts()).toContain(
          'Leverancens spor: modtaget, udtræk, push, læsninger, kvitteringer',
        );
        expect(await page.locator('tbody td code').allInnerTexts()).toEqual(
          expect.arrayContaining(['delivery.accepted', 'extract.created']),
        );
        await check(page, 'da-delivery-lineage');

        await Promise.all([
          page.waitForURL(/\/processing-register$/),
          page.click('header a[href="/processing-register"]'),
        ]);
        expect(await text(page, 'h1')).toBe('Fortegnelse over behandlinger');
        expect(await text(page, 'tbody')).toContain('pseudonymiseret (stadig personoplysninger)');
        await check(page, 'da-processing-register');
      } finally {
        await context.close();
      }
    },
    PAGE_WALK_MS,
  );
});
