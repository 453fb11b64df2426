import { promises as dns } from 'node:dns';
import { blockedAddressReason, parseIPv4, parseIPv6 } from './ip-address';

/*
 * Where this service may send a request on someone else's behalf (webhooks, an agent's http_request).
 * Without this, a URL is a way into the private network the service runs in (SSRF): its database, its
 * cloud metadata endpoint and the credentials behind it.
 *
 * DNS rebinding: a name can resolve to a public address when it is checked and to 127.0.0.1 a second
 * later. So the check is not a property of a stored URL: assertPublicDestination runs when a URL is
 * accepted (so a user hears about a bad one at once), and every connection goes through
 * pinned-request.ts, whose check runs inside the socket's own DNS lookup: the address checked is the
 * address connected to, on every attempt. Redirects are a second way around the check: callers must
 * not follow them (pinnedRequest never does).
 */

export type DestinationRefusal =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'https_required'
  | 'credentials_in_url'
  | 'invalid_port'
  | 'local_hostname'
  | 'blocked_address'
  | 'unresolvable';

/** The URL may not be used. The message says why, naming at most the host: never the path, query or userinfo. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';

  constructor(
    readonly reason: DestinationRefusal,
    message: string,
  ) {
    super(`Destination refused: ${message}`);
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** `dns.promises.lookup(host, {all: true})`, injectable so tests need no network. */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface DestinationOptions {
  /** Development and tests (WEBHOOK_ALLOW_PRIVATE): private addresses, localhost and plain http are allowed. */
  allowPrivate: boolean;
  /** Production: only https (ignored when allowPrivate). */
  requireHttps: boolean;
  lookup?: HostLookup;
}

export interface CheckedDestination {
  url: URL;
  /** Every address the host resolved to, all of them checked. */
  addresses: string[];
}

const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true });

/** The host as a bare name or address: no IPv6 brackets, no trailing dot. */
function bareHost(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function isIpLiteral(host: string): boolean {
  return parseIPv4(host) !== null || (host.includes(':') && parseIPv6(host) !== null);
}

/**
 * The checks that need no network: a parseable http(s) URL, https when required, no credentials, not a
 * localhost name, not a refused IP literal. assertPublicDestination runs these first; a caller that must
 * not touch the network at all (a simulated request) can run them alone.
 */
export function checkDestinationUrl(raw: string, options: Omit<DestinationOptions, 'lookup'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefusedError('invalid_url', 'not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DestinationRefusedError('unsupported_scheme', `only http and https URLs are allowed, not ${url.protocol.slice(0, 16)}`);
  }
  if (options.requireHttps && !options.allowPrivate && url.protocol !== 'https:') {
    throw new DestinationRefusedError('https_required', 'the URL must use https');
  }
  if (url.username !== '' || url.password !== '') {
    // Userinfo would be sent as credentials and stored with the URL; refuse it rather than echo it anywhere.
    throw new DestinationRefusedError('credentials_in_url', 'the URL must not contain credentials (user:password@)');
  }
  // The URL parser accepts port 0 (and limits ports to 0-65535), but nothing listens there: a connection can only fail.
  if (url.port !== '' && Number(url.port) === 0) throw new DestinationRefusedError('invalid_port', 'port 0 is not a port one can connect to');
  const host = bareHost(url);
  if (host === '') throw new DestinationRefusedError('invalid_url', 'the URL has no host');
  if (!options.allowPrivate) {
    if (host === 'localhost' || host.endsWith('.localhost')) {
      throw new DestinationRefusedError('local_hostname', `host "${host}" is a local name`);
    }
    if (isIpLiteral(host)) {
      const reason = blockedAddressReason(host);
      if (reason) throw new DestinationRefusedError('blocked_address', `host ${host} is ${reason}`);
    }
  }
  return url;
}

/**
 * Resolves the URL's host and refuses it when ANY of its addresses is not public (one private answer
 * among public ones is how a rebinding attack hides), unless allowPrivate. Call it before every
 * connection attempt (see the comment at the top of this file).
 */
export async function assertPublicDestination(raw: string, options: DestinationOptions): Promise<CheckedDestination> {
  const url = checkDestinationUrl(raw, options);
  const host = bareHost(url);
  if (isIpLiteral(host)) return { url, addresses: [host] };

  let resolved: ResolvedAddress[];
  try {
    resolved = await (options.lookup ?? systemLookup)(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new DestinationRefusedError('unresolvable', `host "${host}" could not be resolved${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  const addresses = [...new Set(resolved.map((entry) => entry.address))];
  if (addresses.length === 0) throw new DestinationRefusedError('unresolvable', `host "${host}" resolved to no address`);
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) throw new DestinationRefusedError('blocked_address', `host "${host}" resolves to ${reason} (${address})`);
    }
  }
  return { url, addresses };
}
