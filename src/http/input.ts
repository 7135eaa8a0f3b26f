import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { type ErrorCode, GatewayError } from '../core/errors';
import { mayHoldCpr, nameAsShown, shapeOf } from '../core/value-shape';
import { bodyReadFailure } from '../pipeline/body';

/** A request path as a problem may repeat it: each segment that could hold personal data by its shape. */
export function pathAsShown(path: string): string {
  // A number may be split over segments (/0101/70/9990): then no segment with digits is shown.
  const split = mayHoldCpr(path);
  return path
    .split('/')
    .map((s) => (!s ? s : split && /\p{Nd}.*\p{Nd}/u.test(s) ? `(a name of ${shapeOf(s)})` : nameAsShown(s)))
    .join('/');
}

/**
 * Guards against plain bad input before any route sees it, so nothing a client sends reaches
 * the database or a parser in a shape that makes it fail with a 500.
 */

/** A percent-encoded component decoded, or null when it is not valid UTF-8 or holds NUL. */
function decodedOrNull(component: string, plusIsSpace: boolean): string | null {
  let text: string;
  try {
    text = decodeURIComponent(plusIsSpace ? component.replace(/\+/g, ' ') : component);
  } catch {
    return null;
  }
  return text.includes('\u0000') ? null : text;
}

/**
 * Refuses (400) a path or query whose percent-encoding is broken, is not UTF-8, or carries NUL:
 * PostgreSQL cannot store NUL in text, and a value that does not decode names nothing.
 */
export function refuseBadUrls() {
  return createMiddleware(async function refuseBadUrls(c, next) {
    const url = c.req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const rest = start < 0 ? '/' : url.slice(start);
    const hash = rest.indexOf('#');
    const target = hash < 0 ? rest : rest.slice(0, hash);
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    for (const segment of path.split('/'))
      if (decodedOrNull(segment, false) === null)
        throw new GatewayError(
          'bad_request',
          'the path holds a broken percent-encoding, text that is not UTF-8, or NUL',
        );
    for (const pair of query.split('&'))
      for (const part of pair.split('='))
        if (decodedOrNull(part, true) === null)
          throw new GatewayError(
            'bad_request',
            'the query holds a broken percent-encoding, text that is not UTF-8, or NUL',
          );
    return next();
  });
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The largest JSON body any route takes (a token request, an acknowledgement). */
export const MAX_JSON_BYTES = 64 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any key or string in a parsed JSON value holds NUL or half a character. */
function holdsBadText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000') || LONE_SURROGATE.test(v)) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000') || LONE_SURROGATE.test(k)) return true;
        stack.push(x);
      }
  }
  return false;
}

const limitJson = bodyLimit({
  maxSize: MAX_JSON_BYTES,
  onError: () => {
    throw new GatewayError('payload_too_large', `a JSON body may hold at most ${MAX_JSON_BYTES} bytes`);
  },
});

/** Whether well-formed JSON text gives one key twice in an object (JSON.parse keeps the last silently). */
export function repeatsAKey(text: string): boolean {
  // One entry per open object (its keys, and whether a key comes next) or array (null).
  const open: Array<{ keys: Set<string>; keyNext: boolean } | null> = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = open[open.length - 1];
      if (top?.keyNext) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return true;
        top.keys.add(key);
        top.keyNext = false;
      }
      i = j;
    } else if (ch === '{') open.push({ keys: new Set(), keyNext: true });
    else if (ch === '[') open.push(null);
    else if (ch === '}' || ch === ']') open.pop();
    else if (ch === ',') {
      const top = open[open.length - 1];
      if (top) top.keyNext = true;
    }
  }
  return false;
}

/**
 * Refuses (415) a body that is not JSON on a route that takes JSON: otherwise the validator
 * skips it and the handler meets nothing. A POST, PUT or PATCH route that reads no body takes
 * none, or `{}` (which many clients send by habit); any other body is 400, so a client that
 * thinks it set an option learns that it did not.
 */
