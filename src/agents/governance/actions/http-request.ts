import { checkDestinationUrl, type HostLookup } from '../../../common/net/destination-guard';
import { pinnedRequest, PinnedRequestError } from '../../../common/net/pinned-request';
import type { IncomingHttpHeaders } from 'node:http';
import type { ActionDefinition } from '../actions';
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

function safeHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of SAFE_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

function describeFailure(error: PinnedRequestError, host: string, timeoutMs: number): Error {
  if (error.code === 'aborted') return new Error(`http_request to ${host} was cancelled`);
  if (error.code === 'timeout') return new Error(`http_request to ${host} timed out after ${timeoutMs} ms`);
  return new Error(`http_request to ${host} failed: ${error.message}`);
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

      if (ctx.signal?.aborted) throw new Error(`http_request to ${url.host} was cancelled`);
      try {
        // The destination is checked inside the connection's own DNS lookup, on every call: a name that
        // resolved to a public address may not any more, and there is no second resolution to race.
        const response = await pinnedRequest(url.href, {
          method,
          headers: Object.fromEntries(headers.entries()),
          body,
          timeoutMs,
          maxResponseBytes: maxBytes,
          allowPrivate: options.allowPrivate,
          requireHttps: options.requireHttps,
          lookup: options.lookup,
          signal: ctx.signal,
        });
        return { status: response.status, headers: safeHeaders(response.headers), body: new TextDecoder().decode(response.body), truncated: response.truncated };
      } catch (error) {
        if (error instanceof PinnedRequestError) throw describeFailure(error, url.host, timeoutMs);
        throw error;
      }
    },
  };
}
