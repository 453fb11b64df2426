'use strict';

const PASSWORD = 'bench-password-0123456789';

function slugFor(index) {
  return `bench-${String(index).padStart(4, '0')}`;
}

function schemaFor(slug) {
  return `tenant_${slug.replace(/-/g, '_')}`;
}

/** Runs `task(item)` over `items` with at most `concurrency` in flight; resolves the results in order. */
async function mapLimit(items, concurrency, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Provisions tenant `index` through the platform API (enterprise plan, per-minute limit lifted) and,
 * when `login` is set, logs its owner in. Resolves { slug, schema, id, email, token? }.
 */
async function provisionTenant(api, index, { login }) {
  const slug = slugFor(index);
  const email = `owner@${slug}.bench`;
  const tenant = await api.createTenant({ slug, adminEmail: email, password: PASSWORD });
  await api.unthrottle(slug);
  const token = login ? await api.login(slug, email, PASSWORD) : undefined;
  return { slug, schema: schemaFor(slug), id: tenant.id, email, token };
}

/** Tenants `from`..`to` (inclusive), `concurrency` at a time, with a progress line every 100. */
async function provisionRange(api, from, to, { concurrency, login }) {
  const indexes = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  let done = 0;
  return mapLimit(indexes, concurrency, async (index) => {
    const tenant = await provisionTenant(api, index, { login });
    done += 1;
    if (done % 100 === 0 || done === indexes.length) console.log(`  provisioned ${done}/${indexes.length}`);
    return tenant;
  });
}

/** Deletes `tenants` through the platform API (drops their schemas), `concurrency` at a time. */
async function deleteTenants(api, tenants, { concurrency }) {
  await mapLimit(tenants, concurrency, (tenant) => api.deleteTenant(tenant.slug));
}

async function freshToken(api, tenant) {
  return api.login(tenant.slug, tenant.email, PASSWORD);
}

module.exports = { provisionTenant, provisionRange, deleteTenants, freshToken };
