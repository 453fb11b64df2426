import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { eventData, EventStreamClient, EventStreamErrorEvent, EventStreamStatusError } from './event-stream-request';

/** The data eventData hands out for a body arriving in these pieces. */
async function dataOf(...pieces: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of eventData(Readable.from(pieces.map((piece) => Buffer.from(piece)), { objectMode: false }))) out.push(data);
  return out;
}

describe('eventData', () => {
  it('hands out the data of each event, stopping at [DONE]', async () => {
    expect(await dataOf('data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\ndata: {"after":true}\n\n')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('joins events and lines split anywhere across reads, including inside a multi-byte character', async () => {
    const euro = Buffer.from('data: 5€\n\n');
    const pieces = [euro.subarray(0, 7), euro.subarray(7, 8), euro.subarray(8)];
    const out: string[] = [];
    for await (const data of eventData(Readable.from([Buffer.from('da'), Buffer.from('ta: one\n'), Buffer.from('\n'), ...pieces], { objectMode: false }))) out.push(data);
    expect(out).toEqual(['one', '5€']);
  });

  it('accepts \\r\\n line ends, data without the space, multi-line data, comments and other fields', async () => {
    expect(await dataOf(': keep-alive\r\n\r\nid: 7\r\nevent: message\r\ndata:first\r\ndata: second\r\nretry: 100\r\n\r\n')).toEqual(['first\nsecond']);
  });

  it('ends quietly at the end of the body, dropping an event that was never finished', async () => {
    expect(await dataOf('data: whole\n\n', 'data: half')).toEqual(['whole']);
  });

  it('throws an event named error with its message', async () => {
    await expect(dataOf('data: ok\n\n', 'event: error\ndata: {"error":{"message":"overloaded"}}\n\n')).rejects.toEqual(new EventStreamErrorEvent('overloaded'));
    await expect(dataOf('event: error\ndata: plain words\n\n')).rejects.toThrow('plain words');
  });
});

describe('EventStreamClient', () => {
  let server: Server;
  let url: URL;
  let answer: (res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = async () => {
    const out: string[] = [];
    for await (const data of await new EventStreamClient().post({ url, headers: {}, body: '{}', signal: new AbortController().signal })) out.push(data);
    return out;
  };
  const failure = () => post().then(() => undefined, (error: unknown) => error as EventStreamStatusError);

  it('streams the data of an event-stream answer', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: one\n\ndata: [DONE]\n\n');
    expect(await post()).toEqual(['one']);
  });

  it('reports an error status with the error object of a JSON body, plain text, or nothing', async () => {
    answer = (res) => res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"message":"slow down","type":"rate_limit"}}');
    expect(await failure()).toMatchObject({ status: 429, error: { message: 'slow down' }, message: '429 slow down' });

    answer = (res) => res.writeHead(502).end('Bad gateway from the proxy');
    expect(await failure()).toMatchObject({ status: 502, error: 'Bad gateway from the proxy' });

    answer = (res) => res.writeHead(500).end();
    expect(await failure()).toMatchObject({ status: 500, error: undefined, message: '500 status code (no body)' });
  });

  it('gives the connection back after [DONE]: successive answers share one keep-alive socket', async () => {
    const client = new EventStreamClient();
    const connections: unknown[] = [];
    const count = (socket: unknown) => connections.push(socket);
    server.on('connection', count);
    try {
      // [DONE] first, the end of the body in a later write: the reader stops at [DONE] and must drain the rest.
      answer = (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: one\n\ndata: [DONE]\n\n');
        setTimeout(() => res.end(': bye\n\n'), 20);
      };
      for (let call = 0; call < 3; call++) {
        const out: string[] = [];
        for await (const data of await client.post({ url, headers: {}, body: '{}', signal: new AbortController().signal })) out.push(data);
        expect(out).toEqual(['one']);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      expect(connections).toHaveLength(1);
    } finally {
      server.off('connection', count);
    }
  });

  it('closes the connection when the reader stops before [DONE]', async () => {
    let closed!: Promise<void>;
    answer = (res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: one\n\ndata: two\n\n');
    };
    for await (const data of await new EventStreamClient().post({ url, headers: {}, body: '{}', signal: new AbortController().signal })) {
      expect(data).toBe('one');
      break;
    }
    await closed;
  });

  it('fails when the connection drops in the middle of the body, after what came before it', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: one\n\n');
      setTimeout(() => res.destroy(), 20);
    };
    const out: string[] = [];
    const error = await (async () => {
      for await (const data of await new EventStreamClient().post({ url, headers: {}, body: '{}', signal: new AbortController().signal })) out.push(data);
    })().then(() => undefined, (caught: unknown) => caught);
    expect(out).toEqual(['one']);
    // Node's own error (another realm under Jest: instanceof Error does not hold).
    expect(error).toMatchObject({ message: expect.stringMatching(/aborted|closed before its end/) });
  });

  it('reads at most 64 KB of an error body', async () => {
    answer = (res) => res.writeHead(500).end('x'.repeat(300_000));
    const error = await failure();
    expect(error).toBeInstanceOf(EventStreamStatusError);
    expect((error?.error as string).length).toBe(64 * 1024);
  });
});
