import { TestApp, expectError } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('provisions a tenant and logs in', async () => {
    const tenant = await t.createTenant();
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`);
    expect(me.status).toBe(200);
    expect(me.body.data.role).toBe('owner');
    expectError(await t.http.get('/api/nope'), 404, 'NOT_FOUND');
  });
});
