import { promises as dns } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkDestinationUrl, DestinationRefusedError, type DestinationOptions, type HostLookup } from './destination-guard';
import { blockedAddressReason } from './ip-address';

export interface PinnedRequestOptions extends DestinationOptions {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange: DNS, connect, send, response headers and the (capped) body. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is not read. */
  maxResponseBytes: number;
  /** The caller gave up (an execution cancelled). */
  signal?: AbortSignal;
}

export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first maxResponseBytes of the body. */
  body: Buffer;
  /** The body was longer than maxResponseBytes. */
  truncated: boolean;
}

/** Why an exchange ended without a response: `code` is `timeout`, `aborted`, or the socket's code (ECONNREFUSED…). */
export class PinnedRequestError extends Error {
  override readonly name = 'PinnedRequestError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request to a URL someone else chose (a webhook, an agent's http_request), safe against SSRF
 * including DNS rebinding: the address the socket connects to is the one that was checked, because the
 * check runs inside the socket's own DNS lookup (there is no second resolution to race). Redirects are
 * never followed (node's http client does not), and only the first `maxResponseBytes` of the answer are
 * read. Refused destinations reject with DestinationRefusedError, everything else with PinnedRequestError.
 */
export function pinnedRequest(rawUrl: string, options: PinnedRequestOptions): Promise<PinnedResponse> {
  let url: URL;
  try {
    url = checkDestinationUrl(rawUrl, options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (options.signal?.aborted) return Promise.reject(new PinnedRequestError('aborted', 'the request was cancelled'));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PinnedResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, response?: PinnedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(response!);
      req.destroy();
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = send(url, {
      method: options.method,
      headers,
      lookup: options.allowPrivate ? undefined : checkedLookup(options.lookup ?? systemLookup),
      agent: false,
    });
    const timer = setTimeout(() => finish(new PinnedRequestError('timeout', `timeout after ${options.timeoutMs} ms`)), options.timeoutMs);
    const onAbort = () => finish(new PinnedRequestError('aborted', 'the request was cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: Error & { code?: string }) =>
      finish(error instanceof DestinationRefusedError ? error : new PinnedRequestError(error.code ?? 'network', networkMessage(error))),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const kept = Math.min(size, options.maxResponseBytes);
        finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, kept), truncated: size > options.maxResponseBytes });
      };
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - Math.min(size, options.maxResponseBytes);
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += chunk.length;
        if (size > options.maxResponseBytes) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(options.body);
  });
}

const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true });

/** The socket's DNS lookup, refusing the connection when any address of the answer is not public. */
function checkedLookup(resolve: HostLookup): LookupFunction {
  return (hostname, options, callback) => {
    const fail = (error: Error) => callback(error as NodeJS.ErrnoException, '', 0);
    resolve(hostname).then((addresses) => {
      for (const entry of addresses) {
        const reason = blockedAddressReason(entry.address);
        if (reason) return fail(new DestinationRefusedError('blocked_address', `host "${hostname}" resolves to ${reason} (${entry.address})`));
      }
      const usable = addresses.filter((entry) => !options.family || entry.family === options.family);
      if (usable.length === 0) return fail(new DestinationRefusedError('unresolvable', `host "${hostname}" resolved to no address`));
      if (options.all) return (callback as unknown as (error: null, all: typeof usable) => void)(null, usable);
      return callback(null, usable[0].address, usable[0].family);
    }, (error: Error & { code?: string }) =>
      fail(new DestinationRefusedError('unresolvable', `host "${hostname}" could not be resolved${error.code ? ` (${error.code})` : ''}`)));
  };
}

function networkMessage(error: Error & { code?: string }): string {
  if (error.code) return error.code;
  return error.message ? error.message.slice(0, 200) : 'network error';
}