export function requireJsonBodies(app: OpenAPIHono<never>) {
  let routes: { json: Set<string>; none: Set<string> } | null = null;
  const bodies = () => {
    if (routes) return routes;
    const found = { json: new Set<string>(), none: new Set<string>() };
    for (const d of app.openAPIRegistry.definitions) {
      if (d.type !== 'route') continue;
      const key = `${d.route.method.toUpperCase()} ${d.route.path.replace(/\{(\w+)\}/g, ':$1')}`;
      const content = (d.route.request?.body as { content?: Record<string, unknown> } | undefined)?.content;
      if (!content) {
        if (['post', 'put', 'patch'].includes(d.route.method)) found.none.add(key);
        continue;
      }
      const types = Object.keys(content);
      if (types.length && types.every((t) => JSON_MEDIA_TYPE.test(t))) found.json.add(key);
    }
    routes = found;
    return found;
  };
  return createMiddleware(async function requireJsonBodies(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const route = c.req.matchedRoutes.findLast((r) => r.method !== 'ALL');
    const key = route ? `${route.method} ${route.path}` : '';
    if (bodies().none.has(key))
      return limitJson(c, async () => {
        const text = new TextDecoder().decode(await c.req.arrayBuffer()).trim();
        if (text !== '' && text.replace(/\s+/g, '') !== '{}')
          throw new GatewayError('bad_request', 'this route reads no body: send none, or {}');
        await next();
      });
    if (bodies().json.has(key)) {
      const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
      if (!JSON_MEDIA_TYPE.test(type))
        throw new GatewayError(
          'unsupported_media_type',
          `send the body as application/json${type ? `, not ${nameAsShown(type.slice(0, 100))}` : ''}`,
        );
      // Bounded, well-formed, and no text the database cannot hold (NUL, half a character).
      return limitJson(c, async () => {
        let parsed: unknown;
        let text: string;
        try {
          // Bytes that are not UTF-8 are refused, not replaced with U+FFFD.
          text = new TextDecoder('utf-8', { fatal: true }).decode(await c.req.arrayBuffer());
          parsed = JSON.parse(text);
        } catch {
          throw new GatewayError('bad_request', 'the body is not well-formed JSON in UTF-8');
        }
        if (holdsBadText(parsed))
          throw new GatewayError('bad_request', 'the body holds NUL or text that is not UTF-8');
        // A key given twice is read one way here and maybe another by a proxy in front.
        if (repeatsAKey(text))
          throw new GatewayError('bad_request', 'the body gives a key twice in one object');
        await next();
      });
    }
    return next();
  });
}

const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  422: 'unprocessable',
  429: 'rate_limited',
};

/**
 * An error some layer raised about the request as a GatewayError: the HTTP exceptions of the
 * framework's validators (malformed JSON) and PostgreSQL's refusal of text it cannot hold.
 * Null for anything else (a fault of the gateway: 500).
 */
export function clientErrorOf(err: unknown): GatewayError | null {
  if (err instanceof GatewayError) return err;
  if (err instanceof HTTPException && err.status < 500) {
    const code = HTTP_EXCEPTION_CODES[err.status] ?? 'bad_request';
    return new GatewayError(code, err.message || 'the request does not fit the interface');
  }
  // 22021 character_not_in_repertoire, 22P05 untranslatable_character: NUL or broken text.
  const pgCode = (err as { code?: unknown } | null)?.code;
  if (pgCode === '22021' || pgCode === '22P05')
    return new GatewayError('bad_request', 'the request holds text that cannot be stored (NUL or not UTF-8)');
  return bodyReadFailure(err);
}

/** The methods a path answers to, for 405 and Allow; empty when no route has that path. */
export function allowedMethods(
  app: { routes: ReadonlyArray<{ method: string; path: string }> },
  path: string,
): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const pattern = r.path
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    if (new RegExp(`^${pattern}/?$`).test(path)) methods.add(r.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** 405 with Allow for a known path and another method; else null (the path is unknown). */
export function methodNotAllowed(
  app: { routes: ReadonlyArray<{ method: string; path: string }> },
  c: Context,
): GatewayError | null {
  const allowed = allowedMethods(app, c.req.path);
  if (allowed.length === 0 || allowed.includes(c.req.method)) return null;
  return new GatewayError('method_not_allowed', `${pathAsShown(c.req.path)} answers ${allowed.join(', ')}`, {
    allow: allowed,
  });
}
