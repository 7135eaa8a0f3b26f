/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Principal } from '../auth/principal';

/** The dashboard's one stylesheet, inline in every page. */
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

/** The frame of every page: the title, who is signed in, the navigation, the content. */
export function Page(props: { title: string; who?: Principal; children: Child }) {
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
