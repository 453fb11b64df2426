import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { HEARTBEAT_MS, SseStream } from './sse';

class FakeResponse extends EventEmitter {
  written: string[] = [];
  flushed: string[] = [];
  headers: Record<string, string> = {};
  status = 0;
  writableEnded = false;
  destroyed = false;
  private corks = 0;

  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  flushHeaders() {}
  cork() {
    this.corks += 1;
  }
  uncork() {
    this.corks -= 1;
    if (this.corks === 0) this.flushed.push(this.written.splice(0).join(''));
  }
  write(chunk: string) {
    if (this.corks > 0) this.written.push(chunk);
    else this.flushed.push(chunk);
    return true;
  }
  end() {
    this.writableEnded = true;
    this.emit('close');
  }
}

const req = { socket: { setNoDelay: () => undefined, destroyed: false } } as unknown as Request;

describe('SseStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the SSE headers, a comment heartbeat every 15 s, and stops at the close', () => {
    const res = new FakeResponse();
    const stream = new SseStream(req, res as unknown as Response);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    jest.advanceTimersByTime(HEARTBEAT_MS);
    jest.runOnlyPendingTimers();
    expect(res.flushed.join('')).toContain(': heartbeat\n\n');
    const closed = jest.fn();
    stream.onClose(closed);
    res.emit('close');
    expect(closed).toHaveBeenCalledTimes(1);
    jest.runOnlyPendingTimers(); // a flush already scheduled before the close
    const before = res.flushed.length;
    jest.advanceTimersByTime(HEARTBEAT_MS * 3);
    stream.write('id: x\n\n');
    expect(res.flushed.length).toBe(before);
  });

  it('sends the frames written in one turn of the event loop in one write', () => {
    const res = new FakeResponse();
    const stream = new SseStream(req, res as unknown as Response);
    stream.write('a\n\n');
    stream.write('b\n\n');
    expect(res.flushed).toEqual([]);
    jest.runAllTicks();
    expect(res.flushed).toEqual(['a\n\nb\n\n']);
  });

  it('also batches frames written by a chain of promise jobs, and flushes before any timer or I/O callback', async () => {
    jest.useRealTimers();
    const res = new FakeResponse();
    const stream = new SseStream(req, res as unknown as Response, 60_000);
    const immediate = new Promise<string[]>((resolve) => setImmediate(() => resolve([...res.flushed])));
    stream.write('a\n\n');
    await Promise.resolve();
    stream.write('b\n\n');
    await Promise.resolve();
    stream.write('c\n\n');
    expect(res.flushed).toEqual([]);
    expect(await immediate).toEqual(['a\n\nb\n\nc\n\n']);
    stream.end();
  });

  it('calls onClose at once for a response already gone', () => {
    const res = new FakeResponse();
    res.destroyed = true;
    const stream = new SseStream(req, res as unknown as Response);
    const closed = jest.fn();
    stream.onClose(closed);
    expect(closed).toHaveBeenCalled();
    expect(stream.isClosed).toBe(true);
  });
});

describe('SseStream on a real socket', () => {
  it('sends the headers in the same socket write as the frames of the first tick', async () => {
    const socketWrites: string[] = [];
    let emptyChunks = 0;
    const server = createServer((request, response) => {
      // Every write that reaches the socket, whole (a writev of several buffers counts once).
      const socket = request.socket as unknown as { _writeGeneric(writev: boolean, data: unknown, ...rest: unknown[]): void };
      const writeGeneric = socket._writeGeneric.bind(socket);
      socket._writeGeneric = (writev, data, ...rest) => {
        const chunks = writev ? (data as Array<{ chunk: Buffer | string }>).map((entry) => entry.chunk) : [data as Buffer | string];
        socketWrites.push(chunks.map((chunk) => chunk.toString()).join(''));
        emptyChunks += chunks.filter((chunk) => chunk.length === 0).length;
        writeGeneric(writev, data, ...rest);
      };
      const stream = new SseStream(request as Request, response as unknown as Response, 60_000);
      stream.write('event: session\ndata: {}\n\n');
      setTimeout(() => stream.write('event: delta\ndata: {}\n\n'), 5);
      setTimeout(() => stream.end(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (piece: string) => (text += piece));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('event: session\ndata: {}\n\nevent: delta\ndata: {}\n\n');
      // Later flushes write their frames only (no empty write to push headers already sent).
      expect(emptyChunks).toBe(0);
      expect(socketWrites[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: text\/event-stream[\s\S]*\r\n\r\n[\s\S]*event: session/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the headers alone when the first tick writes no frame (a resume with nothing new yet)', async () => {
    let stream: SseStream | undefined;
    const server = createServer((request, response) => {
      stream = new SseStream(request as Request, response as unknown as Response, 60_000);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (res) => resolve(res.statusCode)).on('error', reject);
      });
      expect(status).toBe(200);
      stream?.end();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
