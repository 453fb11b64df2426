import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './client-error';

/** Sends raw bytes, keeps the connection open, and resolves with everything the server sent until it closed. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('answerClientErrors', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // Short limits so that a slow request is refused within the test (Node checks every 50 ms here).
    server = createServer({ headersTimeout: 150, requestTimeout: 200, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
    answerClientErrors(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function parse(raw: string) {
    const [head, body] = raw.split('\r\n\r\n');
    return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) as { success: boolean; error: { code: string; message: string }; meta: { request_id: string } } };
  }

  it('a request whose headers do not arrive in time gets 408 with the envelope, then the connection closes', async () => {
    const { statusLine, head, body } = parse(await rawExchange(port, 'GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: '));
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(body).toMatchObject({ success: false, error: { code: 'INVALID_INPUT', message: 'The request was not received in time' } });
    expect(head).toContain(`x-request-id: ${body.meta.request_id}`);
  });

  it('a malformed request line gets 400 with the envelope', async () => {
    const { statusLine, body } = parse(await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(body.error).toEqual({ code: 'INVALID_INPUT', message: 'Malformed HTTP request', details: {} });
  });
});
