import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationRefusedError } from '../../../common/net/destination-guard';
import { ActionArgumentsError, ActionRegistry, type ActionContext } from '../actions';
import { HTTP_RESPONSE_MAX_BYTES, httpRequestAction, httpRequestComplexity, type HttpRequestOptions } from './http-request';

const ctx: ActionContext = { tenantSlug: 'acme', agentId: 'a', executionId: 'e', simulate: false };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('http_request action', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const hanging = new Set<ServerResponse>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        switch (req.url) {
          case '/hello':
            res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'set-cookie': 'session=abc', 'x-internal': 'secret', etag: '"v1"' });
            res.end('hello, agent');
            return;
          case '/redirect':
            res.writeHead(302, { location: '/hello' });
            res.end();
            return;
          case '/big':
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('x'.repeat(HTTP_RESPONSE_MAX_BYTES + 10_000));
            return;
          case '/exact':
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('y'.repeat(HTTP_RESPONSE_MAX_BYTES));
            return;
          case '/endless': {
            // Never ends: the cap must stop the download rather than wait for the end.
            res.writeHead(200, { 'content-type': 'text/plain' });
            const chunk = 'z'.repeat(16 * 1024);
            const pump = () => {
              while (!res.destroyed && res.write(chunk));
              if (!res.destroyed) res.once('drain', pump);
            };
            pump();
            return;
          }
          case '/slow':
            hanging.add(res);
            return;
          case '/echo':
            res.writeHead(201, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ received: Buffer.concat(chunks).toString() }));
            return;
          default:
            res.writeHead(404);
            res.end('not found');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  function registry(options: Partial<HttpRequestOptions> = {}): ActionRegistry {
    return new ActionRegistry([httpRequestAction({ allowPrivate: true, requireHttps: false, ...options })]);
  }

  it('GETs a local server when private destinations are allowed, showing only safe headers', async () => {
    const result = await registry().run('http_request', { url: `${base}/hello`, headers: { 'x-trace': 't1' } }, ctx);
    expect(result).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', etag: '"v1"', date: expect.any(String) },
      body: 'hello, agent',
      truncated: false,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/hello' });
    expect(seen[0].headers['x-trace']).toBe('t1');
  });

  it('does not follow a redirect: the 3xx and its location come back', async () => {
    const result = await registry().run('http_request', { url: `${base}/redirect` }, ctx);
    expect(result).toMatchObject({ status: 302, headers: { location: '/hello' }, truncated: false });
    expect(seen.map((request) => request.url)).toEqual(['/redirect']);
  });

  it('cuts the response body at 64 KiB and says so', async () => {
    const result = (await registry().run('http_request', { url: `${base}/big` }, ctx)) as { body: string; truncated: boolean };
    expect(result.body).toHaveLength(HTTP_RESPONSE_MAX_BYTES);
    expect(result.truncated).toBe(true);
  });

  it('does not call a body of exactly the cap truncated', async () => {
    const result = (await registry().run('http_request', { url: `${base}/exact` }, ctx)) as { body: string; truncated: boolean };
    expect(result.body).toHaveLength(HTTP_RESPONSE_MAX_BYTES);
    expect(result.truncated).toBe(false);
  });

  it('stops reading an endless body at the cap', async () => {
    const result = (await registry({ maxResponseBytes: 1000 }).run('http_request', { url: `${base}/endless` }, ctx)) as { body: string; truncated: boolean };
    expect(result.body).toBe('z'.repeat(1000));
    expect(result.truncated).toBe(true);
  });

  it('sends a POST with a JSON body when not simulating', async () => {
    const result = await registry().run('http_request', { url: `${base}/echo`, method: 'POST', body: { amount: 5 } }, ctx);
    expect(result).toMatchObject({ status: 201, body: JSON.stringify({ received: '{"amount":5}' }) });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/echo', body: '{"amount":5}' });
    expect(seen[0].headers['content-type']).toBe('application/json');
  });

  it('sends a string body as given', async () => {
    await registry().run('http_request', { url: `${base}/echo`, method: 'PUT', body: 'a=1', headers: { 'Content-Type': 'text/plain' } }, ctx);
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'a=1' });
    expect(seen[0].headers['content-type']).toBe('text/plain');
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('does not send a %s in simulate mode: the server sees nothing', async (method) => {
    const lookup = jest.fn();
    const result = await registry({ lookup }).run(
      'http_request',
      { url: `${base}/echo?x=1`, method, headers: { 'x-key': 'k' }, ...(method === 'DELETE' ? {} : { body: { a: 1 } }) },
      { ...ctx, simulate: true },
    );
    expect(result).toEqual({
      simulated: true,
      method,
      url: `${base}/echo?x=1`,
      header_names: method === 'DELETE' ? ['x-key'] : ['content-type', 'x-key'],
      body_bytes: method === 'DELETE' ? 0 : 7,
    });
    expect(seen).toEqual([]);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('still sends a GET in simulate mode (it is read-only)', async () => {
    await expect(registry().run('http_request', { url: `${base}/hello` }, { ...ctx, simulate: true })).resolves.toMatchObject({ status: 200 });
    expect(seen).toHaveLength(1);
  });

  it('refuses a simulated request to a refused destination as a real one would be', async () => {
    const strict = registry({ allowPrivate: false, requireHttps: false });
    await expect(strict.run('http_request', { url: `${base}/echo`, method: 'POST' }, { ...ctx, simulate: true })).rejects.toBeInstanceOf(DestinationRefusedError);
  });

  it('refuses the local server without private destinations, before connecting', async () => {
    const strict = registry({ allowPrivate: false, requireHttps: false });
    await expect(strict.run('http_request', { url: `${base}/hello` }, ctx)).rejects.toThrow(DestinationRefusedError);
    await expect(strict.run('http_request', { url: `${base}/hello` }, ctx)).rejects.toThrow('a loopback address');
    const viaName = registry({ allowPrivate: false, requireHttps: false, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    await expect(viaName.run('http_request', { url: `http://service.example.com:${new URL(base).port}/hello` }, ctx)).rejects.toThrow(
      'resolves to a loopback address',
    );
    expect(seen).toEqual([]);
  });

  it('refuses plain http when https is required (and private destinations are not allowed)', async () => {
    const lookup = async () => [{ address: '93.184.216.34', family: 4 }];
    await expect(registry({ allowPrivate: false, requireHttps: true, lookup }).run('http_request', { url: 'http://example.com/' }, ctx)).rejects.toThrow(
      'the URL must use https',
    );
  });

  it('checks the destination inside the connection, on every call (DNS rebinding)', async () => {
    const port = new URL(base).port;
    let answer = '93.184.216.34';
    const lookup = jest.fn(async () => [{ address: answer, family: 4 }]);
    const actions = registry({ allowPrivate: false, requireHttps: false, lookup, timeoutMs: 300 });
    // A public answer: the socket connects to that very address (unreachable here), never to the local server.
    await expect(actions.run('http_request', { url: `http://rebind.example.com:${port}/hello` }, ctx)).rejects.toThrow(
      /http_request to rebind\.example\.com:\d+ (failed|timed out)/,
    );
    answer = '127.0.0.1';
    await expect(actions.run('http_request', { url: `http://rebind.example.com:${port}/hello` }, ctx)).rejects.toThrow(DestinationRefusedError);
    // One resolution per call, the one the connection used: nothing to race.
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([]);
  });

  it('times out a server that does not answer', async () => {
    const started = Date.now();
    await expect(registry({ timeoutMs: 200 }).run('http_request', { url: `${base}/slow` }, ctx)).rejects.toThrow(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out a resolver that never answers', async () => {
    const lookup = () => new Promise<never>(() => undefined);
    const actions = registry({ allowPrivate: false, requireHttps: false, lookup, timeoutMs: 100 });
    await expect(actions.run('http_request', { url: 'http://stuck.example.com/' }, ctx)).rejects.toThrow('http_request to stuck.example.com timed out after 100 ms');
  });

  it('refuses at once when the execution was already cancelled', async () => {
    await expect(registry().run('http_request', { url: `${base}/hello` }, { ...ctx, signal: AbortSignal.abort() })).rejects.toThrow(/was cancelled/);
    expect(seen).toEqual([]);
  });

  it('stops when the execution is cancelled', async () => {
    const controller = new AbortController();
    const pending = registry().run('http_request', { url: `${base}/slow` }, { ...ctx, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/was cancelled/);
  });

  it('reports a refused connection clearly', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(registry().run('http_request', { url: `http://127.0.0.1:${port}/` }, ctx)).rejects.toThrow(`http_request to 127.0.0.1:${port} failed: ECONNREFUSED`);
  });

  it.each([
    [{}, ActionArgumentsError, 'url: is required'],
    [{ url: 'x', method: 'get' }, ActionArgumentsError, 'method: must be one of'],
    [{ url: 'x', method: 'TRACE' }, ActionArgumentsError, 'method: must be one of'],
    [{ url: 'x', headers: 'a: b' }, ActionArgumentsError, 'headers: must be an object'],
    [{ url: 'x', body: 5 }, ActionArgumentsError, 'body: must be a string or an object or an array'],
    [{ url: 'not a url' }, DestinationRefusedError, 'not a valid absolute URL'],
    [{ url: 'file:///etc/passwd' }, DestinationRefusedError, 'only http and https'],
    [{ url: 'http://127.0.0.1/', body: 'x' }, Error, 'a GET request cannot have a body'],
    [{ url: 'http://127.0.0.1/', headers: { 'x-n': 1 } }, Error, 'header "x-n" must be a string'],
    [{ url: 'http://127.0.0.1/', headers: { Host: 'evil' } }, Error, 'header "Host" may not be set'],
    [{ url: 'http://127.0.0.1/', headers: { 'transfer-encoding': 'chunked' } }, Error, 'may not be set'],
    [{ url: 'http://127.0.0.1/', headers: { 'bad name': 'x' } }, Error, 'is not a valid HTTP header'],
    [{ url: 'http://127.0.0.1/', headers: { 'x-a': 'line\r\nbreak' } }, Error, 'is not a valid HTTP header'],
    [{ url: 'http://127.0.0.1/', method: 'POST', body: 'x'.repeat(256 * 1024 + 1) }, Error, 'may not exceed'],
  ])('refuses %p with a clear error and sends nothing', async (args, type, message) => {
    await expect(registry().run('http_request', args, ctx)).rejects.toThrow(type);
    await expect(registry().run('http_request', args, ctx)).rejects.toThrow(message);
    expect(seen).toEqual([]);
  });
});

describe('httpRequestComplexity', () => {
  it('is 1 for GET (or no method) and 3 for anything else, including nonsense', () => {
    expect(httpRequestComplexity({ url: 'x' })).toBe(1);
    expect(httpRequestComplexity({ url: 'x', method: 'GET' })).toBe(1);
    expect(httpRequestComplexity(undefined)).toBe(1);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'get', 42, null, {}]) expect(httpRequestComplexity({ url: 'x', method })).toBe(3);
  });
});
