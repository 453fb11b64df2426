import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { newRequestId } from './request-id';

/** What Node's HTTP parser refuses, by its error code; anything else is a malformed request (400). */
const REFUSALS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request line or headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
};

/**
 * Requests Node's HTTP parser refuses before Express ever sees them (a URL or headers over the size
 * limit, a malformed request line, a request too slow to arrive) get the error envelope too, instead of
 * Node's bare status line; the connection is then closed (the stream cannot be trusted any more).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, message } = REFUSALS[error.code ?? ''] ?? { status: 400, message: 'Malformed HTTP request' };
    const requestId = newRequestId();
    const body = JSON.stringify({
      success: false,
      error: { code: 'INVALID_INPUT', message, details: {} },
      meta: { timestamp: new Date().toISOString(), request_id: requestId },
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
