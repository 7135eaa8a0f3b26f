/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Child } from 'hono/jsx';
import { authenticate, clientAddressOf, sessionCredential } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import type { AuthServices } from '../auth/principals';
import { endSession, openSession, SESSION_COOKIE, SESSION_SECONDS } from '../auth/sessions';
import { deliveryScope, extractScope, mayReadDelivery } from '../auth/visibility';
import type { Catalogue } from '../core/catalogue';
import { GatewayError } from '../core/errors';
import { MUNICIPALITIES } from '../core/municipalities';
import { nameAsShown } from '../core/value-shape';
import { DELIVERY_STATUSES } from '../core/vocabulary';
import { type ExpectedReport, expectedDeliveries } from '../pipeline/expected';
import { isCursor } from '../stores/cursor';
import type { DeliveryRecord, DeliveryStatus, ExtractRecord, PushRecord } from '../stores/metadata-store';

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#123;color:#fff;padding:.7rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a,header button{color:#fff}main{padding:1rem 1.5rem;max-width:90rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .6rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f0f2f4;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em}
.accepted,.acknowledged,.received{background:#d8f3dc}.rejected,.failed,.refused,.missing{background:#fde2e1}.late{background:#fff1c2}.pending{background:#eee}.receiving,.available,.fetched{background:#e6eefc}.superseded,.purged{background:#eee;color:#666}
form.filter{display:flex;gap:.6rem;align-items:end;margin:.8rem 0}label{display:flex;flex-direction:column;font-size:.85em}
input,select,button{font:inherit;padding:.25rem .4rem}.summary{display:flex;gap:1rem;margin:.6rem 0}.summary div{background:#fff;border:1px solid #e4e4e4;border-radius:6px;padding:.4rem .8rem}
.muted{color:#666}code{font-size:.9em}`;

function Page(props: { title: string; who?: Principal; children: Child }) {
  return (
    <html lang="da">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Delivery gateway</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <header>
          <strong>Delivery gateway</strong>
          {props.who ? (
            <form method="post" action="/session/end">
              {props.who.subject} ({props.who.role}) · <a href="/">Deliveries</a> ·{' '}
              <a href="/expected">Expected</a> · <a href="/docs">API reference</a> ·{' '}
              <button type="submit">Sign out</button>
            </form>
          ) : (
            <a href="/docs">API reference</a>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

const Badge = (props: { status: string }) => <span class={`badge ${props.status}`}>{props.status}</span>;
const municipalityName = (code: string) => MUNICIPALITIES.get(code)?.name ?? code;

function SignIn(props: { failed?: boolean; waitSeconds?: number }) {
  return (
    <Page title="Sign in">
      <h1>Sign in</h1>
      <p>
        Paste the token the gateway's administrator issued to you. The gateway opens a session for this
        browser; the token itself is not kept in it.
      </p>
      {props.failed ? <p class="rejected">That token is unknown, revoked or expired.</p> : null}
      {props.waitSeconds ? (
        <p class="rejected">
          Too many failed sign-ins from this address; try again in {props.waitSeconds} s.
        </p>
      ) : null}
      <form method="post" action="/session">
        <label>
          Token
          <input type="password" name="token" size={60} required autocomplete="off" />
        </label>
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
    </Page>
  );
}

function DeliveriesView(props: {
  who: Principal;
  items: Array<{ d: DeliveryRecord; extracts: ExtractRecord[] }>;
  filter: Record<string, string>;
  datasets: string[];
  next: string | null;
}) {
  const counts = new Map<DeliveryStatus, number>();
  for (const { d } of props.items) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const f = props.filter;
  return (
    <Page title="Deliveries" who={props.who}>
      <h1>Deliveries</h1>
      <form class="filter" method="get" action="/">
        <label>
          Dataset
          <select name="dataset">
            <option value="">all</option>
            {props.datasets.map((d) => (
              <option value={d} selected={f.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Municipality
          <input name="municipality" value={asTyped(f.municipality)} size={5} placeholder="101" />
        </label>
        <label>
          Period
          <input name="period" value={asTyped(f.period)} size={9} placeholder="2026-10" />
        </label>
        <label>
          Status
          <select name="status">
            <option value="">all</option>
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <div class="summary">
        {[...counts].map(([s, n]) => (
          <div>
            <Badge status={s} /> {n}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>Received (UTC)</th>
            <th>Dataset</th>
            <th>Municipality</th>
            <th>Period</th>
            <th>Source</th>
            <th>Status</th>
            <th class="num">Records</th>
            <th class="num">Errors</th>
            <th>Extracts</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map(({ d, extracts }) => (
            <tr>
              <td>{d.receivedAt.replace('T', ' ').slice(0, 19)}</td>
              <td>{d.dataset}</td>
              <td>
                {d.municipality} {municipalityName(d.municipality)}
              </td>
              <td>{d.period}</td>
              <td>{d.source}</td>
              <td>
                <a href={`/deliveries/${d.id}`}>
                  <Badge status={d.status} />
                </a>
                {d.supersededBy ? <span class="muted"> superseded</span> : null}
              </td>
              <td class="num">{d.records ? `${d.records.valid} / ${d.records.total}` : ''}</td>
              <td class="num">{d.errorCount || ''}</td>
              <td>
                {extracts.map((e) => (
                  <span>
                    {e.recipient} <Badge status={e.status} />{' '}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.items.length === 0 ? <p class="muted">No deliveries match.</p> : null}
      {props.next ? (
        <p>
          <a href={`/?${new URLSearchParams({ ...f, cursor: props.next }).toString()}`}>Older deliveries →</a>
        </p>
      ) : null}
    </Page>
  );
}

function DeliveryDetail(props: {
  who: Principal;
  d: DeliveryRecord;
  extracts: ExtractRecord[];
  pushes: Map<string, PushRecord>;
  issues: Array<{ record: number; line?: number; field?: string; rule: string; message: string }>;
}) {
  const { d } = props;
  return (
    <Page title={d.id} who={props.who}>
      <p>
        <a href="/">← Deliveries</a>
      </p>
      <h1>
        {d.dataset} · {d.municipality} {municipalityName(d.municipality)} · {d.period}{' '}
        <Badge status={d.status} />
      </h1>
      <p>
        <code>{d.id}</code> from <strong>{d.source}</strong>, received {d.receivedAt}
        {d.records ? `, ${d.records.total} records (${d.records.invalid} invalid)` : ''}
        {d.problem ? `. ${d.problem.detail}` : ''}
      </p>
      {props.extracts.length ? (
        <>
          <h2>Extracts</h2>
          <table>
            <thead>
              <tr>
                <th>Recipient</th>
                <th>Status</th>
                <th class="num">Records</th>
                <th>Profile</th>
                <th>Acknowledgement due</th>
                <th>Push</th>
              </tr>
            </thead>
            <tbody>
              {props.extracts.map((e) => {
                const push = props.pushes.get(e.id);
                return (
                  <tr>
                    <td>{e.recipient}</td>
                    <td>
                      <Badge status={e.status} />
                    </td>
                    <td class="num">{e.records}</td>
                    <td>
                      {e.profile.id} v{e.profile.version}
                    </td>
                    <td>{e.ackDueAt?.slice(0, 10) ?? ''}</td>
                    <td>
                      {push ? (
                        <>
                          {push.target.type} <Badge status={push.status} /> after {push.attempts}{' '}
                          {push.attempts === 1 ? 'attempt' : 'attempts'}
                          {push.lastError && push.status !== 'delivered' ? `: ${push.lastError}` : ''}
                        </>
                      ) : (
                        'fetched by the recipient'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
      {props.issues.length ? (
        <>
          <h2>
            What was wrong ({d.errorCount} errors
            {props.issues.length < d.errorCount ? `, first ${props.issues.length} shown` : ''})
          </h2>
          <table>
            <thead>
              <tr>
                <th class="num">Record</th>
                <th class="num">Line</th>
                <th>Field</th>
                <th>Rule</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {props.issues.map((i) => (
                <tr>
                  <td class="num">{i.record || ''}</td>
                  <td class="num">{i.line ?? ''}</td>
                  <td>{i.field ?? ''}</td>
                  <td>{i.rule}</td>
                  <td>{i.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}

function ExtractsView(props: { who: Principal; items: ExtractRecord[] }) {
  return (
    <Page title="Extracts" who={props.who}>
      <h1>Extracts for {props.who.recipient}</h1>
      <table>
        <thead>
          <tr>
            <th>Made (UTC)</th>
            <th>Dataset</th>
            <th>Municipality</th>
            <th>Period</th>
            <th class="num">Records</th>
            <th>Status</th>
            <th>File</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr>
              <td>{e.createdAt.replace('T', ' ').slice(0, 19)}</td>
              <td>{e.dataset}</td>
              <td>
                {e.municipality} {municipalityName(e.municipality)}
              </td>
              <td>{e.period}</td>
              <td class="num">{e.records}</td>
              <td>
                <Badge status={e.status} />
              </td>
              <td>
                <code>{e.fileName}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

function ExpectedView(props: { who: Principal; report: ExpectedReport; datasets: string[] }) {
  const r = props.report;
  return (
    <Page title="Expected deliveries" who={props.who}>
      <h1>Expected deliveries</h1>
      <form class="filter" method="get" action="/expected">
        <label>
          Dataset
          <select name="dataset">
            {props.datasets.map((d) => (
              <option value={d} selected={r.dataset === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period
          <input name="period" value={asTyped(r.period)} size={9} />
        </label>
        <button type="submit">Show</button>
      </form>
      <p>Due by {r.deadline.replace('T', ' ').slice(0, 16)} UTC.</p>
      <div class="summary">
        {Object.entries(r.summary).map(([s, n]) => (
          <div>
            <span class={`badge ${s}`}>{s}</span> {n}
          </div>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>Municipality</th>
            <th>Source</th>
            <th>Status</th>
            <th>Received (UTC)</th>
            <th class="num">Attempts</th>
            <th>Last problem</th>
          </tr>
        </thead>
        <tbody>
          {r.items.map((i) => (
            <tr>
              <td>
                {i.municipality} {i.municipalityName}
              </td>
              <td>{i.source}</td>
              <td>
                <span class={`badge ${i.status}`}>{i.status}</span>
              </td>
              <td>
                {i.delivery ? (
                  <a href={`/deliveries/${i.delivery}`}>{i.receivedAt?.replace('T', ' ').slice(0, 19)}</a>
                ) : (
                  ''
                )}
              </td>
              <td class="num">{i.attempts}</td>
              <td>{i.lastProblem ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.items.length === 0 ? (
        <p class="muted">No source token names a municipality for this dataset.</p>
      ) : null}
    </Page>
  );
}

/** The last whole month: the period most recently due. */
function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** What the dashboard reads: the stores, the catalogue, and how a request signs in. */
export interface DashboardServices extends AuthServices {
  catalogue: Catalogue;
  /** Whether the client's own connection is HTTPS; undefined when the runtime cannot tell. */
  clientProtocol?(raw: unknown): 'http' | 'https' | undefined;
}

/** The dashboard: server-rendered pages over the same stores and scope rules as the API. */
export function dashboard(services: DashboardServices) {
  const app = new Hono();
  /** The principal of the browser's session; null (the sign-in form) without a live one. */
  const who = async (c: Context): Promise<Principal | null> => {
    const credential = sessionCredential(c);
    if (!credential) return null;
    try {
      return await authenticate(services, clientAddressOf(services, c), credential);
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'unauthenticated') return null;
      throw e;
    }
  };
  /** Whether the client's own connection is HTTPS (directly, or as a trusted proxy says). */
  const usesHttps = (c: Context) =>
    (services.clientProtocol?.(c.env) ?? new URL(c.req.url).protocol.replace(':', '')) === 'https';

  app.get('/', async (c) => {
    const p = await who(c);
    if (!p) return c.html(<SignIn />);
    if (p.role === 'recipient') {
      const scope = extractScope(p);
      const page = scope ? await services.metadata.listExtracts(scope, null, 200) : { items: [] };
      return c.html(<ExtractsView who={p} items={page.items.reverse()} />);
    }
    const q = c.req.query();
    const filter: Record<string, string> = {};
    for (const k of ['dataset', 'municipality', 'period', 'status'])
      if (q[k]) filter[k] = String(q[k]).slice(0, 64);
    const scope = deliveryScope(p);
    const cursor = q.cursor && isCursor('id', q.cursor) ? q.cursor : null;
    const page = scope
      ? await services.metadata.listDeliveries(
          { ...filter, status: filter.status as DeliveryStatus | undefined, ...scope },
          cursor,
          100,
        )
      : { items: [], next: null };
    const items = await Promise.all(
      page.items.map(async (d) => ({
        d,
        extracts: (await services.metadata.listExtracts({ deliveryId: d.id }, null, 50)).items,
      })),
    );
    return c.html(
      <DeliveriesView
        who={p}
        items={items}
        filter={filter}
        datasets={[...services.catalogue.datasets.keys()]}
        next={page.next}
      />,
    );
  });

  app.get('/deliveries/:id', async (c) => {
    const p = await who(c);
    if (!p) return c.redirect('/', 303);
    const d = await services.metadata.getDelivery(c.req.param('id'));
    if (!d || !mayReadDelivery(p, d))
      return c.html(
        <Page title="Not found" who={p}>
          <p>There is no such delivery.</p>
        </Page>,
        404,
      );
    const [extracts, issues] = await Promise.all([
      services.metadata.listExtracts({ deliveryId: d.id }, null, 50),
      services.metadata.listIssues(d.id, null, 500),
    ]);
    const pushes = new Map<string, PushRecord>();
    for (const e of extracts.items) {
      const push = await services.metadata.getPush(e.id);
      if (push) pushes.set(e.id, push);
    }
    return c.html(
      <DeliveryDetail who={p} d={d} extracts={extracts.items} pushes={pushes} issues={issues.items} />,
    );
  });

  app.get('/expected', async (c) => {
    const p = await who(c);
    if (!p) return c.redirect('/', 303);
    if (p.role === 'recipient') return c.redirect('/', 303);
    const datasets = [...services.catalogue.datasets.keys()];
    const dataset = c.req.query('dataset') ?? datasets[0] ?? '';
    const period = c.req.query('period') ?? previousMonth(services.now?.() ?? new Date());
    try {
      const report = await expectedDeliveries(services, dataset, period, deliveryScope(p));
      return c.html(<ExpectedView who={p} report={report} datasets={datasets} />);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      return c.html(
        <Page title="Expected deliveries" who={p}>
          <p>{e.message}</p>
        </Page>,
        422,
      );
    }
  });

  // A sign-in form holds one token: anything larger is refused before it is read.
  const formLimit = bodyLimit({
    maxSize: 4096,
    onError: () => {
      throw new GatewayError('payload_too_large', 'a sign-in form holds one token, at most 4 KiB');
    },
  });

  // Sign-in and sign-out are same-site only: a hostile page must not sign a browser in as
  // someone else (login CSRF) or out. Browsers say where a form came from.
  const sameSiteOnly = createMiddleware(async function sameSiteOnly(c, next) {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const host = new URL(c.req.url).host;
    const crossSite =
      (site !== undefined && site !== 'same-origin' && site !== 'none') ||
      (origin !== undefined && originHost(origin) !== host);
    if (crossSite)
      return c.text('forms are accepted from this site only', 403, { 'cache-control': 'no-store' });
    return next();
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
      if (e.code === 'unauthenticated') return c.html(<SignIn failed />, 401);
      if (e.code !== 'rate_limited') throw e;
      const wait = Number(e.extensions.retryAfter) || 60;
      return c.html(<SignIn waitSeconds={wait} />, 429, { 'retry-after': String(wait) });
    }
    // The browser holds the session id in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS).
    setCookie(c, SESSION_COOKIE, await openSession(services, token), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: usesHttps(c),
      maxAge: SESSION_SECONDS,
    });
    return c.redirect('/', 303);
  });

  app.post('/session/end', async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) await endSession(services, id);
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: usesHttps(c) });
    return c.redirect('/', 303);
  });

  return app;
}

/** The host an Origin header names, or null when it names none (`null`, or not a URL). */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

/** A filter value shown back in its field only when it cannot hold a CPR number; else empty. */
function asTyped(value: string | undefined): string {
  return value && nameAsShown(value) === value ? value : '';
}
