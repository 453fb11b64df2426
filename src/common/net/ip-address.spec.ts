import { blockedAddressReason, isPublicAddress, parseIPv4, parseIPv6 } from './ip-address';

describe('parseIPv4', () => {
  it('parses dotted quads', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0n);
    expect(parseIPv4('127.0.0.1')).toBe(0x7f000001n);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffffn);
  });

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '010.0.0.1', '1.2.3.-4', '0x7f.0.0.1', '', ' 1.2.3.4', '1.2.3.4 '])('refuses %p', (text) => {
    expect(parseIPv4(text)).toBeNull();
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['1::', 1n << 112n],
    ['2001:db8::8:800:200c:417a', 0x20010db80000000000080800200c417an],
    ['2001:DB8:0:0:8:800:200C:417A', 0x20010db80000000000080800200c417an],
    ['::ffff:127.0.0.1', 0xffff7f000001n],
    ['::ffff:7f00:1', 0xffff7f000001n],
    ['fe80::1%eth0', 0xfe800000000000000000000000000001n],
  ])('parses %s', (text, value) => {
    expect(parseIPv6(text)).toBe(value);
  });

  it.each(['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', '::ffff:256.0.0.1', '1.2.3.4'])(
    'refuses %p',
    (text) => {
      expect(parseIPv6(text)).toBeNull();
    },
  );
});

describe('blockedAddressReason', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'a private address'],
    ['10.255.255.255', 'a private address'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['169.254.0.1', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.170.2', 'a cloud metadata address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['168.63.129.16', 'a cloud metadata address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['192.0.0.8', 'IETF protocol assignment'],
    ['192.0.2.10', 'a documentation address'],
    ['198.18.0.1', 'a benchmarking address'],
    ['198.51.100.7', 'a documentation address'],
    ['203.0.113.9', 'a documentation address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['240.0.0.1', 'a reserved address'],
    ['255.255.255.255', 'the broadcast address'],
    // IPv6
    ['::', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['0:0:0:0:0:0:0:1', 'a loopback address'],
    ['fc00::1', 'a private (unique local) address'],
    ['fd12:3456:789a::1', 'a private (unique local) address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['febf:ffff::1', 'a link-local address'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'a multicast address'],
    ['100::1', 'discard-only'],
    ['2001:db8::1', 'a documentation address'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['4000::1', 'a reserved address'],
    // IPv6 that embeds a refused IPv4 address
    ['::ffff:127.0.0.1', 'a loopback address (IPv4-mapped)'],
    ['::ffff:7f00:1', 'a loopback address (IPv4-mapped)'],
    ['0:0:0:0:0:ffff:a00:1', 'a private address (IPv4-mapped)'],
    ['::ffff:169.254.169.254', 'a cloud metadata address (IPv4-mapped)'],
    ['::ffff:192.168.0.1', 'a private address (IPv4-mapped)'],
    ['::ffff:0:10.0.0.1', 'a private address (IPv4-translated)'],
    ['64:ff9b::127.0.0.1', 'a loopback address (NAT64)'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address (NAT64)'],
    ['2002:7f00:1::1', 'a loopback address (6to4)'],
    ['2002:c0a8:101::', 'a private address (6to4)'],
    // not an address at all
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
    ['1.2.3.256', 'not an IP address'],
    ['::g', 'not an IP address'],
  ])('%s is refused: %s', (address, reason) => {
    expect(blockedAddressReason(address)).toContain(reason);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '1.1.1.1', '8.8.8.8', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255',
    '192.169.0.0', '169.253.255.255', '11.0.0.1', '223.255.255.255', '9.255.255.255',
    '2606:4700:4700::1111', '2a00:1450:4001:81b::200e', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:0808:0808',
    '64:ff9b::8.8.8.8', '2002:0808:0808::1', '2001:1::1', '3fff:ffff::1',
  ])('%s is public', (address) => {
    expect(blockedAddressReason(address)).toBeNull();
    expect(isPublicAddress(address)).toBe(true);
  });
});
