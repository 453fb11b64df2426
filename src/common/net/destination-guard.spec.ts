import { assertPublicDestination, checkDestinationUrl, DestinationRefusedError, type HostLookup, type ResolvedAddress } from './destination-guard';

const strict = { allowPrivate: false, requireHttps: true };
const lenient = { allowPrivate: true, requireHttps: true };

/** A resolver that answers from a table and records every name asked. */
function fakeDns(table: Record<string, string[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

async function refusal(promise: Promise<unknown>): Promise<DestinationRefusedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DestinationRefusedError);
    return error as DestinationRefusedError;
  }
  throw new Error('expected a refusal');
}

const dns = fakeDns({
  'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'internal.example.com': ['10.0.0.5'],
  'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  'mixed6.example.com': ['2606:4700::1', '::1'],
  'mapped.example.com': ['::ffff:169.254.169.254'],
  'metadata.example.com': ['169.254.169.254'],
  'ec2meta.example.com': ['fd00:ec2::254'],
  'cgnat.example.com': ['100.64.1.1'],
  'dup.example.com': ['93.184.216.34', '93.184.216.34'],
  'empty.example.com': [],
});

describe('assertPublicDestination', () => {
  it('accepts a public https URL and returns every address it resolved to', async () => {
    const checked = await assertPublicDestination('https://example.com/hooks?x=1', { ...strict, lookup: dns });
    expect(checked.url.href).toBe('https://example.com/hooks?x=1');
    expect(checked.addresses).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
  });

  it('de-duplicates addresses', async () => {
    expect((await assertPublicDestination('https://dup.example.com', { ...strict, lookup: dns })).addresses).toEqual(['93.184.216.34']);
  });

  it.each([
    ['https://internal.example.com/', 'a private address (10.0.0.5)'],
    ['https://mixed.example.com/', 'a loopback address (127.0.0.1)'],
    ['https://mixed6.example.com/', 'a loopback address (::1)'],
    ['https://mapped.example.com/', 'a cloud metadata address (IPv4-mapped)'],
    ['https://metadata.example.com/', 'a cloud metadata address'],
    ['https://ec2meta.example.com/', 'a cloud metadata address'],
    ['https://cgnat.example.com/', 'carrier-grade NAT'],
  ])('refuses %s when ANY address is not public (%s)', async (url, why) => {
    const error = await refusal(assertPublicDestination(url, { ...strict, lookup: dns }));
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain(why);
  });

  it.each([
    'https://127.0.0.1/',
    'https://127.1/',
    'https://0x7f.0.0.1/',
    'https://2130706433/',
    'https://0.0.0.0/',
    'https://10.1.2.3/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[fd00:ec2::254]/',
    'https://[fe80::1]/',
    'https://[::]/',
  ])('refuses the IP literal %s without a lookup', async (url) => {
    const before = dns.asked.length;
    const error = await refusal(assertPublicDestination(url, { ...strict, lookup: dns }));
    expect(error.reason).toBe('blocked_address');
    expect(dns.asked.length).toBe(before);
  });

  it('accepts a public IP literal without a lookup', async () => {
    const lookup = jest.fn();
    await expect(assertPublicDestination('https://8.8.8.8/dns', { ...strict, lookup })).resolves.toMatchObject({ addresses: ['8.8.8.8'] });
    await expect(assertPublicDestination('https://[2606:4700:4700::1111]/', { ...strict, lookup })).resolves.toMatchObject({ addresses: ['2606:4700:4700::1111'] });
    expect(lookup).not.toHaveBeenCalled();
  });

  it.each(['http://localhost:3000/', 'https://LOCALHOST/', 'https://localhost./', 'https://api.localhost/', 'https://a.b.localhost/'])(
    'refuses the local name %s before any lookup',
    async (url) => {
      const lookup = jest.fn();
      const error = await refusal(assertPublicDestination(url, { allowPrivate: false, requireHttps: false, lookup }));
      expect(error.reason).toBe('local_hostname');
      expect(lookup).not.toHaveBeenCalled();
    },
  );

  it('does not mistake a name that merely contains localhost', async () => {
    const lookup = fakeDns({ 'localhost.example.com': ['93.184.216.34'], 'mylocalhost.com': ['93.184.216.34'] });
    await expect(assertPublicDestination('https://localhost.example.com/', { ...strict, lookup })).resolves.toBeDefined();
    await expect(assertPublicDestination('https://mylocalhost.com/', { ...strict, lookup })).resolves.toBeDefined();
  });

  it.each([
    ['not a url', 'invalid_url'],
    ['/relative/path', 'invalid_url'],
    ['ftp://example.com/file', 'unsupported_scheme'],
    ['file:///etc/passwd', 'unsupported_scheme'],
    ['gopher://example.com/', 'unsupported_scheme'],
    ['javascript:alert(1)', 'unsupported_scheme'],
    ['http://example.com/', 'https_required'],
    ['https://1.1.1.1:0/', 'invalid_port'],
    ['https://example.com:0/hook', 'invalid_port'],
    ['https://example.com:000/', 'invalid_port'],
    ['https://example.com:65536/', 'invalid_url'],
  ])('refuses %s (%s)', async (url, reason) => {
    expect((await refusal(assertPublicDestination(url, { ...strict, lookup: dns }))).reason).toBe(reason);
  });

  it('accepts any port from 1 to 65535', async () => {
    for (const port of ['1', '443', '8443', '65535']) {
      await expect(assertPublicDestination(`https://1.1.1.1:${port}/`, { ...strict, lookup: dns })).resolves.toBeDefined();
    }
  });

  it('accepts plain http when https is not required', async () => {
    await expect(assertPublicDestination('http://example.com/', { allowPrivate: false, requireHttps: false, lookup: dns })).resolves.toBeDefined();
  });

  it('refuses credentials in the URL without repeating them', async () => {
    for (const url of ['https://user:hunter2@example.com/', 'https://token@example.com/', 'https://:hunter2@example.com/']) {
      const error = await refusal(assertPublicDestination(url, { ...lenient, lookup: dns }));
      expect(error.reason).toBe('credentials_in_url');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('token');
    }
  });

  it('never repeats the path or query (they may carry tokens)', async () => {
    const error = await refusal(assertPublicDestination('https://internal.example.com/hook?secret=s3cr3t', { ...strict, lookup: dns }));
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).toContain('internal.example.com');
  });

  it('refuses a host that does not resolve, or resolves to nothing', async () => {
    const unknown = await refusal(assertPublicDestination('https://nowhere.invalid/', { ...strict, lookup: dns }));
    expect(unknown.reason).toBe('unresolvable');
    expect(unknown.message).toContain('ENOTFOUND');
    expect((await refusal(assertPublicDestination('https://empty.example.com/', { ...strict, lookup: dns }))).reason).toBe('unresolvable');
  });

  it('checks again on every call: a name that rebinds to a private address is refused the second time', async () => {
    let answer = '93.184.216.34';
    const lookup: HostLookup = async () => [{ address: answer, family: 4 }];
    await expect(assertPublicDestination('https://rebind.example.com/', { ...strict, lookup })).resolves.toBeDefined();
    answer = '127.0.0.1';
    expect((await refusal(assertPublicDestination('https://rebind.example.com/', { ...strict, lookup }))).reason).toBe('blocked_address');
  });

  describe('with allowPrivate (development and tests)', () => {
    it('allows private addresses, loopback literals, localhost names and plain http', async () => {
      await expect(assertPublicDestination('http://internal.example.com/', { ...lenient, lookup: dns })).resolves.toMatchObject({ addresses: ['10.0.0.5'] });
      await expect(assertPublicDestination('http://127.0.0.1:8080/', { ...lenient, lookup: dns })).resolves.toMatchObject({ addresses: ['127.0.0.1'] });
      await expect(assertPublicDestination('http://[::1]:8080/', { ...lenient, lookup: dns })).resolves.toMatchObject({ addresses: ['::1'] });
      const local = fakeDns({ localhost: ['127.0.0.1', '::1'] });
      await expect(assertPublicDestination('http://localhost:3000/', { ...lenient, lookup: local })).resolves.toMatchObject({ addresses: ['127.0.0.1', '::1'] });
    });

    it('still refuses other schemes, credentials and unresolvable hosts', async () => {
      expect((await refusal(assertPublicDestination('ftp://127.0.0.1/', { ...lenient, lookup: dns }))).reason).toBe('unsupported_scheme');
      expect((await refusal(assertPublicDestination('http://a:b@127.0.0.1/', { ...lenient, lookup: dns }))).reason).toBe('credentials_in_url');
      expect((await refusal(assertPublicDestination('http://nowhere.invalid/', { ...lenient, lookup: dns }))).reason).toBe('unresolvable');
      expect((await refusal(assertPublicDestination('http://127.0.0.1:0/', { ...lenient, lookup: dns }))).reason).toBe('invalid_port');
    });
  });

  it('uses the system resolver when none is injected (an IP literal needs no network)', async () => {
    await expect(assertPublicDestination('https://1.1.1.1/', strict)).resolves.toMatchObject({ addresses: ['1.1.1.1'] });
  });
});

describe('checkDestinationUrl', () => {
  it('runs the checks that need no network', () => {
    expect(checkDestinationUrl('https://example.com/a', strict).hostname).toBe('example.com');
    expect(() => checkDestinationUrl('https://127.0.0.1/', strict)).toThrow(DestinationRefusedError);
    expect(() => checkDestinationUrl('http://example.com/', strict)).toThrow('Destination refused: the URL must use https');
    expect(() => checkDestinationUrl('http://localhost/', lenient)).not.toThrow();
  });
});
