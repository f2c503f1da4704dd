// Delegation keyed by what the app decides on: the app allows /legacy/profile and denies
// /legacy/admin for one session cookie. With `per: request` each path gets the app's own answer (also
// when both are asked at once: in-flight calls are shared only under one key); with `per: route` the
// answer holds for the route, and two routes ask separately. The app's max-age is capped by
// maxAllowedTtl (on a moved clock, not slept against).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { get } from '../helpers/http.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { fakeClock, inProcessGateway } from '../helpers/pipeline.js';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { jwtConfig } from '../helpers/tokens.js';

const COOKIE = { cookie: 'laravel_session=s3ss10n' };

/** The app's auth endpoint: the one session may see its profile, not the admin pages; answers counted by URI. */
async function startApp() {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const uri = String(req.headers['x-original-uri']);
    calls.push(`${req.headers['x-original-method']} ${uri}`);
    const allowed = /laravel_session=s3ss10n/.test(req.headers.cookie ?? '') && (uri.startsWith('/legacy/profile') || uri.startsWith('/other/'));
    // Slow enough that requests sent together are in flight together.
    setTimeout(() => res.writeHead(allowed ? 200 : 403, allowed ? { 'x-user-id': '7', 'cache-control': 'max-age=31536000' } : {}).end(), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`,
    calls,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const delegate = (url: string, extra: Record<string, unknown> = {}) => ({
  url, cookie: 'laravel_session', identityHeaders: ['X-User-Id'], allowedTtl: '5m', deniedTtl: '5m', ...extra,
});

describe('delegation keyed per request and per route', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let origin: TestOrigin;
  let gateway: GatewayProcess;

  before(async () => {
    app = await startApp();
    origin = await startOrigin();
    gateway = await startGateway({
      upstream: origin.url,
      jwt: jwtConfig(),
      routes: [
        { path: '/legacy/', auth: 'delegate', delegate: delegate(app.url, { per: 'request' }), cache: { enabled: false } },
        { path: '/coarse/', auth: 'delegate', delegate: delegate(app.url), cache: { enabled: false } },
        { path: '/other/', auth: 'delegate', delegate: delegate(app.url), cache: { enabled: false } },
      ],
    });
  });
  after(async () => {
    await gateway.stop();
    await origin.close();
    await app.close();
  });

  test("per: request — each path gets the app's own answer, asked together or one after another", async () => {
    const [profile, admin] = await Promise.all([get(`${gateway.url}/legacy/profile`, COOKIE), get(`${gateway.url}/legacy/admin/users/1`, COOKIE)]);
    assert.equal(profile.status, 200);
    assert.equal(admin.status, 401, 'the denial for the admin path is its own');
    assert.deepEqual(app.calls.sort(), ['GET /legacy/admin/users/1', 'GET /legacy/profile'], 'two keys in flight: two calls');
    const deleted = await get(`${gateway.url}/legacy/admin/users/1`, COOKIE, { method: 'DELETE' });
    assert.equal(deleted.status, 401);
    assert.equal(app.calls.at(-1), 'DELETE /legacy/admin/users/1', 'another method is asked on its own');
    assert.equal((await get(`${gateway.url}/legacy/profile`, COOKIE)).status, 200, 'still allowed: the admin denial did not lock the session out');
    assert.equal(app.calls.length, 3, 'the profile answer was remembered');
    assert.equal(origin.seen.filter((r) => r.url.startsWith('/legacy/admin')).length, 0, 'nothing of the admin path reached the origin');
    assert.equal(origin.seen.find((r) => r.url === '/legacy/profile')?.headers['x-user-id'], '7');
  });

  test('per: route — one answer per credential and route; two routes ask separately', async () => {
    const from = app.calls.length;
    assert.equal((await get(`${gateway.url}/coarse/a`, COOKIE)).status, 401, 'the app denies /coarse/');
    assert.equal((await get(`${gateway.url}/coarse/b`, COOKIE)).status, 401, 'remembered for the route');
    assert.equal((await get(`${gateway.url}/other/a`, COOKIE)).status, 200, "another route gets the app's own answer");
    assert.equal((await get(`${gateway.url}/other/b`, COOKIE)).status, 200);
    assert.deepEqual(app.calls.slice(from), ['GET /coarse/a', 'GET /other/a']);
  });
});

test("maxAllowedTtl caps the app's max-age (a year) at 5 minutes by default", async () => {
  const app = await startApp();
  const origin = await startOrigin();
  const clock = fakeClock();
  const gateway = await inProcessGateway(
    { upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/other/', auth: 'delegate', delegate: delegate(app.url, { allowedTtl: '1m' }), cache: { enabled: false } }] },
    clock,
  );
  try {
    assert.equal((await gateway.request('/other/x', COOKIE)).status, 200);
    clock.advance(299_999);
    assert.equal((await gateway.request('/other/x', COOKIE)).status, 200);
    assert.equal(app.calls.length, 1, 'max-age beyond allowedTtl is honoured up to maxAllowedTtl');
    clock.advance(1);
    assert.equal((await gateway.request('/other/x', COOKIE)).status, 200);
    assert.equal(app.calls.length, 2, 'asked again after 5 minutes, not after a year');
  } finally {
    await gateway.close();
    await origin.close();
    await app.close();
  }
});
