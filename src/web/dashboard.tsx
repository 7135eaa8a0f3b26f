/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { deliveriesPage } from './pages/deliveries';
import { deliveryPage } from './pages/delivery';
import { expectedPage } from './pages/expected';
import { extractsPage } from './pages/extracts';
import { SignIn } from './pages/sign-in';
import type { DashboardServices } from './services';
import { sessionRoutes, signedIn } from './session';

export type { DashboardServices } from './services';

/**
 * The dashboard: server-rendered pages over the same stores, sign-in and visibility rule as
 * the API. A recipient sees its extracts; everyone else the deliveries they may read; everyone
 * the status of the obligated slots they may see (Expected). Without a session, the sign-in form.
 */
export function dashboard(services: DashboardServices) {
  const app = new Hono();

  app.get('/', async (c) => {
    const p = await signedIn(services, c);
    if (!p) return c.html(<SignIn />);
    return p.role === 'recipient' ? extractsPage(services, c, p) : deliveriesPage(services, c, p);
  });

  app.get('/deliveries/:id', async (c) => {
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return deliveryPage(services, c, p, c.req.param('id'));
  });

  app.get('/expected', async (c) => {
    const p = await signedIn(services, c);
    if (!p) return c.redirect('/', 303);
    return expectedPage(services, c, p);
  });

  app.route('/', sessionRoutes(services));
  return app;
}
