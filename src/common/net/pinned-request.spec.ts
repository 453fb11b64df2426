import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationRefusedError } from './destination-guard';
import { pinnedRequest, PinnedRequestError } from './pinned-request';

describe('pinnedRequest', () => {
  let server: Server;
  let base: string;
  let lastBody = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        lastBody = body;
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/ok' }).end();
        } else if (req.url === '/big') {
          res.writeHead(500).end('x'.repeat(100_000));
        } else if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200).end('late'), 1000);
        } else {
          res.writeHead(200, { 'x-seen': req.headers['x-test'] as string }).end('ok');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const allowed = { method: 'POST', allowPrivate: true, requireHttps: false, headers: { 'x-test': 'yes' }, body: '{"a":1}', timeoutMs: 500, maxResponseBytes: 1024 };

  it('posts the body with the headers and returns status, headers and body', async () => {
    const response = await pinnedRequest(`${base}/ok`, allowed);
    expect(response).toMatchObject({ status: 200, truncated: false });
    expect(response.body.toString()).toBe('ok');
    expect(response.headers['x-seen']).toBe('yes');
    expect(lastBody).toBe('{"a":1}');
  });

  it('does not follow a redirect', async () => {
    expect(await pinnedRequest(`${base}/redirect`, allowed)).toMatchObject({ status: 302 });
  });

  it('reads at most maxResponseBytes of the body', async () => {
    const response = await pinnedRequest(`${base}/big`, { ...allowed, maxResponseBytes: 10 });
    expect(response.status).toBe(500);
    expect(response.body.toString()).toBe('x'.repeat(10));
    expect(response.truncated).toBe(true);
  });

  it('gives up after the timeout', async () => {
    const error = await pinnedRequest(`${base}/slow`, { ...allowed, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinnedRequestError);
    expect(error).toMatchObject({ code: 'timeout', message: 'timeout after 100 ms' });
  });

  it('stops when the caller aborts, and refuses at once when already aborted', async () => {
    const controller = new AbortController();
    const pending = pinnedRequest(`${base}/slow`, { ...allowed, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await expect(pinnedRequest(`${base}/ok`, { ...allowed, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('names a refused connection by its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(pinnedRequest(`http://127.0.0.1:${port}/`, allowed)).rejects.toMatchObject({ code: 'ECONNREFUSED', message: 'ECONNREFUSED' });
  });

  it('refuses loopback addresses, literal or resolved, unless private destinations are allowed', async () => {
    const strict = { ...allowed, allowPrivate: false };
    await expect(pinnedRequest(`${base}/ok`, strict)).rejects.toBeInstanceOf(DestinationRefusedError);
    const port = new URL(base).port;
    await expect(pinnedRequest(`http://localhost:${port}/ok`, strict)).rejects.toBeInstanceOf(DestinationRefusedError);
  });

  it('checks the addresses the socket connects to (DNS rebinding): a name answering loopback is refused', async () => {
    const port = new URL(base).port;
    let lookups = 0;
    const rebinding = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const error = await pinnedRequest(`http://rebind.example:${port}/ok`, { ...allowed, allowPrivate: false, lookup: rebinding }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DestinationRefusedError);
    expect((error as Error).message).toContain('127.0.0.1');
    expect(lookups).toBe(1);
    // The same lookup answering a public address is used for the connection (here it cannot connect).
    const publicAnswer = async () => [{ address: '93.184.216.34', family: 4 }];
    await expect(pinnedRequest(`http://rebind.example:${port}/ok`, { ...allowed, allowPrivate: false, lookup: publicAnswer, timeoutMs: 200 }))
      .rejects.toBeInstanceOf(PinnedRequestError);
  });

  it('requires https when asked to', async () => {
    await expect(pinnedRequest(`${base}/ok`, { ...allowed, allowPrivate: false, requireHttps: true })).rejects.toThrow('https');
  });
});
