// Requests Node rejects before Express sees them (headers over the limit, broken HTTP) still get problem+json.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError, problemOf } from '../core/errors';

/** Largest request head (request line plus headers) Node accepts; beyond it the answer is 400 INVALID_REQUEST. */
export const MAX_HEADER_BYTES = 16 * 1024;

export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const detail =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? `The request line and headers are over ${MAX_HEADER_BYTES} bytes`
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'The request was not received in time'
          : 'The request is not valid HTTP';
    const requestId = randomUUID();
    const body = JSON.stringify(problemOf(new GatewayError('INVALID_REQUEST', detail), requestId));
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
