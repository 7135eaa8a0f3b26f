import { ERROR_CODES, type ErrorCode } from '../core/errors';

interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        tags?: string[];
        parameters?: Array<{ name: string; in: string; required?: boolean }>;
        responses?: Record<string, { description?: string; $ref?: string }>;
      }
    >
  >;
  components?: { responses?: Record<string, { description?: string }> };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
code,pre{font:13px ui-monospace,monospace;background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}
.op{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}
.get,.head{color:#0a6}.post{color:#06c}.delete{color:#c30}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}`;

/** A self-contained, human API reference rendered from the OpenAPI document (no scripts, no CDN). */
export function renderApiReference(doc: OpenApiDoc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'Other';
      const params = (op.parameters ?? [])
        .map((p) => `<code>${esc(p.name)}</code> (${p.in}${p.required ? ', required' : ''})`)
        .join(', ');
      const responses = Object.entries(op.responses ?? {})
        .map(([code, r]) => {
          // A shared refusal says what it means unless the operation says more.
          const shared = r.$ref ? doc.components?.responses?.[r.$ref.split('/').pop() ?? ''] : undefined;
          return `<tr><td>${code}</td><td>${esc(r.description ?? shared?.description ?? '')}</td></tr>`;
        })
        .join('');
      const html = `<div class="op"><div><span class="m ${method}">${method}</span><code>${esc(path)}</code></div>
<p>${esc(op.summary ?? '')}</p>${params ? `<p>Parameters: ${params}</p>` : ''}<table>${responses}</table></div>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('')}`).join('');
  const problems = Object.entries(ERROR_CODES)
    .map(
      ([code, v]) =>
        `<tr><td><a href="/problems/${code}"><code>/problems/${code}</code></a></td><td>${v.status}</td><td>${esc(v.title)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} — API reference</title><style>${STYLE}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Every <code>/v1</code> call carries <code>Authorization: Bearer &lt;token&gt;</code>.
Errors are RFC 9457 problem documents (<code>application/problem+json</code>) whose <code>type</code> is one of the problem types below.</p>
${sections}<h2 id="problems">Problem types</h2><table><tr><th>type</th><th>status</th><th>title</th></tr>${problems}</table></body></html>`;
}

export function renderProblemType(code: string): string | null {
  if (!(code in ERROR_CODES)) return null;
  const { status, title } = ERROR_CODES[code as ErrorCode];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1><p>Problem type <code>/problems/${esc(code)}</code>, HTTP status ${status}.</p>
<p>The <code>detail</code> member says what happened in this case; see <a href="/docs#problems">all problem types</a>.</p></body></html>`;
}
