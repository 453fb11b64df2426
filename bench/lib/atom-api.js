'use strict';

const { Buffer } = require('node:buffer');
const http = require('node:http');
const { URL } = require('node:url');

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** One JSON request to 127.0.0.1; resolves { status, body } (body parsed when it is JSON). */
function requestJson(baseUrl, method, path, { headers = {}, body } = {}) {
  const url = new URL(path, baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing to send a request to ${url.hostname}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const allHeaders = { accept: 'application/json', ...headers };
  if (payload !== undefined) Object.assign(allHeaders, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: allHeaders, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: keep the text for the error message
        }
        resolve({ status: res.statusCode, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectStatus(promise, status, what) {
  const res = await promise;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The calls the benchmark makes to set Atom up: provisioning (platform key), login, /me. */
class AtomApi {
  constructor(baseUrl, platformKey) {
    this.baseUrl = baseUrl;
    this.platformKey = platformKey;
  }

  platform(method, path, body) {
    return requestJson(this.baseUrl, method, path, { headers: { 'x-platform-key': this.platformKey }, body });
  }

  async createTenant({ slug, adminEmail, password }) {
    const body = { slug, name: `Bench ${slug}`, plan: 'enterprise', admin_email: adminEmail, admin_password: password };
    return (await expectStatus(this.platform('POST', '/api/tenants', body), 201, `create tenant ${slug}`)).data;
  }

  /** Lifts the per-minute limit so the rate limiter never refuses the load. */
  async unthrottle(slug) {
    await expectStatus(this.platform('PATCH', `/api/tenants/${slug}`, { requests_per_minute: 1_000_000 }), 200, `update tenant ${slug}`);
  }

  async deleteTenant(slug) {
    await expectStatus(this.platform('DELETE', `/api/tenants/${slug}?confirm=${slug}`), 200, `delete tenant ${slug}`);
  }

  async login(slug, email, password) {
    const res = requestJson(this.baseUrl, 'POST', '/api/auth/login', { headers: { 'x-tenant-id': slug }, body: { email, password } });
    return (await expectStatus(res, 200, `login to ${slug}`)).data.access_token;
  }

  async me(token) {
    const res = requestJson(this.baseUrl, 'GET', '/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    return (await expectStatus(res, 200, 'GET /api/auth/me')).data;
  }
}

module.exports = { AtomApi, requestJson, expectStatus };
