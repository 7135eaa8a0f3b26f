import type { Duplex } from 'node:stream';
import { ERROR_CODES } from '../core/errors';
import { PROBLEM_CONTENT_TYPE, problemType } from '../http/problem';

/**
 * What Node's HTTP parser refuses before any route sees the request (broken chunked framing,
 * two Content-Lengths, bytes a header may not hold, headers too large) is answered with a
 * problem document like every other refusal, not a bare status line. When an answer is already
 * under way on the connection, the connection is only closed.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const answering = Reflect.get(socket, '_httpMessage') as { headersSent?: boolean } | null | undefined;
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are larger than this server takes']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request did not arrive in time']
        : [400, 'Bad Request', 'the request is not well-formed HTTP/1.1'];
  const body = JSON.stringify({
    type: problemType('bad_request'),
    title: status === 400 ? ERROR_CODES.bad_request.title : reason,
    status,
    detail,
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}
