/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Principal } from '../auth/principal';
import { mayReadRegister } from '../auth/visibility';
import type { Locale } from './i18n';

/** The dashboard's one stylesheet, inline in every page. */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#123;color:#fff;padding:.7rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a,header button{color:#fff}header button{background:transparent;border:1px solid #fff;border-radius:4px}time{white-space:nowrap}main{padding:1rem 1.5rem;max-width:90rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .6rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f0f2f4;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em}
.accepted,.acknowledged,.received{background:#d8f3dc}.rejected,.failed,.refused,.missing{background:#fde2e1}.late,.overdue{background:#fff1c2}.pending{background:#eee}.receiving,.available,.fetched{background:#e6eefc}.superseded,.purged{background:#eee;color:#666}
form.filter{display:flex;gap:.6rem;align-items:end;margin:.8rem 0}label{display:flex;flex-direction:column;font-size:.85em}
input,select,button,textarea{font:inherit;padding:.25rem .4rem}dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.facts dt{font-weight:600}form.word{display:flex;gap:.6rem;align-items:end;margin:.6rem 0}.summary{display:flex;gap:1rem;margin:.6rem 0}.summary div{background:#fff;border:1px solid #e4e4e4;border-radius:6px;padding:.4rem .8rem}
.muted{color:#666}
table.grid td.cell{padding:0;text-align:center;font-size:.85em}table.grid td.cell a{display:block;padding:.3rem .4rem;color:#1b1b1b;text-decoration:none}
table.grid th[scope=row]{font-weight:400;white-space:nowrap}.cell .extra{display:block;font-size:.85em;color:#333}
.cell.received{background:#b7e4c7}.cell.late{background:#ffe08a}.cell.missing{background:#f4a6a1}.cell.rejected{background:#d7b5e8}.cell.pending{background:#e4e4e4}.cell.none{color:#999}
.anomaly{font-weight:700}svg.trend{background:#fff;border:1px solid #e4e4e4;max-width:100%;height:auto}
svg .axis{stroke:#555}svg .tick,svg .legend{font-size:11px;fill:#333}svg .line{stroke-width:2}svg .line.records{stroke:#1d5fa8}svg .line.errors{stroke:#b3261e;stroke-dasharray:5 3}
svg .legend.records{fill:#1d5fa8}svg .legend.errors{fill:#b3261e}svg circle.anomaly{stroke:#b3261e;stroke-width:2}code{font-size:.9em}code.details{overflow-wrap:anywhere;white-space:normal}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f0a202;outline-offset:2px}`;

/** The frame of every page: the title, who is signed in, the navigation, the language switch, the content. */
export function Page(props: { l: Locale; title: string; who?: Principal; children: Child }) {
  const { l } = props;
  const other = l.lang === 'da' ? 'en' : 'da';
  const switchLink = (
    <a href={l.switchHref} lang={other} hreflang={other} title={l.t('lang.switchTitle')}>
      {l.t('lang.switch')}
    </a>
  );
  return (
    <html lang={l.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>
          {props.title} · {l.t('app.name')}
        </title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <style>{STYLE}</style>
      </head>
      <body>
        <header>
          <strong>{l.t('app.name')}</strong>
          {props.who ? (
            <form method="post" action="/session/end">
              {props.who.subject} ({l.role(props.who.role)}) · <a href="/">{l.t('nav.deliveries')}</a> ·{' '}
              <a href="/expected">{l.t('nav.expected')}</a> · <a href="/national">{l.t('nav.national')}</a> ·{' '}
              {props.who.role === 'municipality' && props.who.municipalities[0] ? (
                <>
                  <a href={`/municipalities/${props.who.municipalities[0]}`}>{l.t('nav.municipality')}</a> ·{' '}
                </>
              ) : null}
              <a href="/runs">{l.t('nav.runs')}</a> ·{' '}
              {mayReadRegister(props.who) ? (
                <>
                  <a href="/audit">{l.t('nav.audit')}</a> ·{' '}
                  <a href="/processing-register">{l.t('nav.register')}</a> ·{' '}
                </>
              ) : null}
              <a href="/docs">{l.t('nav.apiReference')}</a> · {switchLink} ·{' '}
              <button type="submit">{l.t('nav.signOut')}</button>
            </form>
          ) : (
            <span>
              <a href="/docs">{l.t('nav.apiReference')}</a> · {switchLink}
            </span>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
