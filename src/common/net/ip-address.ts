// Which IP addresses an outbound request from this service must never reach (SSRF): loopback, private
// networks, link-local, cloud metadata endpoints and everything else that is not a public unicast
// address. A small CIDR matcher of our own rather than net.BlockList, so each refusal can say why and
// IPv6 addresses that embed an IPv4 one (mapped, NAT64, 6to4) are judged by the address they reach.

interface Rule {
  version: 4 | 6;
  network: bigint;
  prefix: number;
  reason: string;
  /** For IPv6 ranges that carry an IPv4 address: where it sits (bit offset of its lowest bit). */
  embedsIPv4At?: number;
}

export function parseIPv4(text: string): bigint | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  // Leading zeros are refused: some parsers read them as octal, so "010.0.0.1" is ambiguous.
  if (octets.some((octet, i) => octet > 255 || (match[i + 1].length > 1 && match[i + 1].startsWith('0')))) return null;
  return octets.reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

export function parseIPv6(text: string): bigint | null {
  let rest = text.includes('%') ? text.slice(0, text.indexOf('%')) : text; // zone id: not part of the address
  const lastColon = rest.lastIndexOf(':');
  if (lastColon < 0) return null;
  const tail = rest.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === null) return null;
    rest = `${rest.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const back = halves.length === 2 ? groupsOf(halves[1]) : [];
  const missing = 8 - head.length - back.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...back];
  if (!groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function rule(cidr: string, reason: string, embedsIPv4At?: number): Rule {
  const [address, prefixText] = cidr.split('/');
  const version = address.includes(':') ? 6 : 4;
  const network = version === 4 ? parseIPv4(address) : parseIPv6(address);
  const prefix = Number(prefixText);
  if (network === null || !Number.isInteger(prefix)) throw new Error(`Bad CIDR in the rule table: ${cidr}`);
  return { version, network, prefix, reason, embedsIPv4At };
}

const CLOUD_METADATA = 'a cloud metadata address';

// First match wins, so exact addresses come before the ranges that contain them.
const IPV4_RULES: Rule[] = [
  rule('169.254.169.254/32', CLOUD_METADATA), // AWS, GCP, Azure, OpenStack, DigitalOcean…
  rule('169.254.170.2/32', CLOUD_METADATA), // AWS ECS task credentials
  rule('100.100.100.200/32', CLOUD_METADATA), // Alibaba Cloud
  rule('168.63.129.16/32', CLOUD_METADATA), // Azure WireServer: a public address that only the VM's host answers
  rule('0.0.0.0/8', 'an unspecified ("this network") address'),
  rule('10.0.0.0/8', 'a private address'),
  rule('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
  rule('127.0.0.0/8', 'a loopback address'),
  rule('169.254.0.0/16', 'a link-local address'),
  rule('172.16.0.0/12', 'a private address'),
  rule('192.0.0.0/24', 'an IETF protocol assignment address'),
  rule('192.0.2.0/24', 'a documentation address'),
  rule('192.88.99.0/24', 'a 6to4 relay anycast address'),
  rule('192.168.0.0/16', 'a private address'),
  rule('198.18.0.0/15', 'a benchmarking address'),
  rule('198.51.100.0/24', 'a documentation address'),
  rule('203.0.113.0/24', 'a documentation address'),
  rule('224.0.0.0/4', 'a multicast address'),
  rule('255.255.255.255/32', 'the broadcast address'),
  rule('240.0.0.0/4', 'a reserved address'),
];

const IPV6_RULES: Rule[] = [
  rule('::/128', 'an unspecified address'),
  rule('::1/128', 'a loopback address'),
  rule('fd00:ec2::254/128', CLOUD_METADATA), // AWS IMDS over IPv6
  rule('::ffff:0:0/96', 'IPv4-mapped', 0),
  rule('::ffff:0:0:0/96', 'IPv4-translated', 0),
  rule('64:ff9b::/96', 'NAT64', 0),
  rule('64:ff9b:1::/48', 'a local-use NAT64 address'),
  rule('::/96', 'an IPv4-compatible (deprecated) address'),
  rule('100::/64', 'a discard-only address'),
  rule('2001::/32', 'a Teredo tunnel address'),
  rule('2001:2::/48', 'a benchmarking address'),
  rule('2001:db8::/32', 'a documentation address'),
  rule('2002::/16', '6to4', 80),
  rule('fc00::/7', 'a private (unique local) address'),
  rule('fe80::/10', 'a link-local address'),
  rule('fec0::/10', 'a site-local (deprecated) address'),
  rule('ff00::/8', 'a multicast address'),
];

/** Only 2000::/3 is allocated for global unicast; anything else left after the rules above is reserved. */
const IPV6_GLOBAL_UNICAST = rule('2000::/3', 'global unicast');

function matches(rule: Rule, address: bigint): boolean {
  const shift = BigInt((rule.version === 4 ? 32 : 128) - rule.prefix);
  return address >> shift === rule.network >> shift;
}

function ipv4Reason(address: bigint): string | null {
  return IPV4_RULES.find((candidate) => matches(candidate, address))?.reason ?? null;
}

function ipv6Reason(address: bigint): string | null {
  const found = IPV6_RULES.find((candidate) => matches(candidate, address));
  if (found?.embedsIPv4At !== undefined) {
    const embedded = ipv4Reason((address >> BigInt(found.embedsIPv4At)) & 0xffffffffn);
    return embedded === null ? null : `${embedded} (${found.reason})`;
  }
  if (found) return found.reason;
  return matches(IPV6_GLOBAL_UNICAST, address) ? null : 'a reserved address';
}

/**
 * Why an outbound connection to this address must be refused, or null for a public unicast address.
 * Anything that is not a well-formed IPv4 or IPv6 address is refused (fail closed).
 */
export function blockedAddressReason(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) return ipv4Reason(v4);
  const v6 = address.includes(':') ? parseIPv6(address) : null;
  if (v6 !== null) return ipv6Reason(v6);
  return 'not an IP address';
}

export function isPublicAddress(address: string): boolean {
  return blockedAddressReason(address) === null;
}
