import type { AppConfig } from '../config/config';
import type { TenantEntity } from './tenant.entity';
import { TenantsService } from './tenants.service';
import { Deletions } from '../common/deletions';

const ACME = { id: '11111111-1111-4111-8111-111111111111', slug: 'acme', name: 'Acme', plan: 'team', status: 'active' } as TenantEntity;

/** A tenants table whose reads wait until release() is called: concurrent cache misses can be counted. */
function service() {
  const gates: Array<() => void> = [];
  let row: TenantEntity | null = ACME;
  const findOne = jest.fn(async () => {
    const seen = row;
    await new Promise<void>((resolve) => gates.push(resolve));
    return seen;
  });
  const dataSource = { getRepository: () => ({ findOne }) };
  const redis = { publish: jest.fn().mockResolvedValue(undefined), subscribe: jest.fn() };
  const tenants = new TenantsService(dataSource as never, {} as never, {} as never, { tenantCacheTtlMs: 60_000 } as AppConfig, redis as never, new Deletions());
  /** Answers the waiting reads, the newest first when `newestFirst`. */
  const release = async (newestFirst = false) => {
    while (gates.length > 0) (newestFirst ? gates.pop()! : gates.shift()!)();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { tenants, findOne, release, setRow: (next: TenantEntity | null) => (row = next) };
}

describe('TenantsService cache', () => {
  it('reads a missing tenant once for any number of concurrent requests, then serves it from the cache', async () => {
    const { tenants, findOne, release } = service();
    const lookups = [...Array(50)].map(() => tenants.findBySlug('acme'));
    await release();
    const found = await Promise.all(lookups);
    expect(findOne).toHaveBeenCalledTimes(1);
    expect(new Set(found.map((tenant) => tenant?.schema))).toEqual(new Set(['tenant_acme']));
    expect((await tenants.findById(ACME.id))?.slug).toBe('acme');
    expect(findOne).toHaveBeenCalledTimes(1);
  });

  it('does not remember a read that a change overtook: the next request reads again and sees the change', async () => {
    const { tenants, findOne, release, setRow } = service();
    const before = tenants.findBySlug('acme');
    setRow({ ...ACME, status: 'suspended' });
    await tenants.invalidate('acme');
    const after = tenants.findBySlug('acme');
    // The stale read finishes last: it must not overwrite what the newer one cached.
    await release(true);
    expect((await before)?.status).toBe('active');
    expect((await after)?.status).toBe('suspended');
    expect(findOne).toHaveBeenCalledTimes(2);
    expect((await tenants.findBySlug('acme'))?.status).toBe('suspended');
    expect(findOne).toHaveBeenCalledTimes(2);
  });
});
