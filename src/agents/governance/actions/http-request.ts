import {
  assertPublicDestination,
  checkDestinationUrl,
  DestinationRefusedError,
  type HostLookup,
} from '../../../common/net/destination-guard';
import type { ActionContext, ActionDefinition } from '../actions';
import type { Complexity } from '../complexity';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpRequestArgs {
  url: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: string | Record<string, unknown> | unknown[];
}

export interface HttpRequestOptions {
  /** As for webhooks (WEBHOOK_ALLOW_PRIVATE): development and tests only. */
  allowPrivate: boolean;
  requireHttps: boolean;
  lookup?: HostLookup;
  timeoutMs?: number;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

export interface HttpResponseResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

export interface SimulatedHttpRequest {
  simulated: true;
  method: HttpMethod;
  url: string;
  header_names: string[];
  body_bytes: number;
}

export const HTTP_REQUEST_TIMEOUT_MS = 10_000;
export const HTTP_RESPONSE_MAX_BYTES = 64 * 1024;
const MAX_REQUEST_BODY_BYTES = 256 * 1024;
const MAX_HEADERS = 50;

// Headers the client or the connection owns; letting a model set them invites request smuggling or
// reaching a different virtual host than the one the destination check saw.
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'keep-alive',
  'expect', 'proxy-authorization', 'proxy-connection', 'proxy-authenticate',
]);

// What a model may see of a response: enough to act on, nothing that carries a session (set-cookie).
const SAFE_RESPONSE_HEADERS = [
  'content-type', 'content-length', 'content-language', 'content-encoding', 'cache-control', 'etag',
  'last-modified', 'expires', 'date', 'age', 'location', 'retry-after', 'link',
];

/** GET is read-only (1); anything else, or anything unreadable, may change state (3). */
export function httpRequestComplexity(args: Partial<Record<keyof HttpRequestArgs, unknown>> | undefined): Complexity {
  const method = args?.method;
  return method === undefined || method === 'GET' ? 1 : 3;
}

function requestHeaders(raw: Record<string, unknown> | undefined): Headers {
  const entries = Object.entries(raw ?? {});
  if (entries.length > MAX_HEADERS) throw new Error(`http_request: at most ${MAX_HEADERS} headers`);
  const headers = new Headers();
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw new Error(`http_request: header "${name.slice(0, 64)}" must be a string`);
    if (FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase())) throw new Error(`http_request: header "${name}" may not be set`);
    try {
      headers.append(name, value);
    } catch {
      throw new Error(`http_request: header "${name.slice(0, 64)}" is not a valid HTTP header`);
    }
  }
  return headers;
}

function requestBody(method: HttpMethod, body: HttpRequestArgs['body'], headers: Headers): string | undefined {
  if (body === undefined) return undefined;
  if (method === 'GET') throw new Error('http_request: a GET request cannot have a body');
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    text = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  if (Buffer.byteLength(text) > MAX_REQUEST_BODY_BYTES) throw new Error(`http_request: the body may not exceed ${MAX_REQUEST_BODY_BYTES} bytes`);
  return text;
}

/** Reads at most `limit` bytes, then stops the download: a huge (or endless) body costs no more than the cap. */
async function readCapped(response: Response, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (!response.body) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}

function safeHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of SAFE_RESPONSE_HEADERS) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}

/** The promise, or a rejection as soon as the signal aborts (the work itself cannot be cancelled: dns.lookup). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

function describeFailure(error: unknown, host: string, timeoutMs: number, ctx: ActionContext, timeout: AbortSignal): Error {
  if (ctx.signal?.aborted) return new Error(`http_request to ${host} was cancelled`);
  if (timeout.aborted) return new Error(`http_request to ${host} timed out after ${timeoutMs} ms`);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
  return new Error(`http_request to ${host} failed: ${detail}`);
}

/**
 * One HTTP request to a public destination (see common/net/destination-guard.ts). Redirects are not
 * followed (the 3xx and its `location` come back, so a redirect cannot lead past the destination check),
 * the whole exchange (DNS included) has a timeout, and the response body is read up to a cap. A simulated
 * run (an exam) sends nothing but a GET: it checks what it can without the network and says what it
 * would send.
 */
export function httpRequestAction(options: HttpRequestOptions): ActionDefinition<HttpRequestArgs> {
  const timeoutMs = options.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? HTTP_RESPONSE_MAX_BYTES;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  return {
    name: 'http_request',
    description:
      'Make an HTTP request to a public URL. GET is read-only; POST, PUT, PATCH and DELETE may change things ' +
      `elsewhere. Redirects are not followed; the response body is cut at ${maxBytes} bytes.`,
    parameters: {
      type: 'object',
      properties: {
        url: { type: 'string', description: 'An absolute http(s) URL.', minLength: 1, maxLength: 4096 },
        method: { type: 'string', enum: [...HTTP_METHODS], description: 'Default GET.' },
        headers: { type: 'object', description: 'Request headers: names to string values.' },
        body: { type: ['string', 'object', 'array'], description: 'Request body; an object or array is sent as JSON. Not for GET.' },
      },
      required: ['url'],
    },
    complexity: httpRequestComplexity,
    async run(args, ctx): Promise<HttpResponseResult | SimulatedHttpRequest> {
      const method: HttpMethod = args.method ?? 'GET';
      const url = checkDestinationUrl(args.url, options);
      const headers = requestHeaders(args.headers);
      const body = requestBody(method, args.body, headers);

      if (ctx.simulate && method !== 'GET') {
        // Simulated: no network at all, DNS included; the checks above are the ones that need none.
        return { simulated: true, method, url: url.href, header_names: [...headers.keys()], body_bytes: body ? Buffer.byteLength(body) : 0 };
      }

      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
      try {
        // Right before connecting, every time: a name that resolved to a public address may not any more.
        // Inside the timeout: a resolver that never answers must not hold the execution.
        await abortable(assertPublicDestination(url.href, options), signal);
        const response = await doFetch(url, { method, headers, body, redirect: 'manual', signal });
        const { bytes, truncated } = await readCapped(response, maxBytes);
        return { status: response.status, headers: safeHeaders(response.headers), body: new TextDecoder().decode(bytes), truncated };
      } catch (error) {
        if (error instanceof DestinationRefusedError) throw error;
        throw describeFailure(error, url.host, timeoutMs, ctx, timeout);
      }
    },
  };
}
