import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/**
 * A POST whose answer is a Server-Sent Events stream, over node:http(s), for the streamed model calls.
 *
 * Why not the vendor SDK here: its streaming path (fetch, web streams, its SSE and line decoders)
 * allocated about 10 KB per chunk; with 200 chat streams that was ~40% of everything the process
 * allocated and the main source of GC pauses in the time to first token. This reads the socket's
 * text and hands out each event's `data`, nothing more. Errors are shaped for toLlmError
 * (EVENT_STREAM_ERRORS).
 */

const MAX_ERROR_BODY = 64 * 1024;

/** An answer with an error status; `error` is the parsed JSON body's `error` (or the body itself). */
export class EventStreamStatusError extends Error {
  constructor(
    readonly status: number,
    readonly error: unknown,
  ) {
    super(`${status} ${messageOf(error) ?? 'status code (no body)'}`);
  }
}

/** The server could not be reached (refused, reset before the headers, DNS…). */
export class EventStreamConnectionError extends Error {
  constructor(cause: unknown) {
    super('Connection error.', { cause });
  }
}

/** An `event: error` the server sent inside the stream. */
export class EventStreamErrorEvent extends Error {}

/** For toLlmError: which of these errors means what (timeouts and aborts come from the CallDeadline). */
export const EVENT_STREAM_ERRORS = { APIError: EventStreamStatusError, APIConnectionError: EventStreamConnectionError };

export interface EventStreamRequest {
  url: URL;
  headers: OutgoingHttpHeaders;
  body: string;
  signal: AbortSignal;
  /** Called when the stream ends with `[DONE]` (OpenAI's end marker), not merely with the body's end. */
  onDone?: () => void;
}

/** One keep-alive connection pool per provider, like the SDK's client. */
export class EventStreamClient {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  /**
   * Sends the request; once the answer's headers say success, the data of each of its events, in
   * order, until `[DONE]` or the end of the answer. (A promise of the reader rather than a generator
   * delegating to it: one layer of promises less on every chunk.)
   */
  async post(request: EventStreamRequest): Promise<AsyncGenerator<string>> {
    const res = await this.send(request);
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
      throw new EventStreamStatusError(res.statusCode ?? 0, await errorBody(res));
    }
    return eventData(res, request.onDone);
  }

  private send({ url, headers, body, signal }: EventStreamRequest): Promise<IncomingMessage> {
    const secure = url.protocol === 'https:';
    const contentLength = Buffer.byteLength(body);
    let req!: ClientRequest;
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: secure ? this.https : this.http,
          signal,
          headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': contentLength },
        },
        resolve,
      );
      // After an abort the caller reports the deadline's reason, not the socket's.
      req.on('error', (error) => reject(signal.aborted ? error : new EventStreamConnectionError(error)));
    });
    // Sent outside the closures: the 'error' listener lives as long as the answer streams, and would
    // keep the whole prompt (kilobytes per stream) alive with it.
    req.end(body);
    return answered;
  }
}

/**
 * The `data` of each event of an SSE body (lines joined with \n), per the SSE format: `data:` fields,
 * events ended by a blank line, \n or \r\n line ends, comments and other fields ignored. `[DONE]` ends
 * the stream (OpenAI's convention); an `event: error` is thrown.
 *
 * The body is read through its events, not `for await`: leaving a for-await early destroys the stream,
 * and with it the keep-alive socket, so every answer (they stop at `[DONE]`, before the body's end)
 * cost a new connection to the provider. After `[DONE]` the rest of the body is drained instead, and
 * the socket goes back to the pool; a reader that stops for any other reason destroys the body.
 */
export async function* eventData(body: Readable, onDone?: () => void): AsyncGenerator<string> {
  const pieces = new PieceReader(body);
  let drain = false;
  try {
    let pending = '';
    let event = '';
    let data: string[] = [];
    let piece: string | null;
    while ((piece = pieces.take() ?? (await pieces.next())) !== null) {
      pending += piece;
      let start = 0;
      let newline: number;
      while ((newline = pending.indexOf('\n', start)) !== -1) {
        const end = newline > start && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        const line = pending.slice(start, end);
        start = newline + 1;
        if (line !== '') {
          if (line.startsWith('data:')) data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          continue;
        }
        if (data.length === 0) continue;
        const payload = data.length === 1 ? data[0] : data.join('\n');
        const name = event;
        data = [];
        event = '';
        if (payload === '[DONE]') {
          drain = true;
          onDone?.();
          return;
        }
        if (name === 'error') throw new EventStreamErrorEvent(messageOf(parseOrText(payload)) ?? payload);
        yield payload;
      }
      pending = pending.slice(start);
    }
  } finally {
    pieces.stop(drain);
  }
}

/** The text pieces of a readable body, taken one at a time, from its 'data', 'end', 'error' and 'close' events. */
class PieceReader {
  private readonly queue: string[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly body: Readable) {
    body.setEncoding('utf8');
    body.on('data', this.onData);
    body.on('end', this.onEnd);
    body.on('error', this.onError);
    body.on('close', this.onClose);
  }

  /** The next piece already here, if any (no promise when the reader is behind). */
  take(): string | undefined {
    if (this.queue.length > 0) return this.queue.shift();
    if (this.failure) throw this.failure;
    return undefined;
  }

  /** The next piece, or null at the end of the body. */
  async next(): Promise<string | null> {
    while (this.queue.length === 0 && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.take() ?? null;
  }

  /** Done reading: drain what is left (the socket can be reused) or destroy the body. */
  stop(drain: boolean): void {
    this.body.off('data', this.onData);
    this.body.off('end', this.onEnd);
    this.body.off('close', this.onClose);
    if (this.ended || this.failure) {
      this.body.off('error', this.onError);
      return;
    }
    // Keeps an 'error' listener while draining: an error event with none would crash the process.
    if (drain) this.body.resume();
    else this.body.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private readonly onData = (piece: string): void => {
    this.queue.push(piece);
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.notify();
  };

  private readonly onClose = (): void => {
    if (!this.ended) this.onError(new Error('the stream closed before its end'));
  };
}

async function errorBody(res: IncomingMessage): Promise<unknown> {
  let text = '';
  res.setEncoding('utf8');
  for await (const piece of res) {
    text += piece;
    if (text.length > MAX_ERROR_BODY) {
      res.destroy();
      break;
    }
  }
  const parsed = parseOrText(text.slice(0, MAX_ERROR_BODY));
  // OpenAI's shape is {error: {message, type, code}}; the SDK exposes the inner object the same way.
  return parsed && typeof parsed === 'object' && 'error' in parsed ? (parsed as { error: unknown }).error : parsed;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text || undefined;
  }
}

function messageOf(error: unknown): string | undefined {
  if (typeof error === 'string') return error || undefined;
  if (!error || typeof error !== 'object') return undefined;
  const { message, error: inner } = error as { message?: unknown; error?: unknown };
  if (typeof message === 'string' && message) return message;
  return inner === undefined ? undefined : messageOf(inner);
}
