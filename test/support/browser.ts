/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` (or `CHROMIUM_PATH`)
 * driven by playwright-core, which downloads no browser of its own. A page's console errors and
 * uncaught exceptions are collected (a test fails on any), screenshots are written to
 * `test-output/screenshots/` and their paths printed, and `keyboardReach` checks that Tab from
 * the top of a page reaches every link, button and form control, each with a visible focus style.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-output/screenshots');

/** Where Chromium is: `CHROMIUM_PATH`, else `chromium` (or `chromium-browser`) on the PATH; null when absent. */
export function chromiumPath(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH names no file: ${configured}`);
    return configured;
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin'];
  for (const name of ['chromium', 'chromium-browser'])
    for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * Chromium's path for a browser suite, or null to skip it, saying so where it shows. In CI
 * (`CI` set) a missing browser fails the run instead: `.ci/run` installs it.
 */
export function chromiumForSuite(suite: string): string | null {
  const path = chromiumPath();
  if (path) return path;
  const note = `${suite}: SKIPPED, no Chromium found (install Debian's \`chromium\`, or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${note}; CI must have it (.ci/run installs it)`);
  console.warn(`\n*** ${note} ***\n`);
  return null;
}

/** A Hono app served over HTTP on 127.0.0.1, on a free port, for a browser to visit. */
export async function serveOverHttp(app: {
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>;
}) {
  const server = await new Promise<ReturnType<typeof serve>>((ok) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** What one Tab walk found. Elements are named `tag "text"`, in document order. */
export interface KeyboardReach {
  /** Every link, button and form control a person could use on the page. */
  focusable: string[];
  /** Those that repeated Tab presses focused, in the order they were focused. */
  reached: string[];
  /** Focusable but never reached by Tab. */
  unreached: string[];
  /** Reached, but with no visible focus style (no outline, no box shadow). */
  withoutFocusStyle: string[];
}

export interface BrowserSession {
  browser: Browser;
  /** A fresh context (its own cookies) with one page whose errors are collected. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** The console errors and page errors seen since the last call, then forgotten. */
  takeErrors(): string[];
  /** A full-page screenshot as `test-output/screenshots/<name>.png`; prints and returns the path. */
  screenshot(page: Page, name: string): Promise<string>;
  keyboardReach(page: Page): Promise<KeyboardReach>;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // As root (CI, these machines) Chromium runs only without its sandbox; /dev/shm may be small.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const errors: string[] = [];
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console error on ${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error on ${page.url()}: ${e.message}`));
      return { context, page };
    },
    takeErrors: () => errors.splice(0),
    async screenshot(page, name) {
      const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(`screenshot: ${path}`);
      return path;
    },
    keyboardReach,
    close: () => browser.close(),
  };
}

/** The elements a person can reach by keyboard, marked with `data-kb` by their index. */
const MARK_FOCUSABLE = () => {
  const selector =
    'a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable="true"]';
  const all = [...document.querySelectorAll<HTMLElement>(selector)].filter((el) => {
    if ((el as HTMLInputElement).disabled || el.tabIndex < 0) return false;
    if (el instanceof HTMLInputElement && el.type === 'hidden') return false;
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility !== 'hidden';
  });
  return all.map((el, i) => {
    el.dataset.kb = String(i);
    const text = (el.textContent || el.getAttribute('name') || el.getAttribute('aria-label') || '').trim();
    return `${el.tagName.toLowerCase()} "${text.replace(/\s+/g, ' ').slice(0, 40)}"`;
  });
};

/** The focused element's `data-kb` index (-1: none of the marked), and whether its focus shows. */
const FOCUSED = () => {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
  return { index: Number(el.dataset.kb ?? -1), visible: outline || style.boxShadow !== 'none' };
};

/**
 * Tab from the top of the page until focus leaves it or comes round again, and compare what
 * was focused with what could be.
 */
async function keyboardReach(page: Page): Promise<KeyboardReach> {
  const focusable = await page.evaluate(MARK_FOCUSABLE);
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  const reached: number[] = [];
  const withoutFocusStyle: string[] = [];
  for (let presses = 0; presses < focusable.length + 5; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(FOCUSED);
    if (!focused) {
      if (reached.length) break; // Focus left the page after its last element.
      continue;
    }
    // An element outside the marked ones counts once per press.
    const index = focused.index >= 0 ? focused.index : -(presses + 1);
    if (reached.includes(index)) break; // Round again.
    reached.push(index);
    const name = focusable[index] ?? `an unmarked element (Tab #${presses + 1})`;
    if (!focused.visible) withoutFocusStyle.push(name);
  }
  const names = reached.map((i) => focusable[i] ?? `an unmarked element (Tab #${-i})`);
  return {
    focusable,
    reached: names,
    unreached: focusable.filter((_, i) => !reached.includes(i)),
    withoutFocusStyle,
  };
}
