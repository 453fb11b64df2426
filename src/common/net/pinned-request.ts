import { promises as dns } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkDestinationUrl, DestinationRefusedError, type DestinationOptions, type HostLookup } from './destination-guard';
import { blockedAddressReason } from './ip-address';

export interface PinnedPostOptions extends DestinationOptions {
  headers: Record<string, string>;
  body: string;
  /** The whole exchange: connect, send, response headers and the (capped) body. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is not read. */
  maxResponseBytes: number;
}

export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first maxResponseBytes of the body, as text. */
  body: string;
}

/**
 * A POST to a URL someone else chose (a webhook), safe against SSRF including DNS rebinding: the
 * address the socket connects to is the one that was checked, because the check runs inside the
 * socket's own DNS lookup (there is no second resolution to race). Redirects are never followed (node's
 * http client does not), and only the first `maxResponseBytes` of the answer are read.
 * Refused destinations reject with DestinationRefusedError; network failures and the timeout with Error.
 */
export function pinnedPost(rawUrl: string, options: PinnedPostOptions): Promise<PinnedResponse> {
  let url: URL;
  try {
    url = checkDestinationUrl(rawUrl, options);
  } catch (error) {
    return Promise.reject(error);
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PinnedResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, response?: PinnedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = send(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup: options.allowPrivate ? undefined : checkedLookup(options.lookup ?? systemLookup),
      agent: false,
    });
    const timer = setTimeout(() => {
      finish(new Error(`timeout after ${options.timeoutMs} ms`));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error) => finish(error instanceof DestinationRefusedError ? error : new Error(networkMessage(error))));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - size;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += chunk.length;
        if (size >= options.maxResponseBytes) done();
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
    }, fail);
  };
}

function networkMessage(error: Error & { code?: string }): string {
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'could not resolve the host';
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET') return 'connection reset by the receiver';
  return error.message ? error.message.slice(0, 200) : 'network error';
}
