import type { Request } from 'express';
import { AppError } from '../common/http/error-codes';
import { slugFromHost, tenantHintOf } from './tenant-resolution';

describe('slugFromHost', () => {
  it.each([
    ['acme.localhost', 'localhost', 'acme'],
    ['ACME.LOCALHOST', 'localhost', 'acme'],
    ['acme.localhost.', 'localhost', 'acme'],
    ['acme-eu.atom.example.com', 'atom.example.com', 'acme-eu'],
  ])('%s under %s names %s', (host, base, slug) => {
    expect(slugFromHost(host, base)).toBe(slug);
  });

  it.each<[string | undefined, string, string]>([
    ['localhost', 'localhost', 'the base domain itself'],
    ['a.b.localhost', 'localhost', 'a nested label'],
    ['api.localhost', 'localhost', 'a reserved label'],
    ['acme.example.com', 'localhost', 'another domain'],
    ['acmelocalhost', 'localhost', 'a host merely ending with the base'],
    ['ab.localhost', 'localhost', 'a too-short label'],
    [undefined, 'localhost', 'no host'],
    ['', 'localhost', 'an empty host'],
  ])('%s under %s names no tenant (%s)', (host, base) => {
    expect(slugFromHost(host, base)).toBeUndefined();
  });
});

function request(hostname: string, headers: Record<string, string> = {}): Request {
  return {
    hostname,
    header: (name: string) => headers[name.toLowerCase()],
  } as unknown as Request;
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('tenantHintOf', () => {
  it('takes the tenant from X-Tenant-ID alone, lowercased', () => {
    expect(tenantHintOf(request('localhost', { 'x-tenant-id': 'Acme' }), 'localhost')).toBe('acme');
  });

  it('takes the tenant from the host alone', () => {
    expect(tenantHintOf(request('acme.localhost'), 'localhost')).toBe('acme');
  });

  it('accepts a host and header that agree', () => {
    expect(tenantHintOf(request('acme.localhost', { 'x-tenant-id': 'acme' }), 'localhost')).toBe('acme');
  });

  it('names no tenant when neither host nor header does', () => {
    expect(tenantHintOf(request('localhost'), 'localhost')).toBeUndefined();
    expect(tenantHintOf(request('localhost', { 'x-tenant-id': '' }), 'localhost')).toBeUndefined();
  });

  it('refuses a host and header naming different tenants with FORBIDDEN', () => {
    const error = thrown(() => tenantHintOf(request('acme.localhost', { 'x-tenant-id': 'globex' }), 'localhost'));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.status).toBe(403);
  });

  it.each(['ab', 'acme_corp', 'api', '../etc'])('refuses the invalid X-Tenant-ID %j with TENANT_NOT_FOUND', (header) => {
    const error = thrown(() => tenantHintOf(request('acme.localhost', { 'x-tenant-id': header }), 'localhost'));
    expect(error.code).toBe('TENANT_NOT_FOUND');
    expect(error.status).toBe(404);
  });
});
