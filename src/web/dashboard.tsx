/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Principal } from '../auth/principal';
import type { ReportGate } from '../auth/report-gate';
import { GatewayError } from '../core/errors';
import { type Locale, localeOf } from './i18n';
import { Page } from './layout';
import { auditPage } from './pages/audit';
import { deliveriesPage } from './pages/deliveries';
import { deliveryPage } from './pages/delivery';
import { dictionaryPage } from './pages/dictionary';
import { expectedPage } from './pages/expected';
import { extractAcknowledge, extractDownload, extractPage } from './pages/extract';
import { extractsPage } from './pages/extracts';
import { municipalityPage } from './pages/municipality';
import { nationalPage } from './pages/national';
import { registerPage } from './pages/register';
import { runPage, runReportPage, runsPage } from './pages/runs';
import { SignIn } from './pages/sign-in';
import type { DashboardServices } from './services';
import { sameSiteOnly, sessionRoutes, signedIn, usesHttps } from './session';

export type { DashboardServices } from './services';

/**
 * The dashboard: server-rendered pages over the same stores, sign-in and visibility rule as
 * the API. A recipient sees its extracts; everyone else the deliveries they may read; everyone
 * the status of the obligated slots they may see (Expected). Without a session, the sign-in form.
 */
export function dashboard(services: DashboardServices, reports: ReportGate) {
  const app = new Hono();
  const locale = (c: Context) => localeOf(c, usesHttps(services, c));
  // The pages made of reports over many slots go through the node's report gate, as the API's
  // do; a refusal is a 429 page that says when to try again.
  const gated = async (c: Context, p: Principal, l: Locale, page: () => Promise<Response>) => {
    try {
      return await reports.run(p.tokenId, page);
    } catch (e) {
      if (!(e instanceof GatewayError) || e.code !== 'rate_limited') throw e;
      const wait = Number(e.extensions.retryAfter ?? 1);
      return c.html(
        <Page l={l} title={l.t('busy.title')} who={p}>
          <h1>{l.t('busy.title')}</h1>
          <p role="alert">{l.t('busy.text', { seconds: l.number(wait) })}</p>
        </Page>,
        429,
        { 'retry-after': String(wait) },
      );
    }
  };

  app.get('/', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.html(<SignIn l={l} />);
    // A municipality lands on its own page.
    if (p.role === 'municipality' && p.municipalities[0] && !p.municipalities.includes('*'))
      return c.redirect(`/municipalities/${p.municipalities[0]}`, 303);
    return p.role === 'recipient' ? extractsPage(services, c, p, l) : deliveriesPage(services, c, p, l);
  });

  app.get('/deliveries/:id', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return deliveryPage(services, c, p, l, c.req.param('id'));
  });

  app.get('/extracts/:id', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return extractPage(services, c, p, l, c.req.param('id'));
  });

  app.get('/extracts/:id/download', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return extractDownload(services, c, p, l, c.req.param('id'));
  });

  // The recipient's word from a form: same-site only, as sign-in is, and at most a reason long.
  const wordLimit = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new GatewayError(
        'payload_too_large',
        'an acknowledgement form holds a reason of at most 2,000 characters',
      );
    },
  });
  app.post('/extracts/:id/acknowledge', sameSiteOnly, wordLimit, async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return extractAcknowledge(services, c, p, l, c.req.param('id'));
  });

  app.get('/expected', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return gated(c, p, l, () => expectedPage(services, c, p, l));
  });

  app.get('/national', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return gated(c, p, l, () => nationalPage(services, c, p, l));
  });

  app.get('/municipalities/:code', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return gated(c, p, l, () => municipalityPage(services, c, p, l, c.req.param('code')));
  });

  app.get('/runs', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return runsPage(services, c, p, l);
  });

  app.get('/runs/:id', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return runPage(services, c, p, l, c.req.param('id'));
  });

  app.get('/runs/:id/municipalities/:code', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return runReportPage(services, c, p, l, c.req.param('id'), c.req.param('code'));
  });

  app.get('/audit', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return auditPage(services, c, p, l);
  });

  app.get('/processing-register', async (c) => {
    const l = locale(c);
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return registerPage(services, c, p, l);
  });

  // The data dictionary holds no personal data: public, like the published schemas.
  app.get('/datasets/:id', (c) => dictionaryPage(services, c, c.req.param('id'), locale(c)));
  // The gateway's icon, so a browser's request for one is answered rather than refused (a 404
  // is a console error): the dashboard names /favicon.svg, other pages get /favicon.ico.
  const icon = (c: Context) =>
    c.body(FAVICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' });
  app.get('/favicon.svg', icon);
  app.get('/favicon.ico', icon);

  app.route('/', sessionRoutes(services));
  return app;
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#123"/><path d="M4 8h8M9 5l3 3-3 3" stroke="#fff" stroke-width="2" fill="none"/></svg>';
