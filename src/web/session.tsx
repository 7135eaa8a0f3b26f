/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { authenticate, clientAddressOf, sessionCredential } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { endSession, openSession, SESSION_COOKIE, SESSION_SECONDS } from '../auth/sessions';
import { GatewayError } from '../core/errors';
import { localeOf } from './i18n';
import { SignIn } from './pages/sign-in';
import type { DashboardServices } from './services';

/**
 * The browser's side of a dashboard session: signing in with a token opens a session whose
 * id the browser keeps in an HttpOnly, SameSite=Strict cookie (Secure when the client's
 * connection is HTTPS); signing out ends it.
 */

/** The principal of the browser's session; null (show the sign-in form) without a live one. */
export async function signedIn(services: DashboardServices, c: Context): Promise<Principal | null> {
  const credential = sessionCredential(c);
  if (!credential) return null;
  try {
    return await authenticate(services, clientAddressOf(services, c), credential);
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'unauthenticated') return null;
    throw e;
  }
}

/** Whether the client's own connection is HTTPS (directly, or as a trusted proxy says). */
export function usesHttps(services: DashboardServices, c: Context): boolean {
  const protocol = services.clientProtocol?.(c.env);
  return (protocol ?? new URL(c.req.url).protocol.replace(':', '')) === 'https';
}

/** The host an Origin header names, or null when it names none (`null`, or not a URL). */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

// Sign-in and sign-out are same-site only: a hostile page must not sign a browser in as
// someone else (login CSRF) or out. Browsers say where a form came from: Sec-Fetch-Site
// where they send it, which decides; else Origin. (Under this gateway's
// `Referrer-Policy: no-referrer` a browser sends `Origin: null` with its own form, so Origin
// cannot decide when Sec-Fetch-Site is there.)
export const sameSiteOnly = createMiddleware(async function sameSiteOnly(c, next) {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  const host = new URL(c.req.url).host;
  const crossSite =
    site !== undefined
      ? site !== 'same-origin' && site !== 'none'
      : origin !== undefined && originHost(origin) !== host;
  if (crossSite)
    return c.text('forms are accepted from this site only', 403, { 'cache-control': 'no-store' });
  return next();
});

/** POST /session (sign in with a token) and POST /session/end (sign out). */
export function sessionRoutes(services: DashboardServices) {
  const app = new Hono();

  // A sign-in form holds one token: anything larger is refused before it is read.
  const formLimit = bodyLimit({
    maxSize: 4096,
    onError: () => {
      throw new GatewayError('payload_too_large', 'a sign-in form holds one token, at most 4 KiB');
    },
  });

  app.post('/session', sameSiteOnly);
  app.post('/session/end', sameSiteOnly);

  app.post('/session', formLimit, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    // Signed in like the API, with the same failed sign-in limit per address.
    try {
      await authenticate(services, clientAddressOf(services, c), { kind: 'token', text: token });
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      const l = localeOf(c, usesHttps(services, c));
      if (e.code === 'unauthenticated') return c.html(<SignIn l={l} failed />, 401);
      if (e.code !== 'rate_limited') throw e;
      const wait = Number(e.extensions.retryAfter) || 60;
      return c.html(<SignIn l={l} waitSeconds={wait} />, 429, { 'retry-after': String(wait) });
    }
    setCookie(c, SESSION_COOKIE, await openSession(services, token), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: usesHttps(services, c),
      maxAge: SESSION_SECONDS,
    });
    return c.redirect('/', 303);
  });

  app.post('/session/end', async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) await endSession(services, id);
    deleteCookie(c, SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: usesHttps(services, c),
    });
    return c.redirect('/', 303);
  });

  return app;
}
