import type { Context } from 'hono';
import { ERROR_CODES, type ErrorCode, GatewayError } from '../core/errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The stable `type` of a problem document: a path on the gateway that documents the code. */
export function problemType(code: ErrorCode): string {
  return `/problems/${code}`;
}

/** An RFC 9457 problem document for an error; unknown errors say nothing of their insides. */
export function problemResponse(c: Context, err: unknown, headers: Record<string, string> = {}): Response {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? undefined;
  const ge =
    err instanceof GatewayError
      ? err
      : new GatewayError('internal', 'something went wrong; the request id names it in the log');
  const { status, title } = ERROR_CODES[ge.code];
  const body = {
    type: problemType(ge.code),
    title,
    status,
    detail: ge.message,
    instance: requestId ? `urn:request:${requestId}` : undefined,
    ...ge.extensions,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': PROBLEM_CONTENT_TYPE,
      ...(ge.code === 'unauthenticated' ? { 'www-authenticate': 'Bearer' } : {}),
      ...(typeof ge.extensions.retryAfter === 'number'
        ? { 'retry-after': String(ge.extensions.retryAfter) }
        : {}),
      ...(Array.isArray(ge.extensions.allow) ? { allow: ge.extensions.allow.join(', ') } : {}),
      ...headers,
    },
  });
}
