import type { Request, Response } from 'express';

/** A comment line every 15 s keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;

/**
 * One Server-Sent Events response on Express: headers written by hand (no envelope, no buffering),
 * each frame written as it comes, a comment heartbeat, and `onClose` when the client goes away.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private corked = false;
  /** The headers are on their way: the first frame carries them (res.write prepends them). */
  private headersOut = false;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    req: Request,
    private readonly res: Response,
    heartbeatMs = HEARTBEAT_MS,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx buffers proxied responses unless told not to: a stream would arrive in one piece at the end.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    req.socket.setNoDelay(true);
    // The headers leave with the first frames, which are written in this same tick (the `session` event,
    // a replay, a stored result): one socket write instead of two. The flush sends them alone otherwise.
    this.batch();
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    // The response's 'close' (not the request's: on Node 16+ that fires once the request body has been
    // read) tells that the connection went away, or that we ended it.
    res.on('close', () => this.onClosed());
    // The client may have gone while the turn was being prepared: then 'close' has already fired.
    if (res.destroyed || req.socket.destroyed) this.onClosed();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Frames written by the same piece of work go out in one socket write: a syscall per delta is most
   * of what a stream costs, and under load the provider's chunks arrive several at a time. The flush
   * is a nextTick, not a setImmediate: it still runs after every chunk of the provider's read has been
   * handled (they resolve as one chain of promise jobs), but before the event loop turns to other
   * sockets, which under load added up to 5 ms (p99) to each stream's first token.
   */
  write(frame: string): void {
    if (this.closed || this.res.writableEnded) return;
    this.batch();
    this.headersOut = true;
    this.res.write(frame);
  }

  /** Holds this tick's writes back until the flush (once per tick). */
  private batch(): void {
    if (this.corked) return;
    this.corked = true;
    this.res.cork();
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.corked = false;
    if (this.res.writableEnded) return;
    if (!this.headersOut) {
      // No frame has taken the headers along: they go alone.
      this.headersOut = true;
      this.res.flushHeaders();
    }
    this.res.uncork();
  };

  end(): void {
    if (this.res.writableEnded) return;
    this.res.end();
    this.onClosed();
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}
