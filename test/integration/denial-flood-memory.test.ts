// Issue 14's memory exhaustion, sent as the attack: 200,000 distinct 8 KiB tokens that pass the
// syntax check and fail before any signature check (`Bearer AAAA.AAAA.<8,000 random base64url
// characters>`), and 200,000 distinct oversize or malformed session cookies on a delegate route,
// through the running gateway process over keep-alive loopback connections. Its resident memory
// (/proc/PID/status VmRSS) must grow by less than 128 MiB, a valid user must still be served, and the
// app must not be asked about any malformed cookie. Denials that are remembered (a bad signature, the
// app's 401) stay within maxBytes, as the metrics report.
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { flood, residentBytes } from '../helpers/flood.js';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const MIB = 1024 * 1024;
const FLOOD = 200_000;
const WARM_UP = 10_000;
const LIMIT = 128 * MIB;

/** 8,000 random base64url characters (6,000 random bytes), fresh on every call. */
const random = Buffer.alloc(6_000);
const randomText = (bytes = 6_000) => randomFillSync(random, 0, bytes).subarray(0, bytes).toString('base64url');

/** Floods in the same shape: pipelined, 8 connections, 16 requests in flight on each. */
const send = (gateway: GatewayProcess, requests: number, request: (i: number) => string) =>
  flood({ url: gateway.url, requests, connections: 8, depth: 16, request, timeoutMs: 240_000 });

describe('a flood of 200,000 distinct 8 KiB malformed tokens', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  before(async () => {
    origin = await startOrigin();
    gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig({ decisions: { maxBytes: '8MiB' } }), routes: [{ path: '/api/' }] });
  });
  after(async () => {
    await gateway.stop();
    await origin.close();
  });

  test('grows the gateway by less than 128 MiB; a valid user is still served', async (t) => {
    const garbage = () => `GET /api/feed HTTP/1.1\r\nHost: bouncer\r\nAuthorization: Bearer AAAA.AAAA.${randomText()}`;
    assert.deepEqual(await send(gateway, WARM_UP, garbage), { 401: WARM_UP }); // buffers and compiled code, before the baseline
    const before = await residentBytes(gateway.child.pid!);
    assert.deepEqual(await send(gateway, FLOOD, garbage), { 401: FLOOD });
    const grown = (await residentBytes(gateway.child.pid!)) - before;
    t.diagnostic(`RSS ${Math.round(before / MIB)} MiB before, grew by ${Math.round(grown / MIB)} MiB`);
    assert.ok(grown < LIMIT, `RSS grew by ${Math.round(grown / MIB)} MiB`);
    assert.equal(await gateway.metric('bouncer_decision_cache_entries', { cache: 'jwt' }), 0, 'none of them remembered');
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'malformed' }), WARM_UP + FLOOD);
    const valid = await get(`${gateway.url}/api/feed`, bearer(await hs256({ sub: 'still-here' })));
    assert.equal(valid.status, 200);
    assert.equal(JSON.parse(valid.body).url, '/api/feed');
    assert.equal(origin.seen.length, 1, 'only the valid user reached the origin');
  });

  test('denials that are remembered (bad signatures) stay within jwt.decisions.maxBytes', async () => {
    // 1,500-character tokens that decode and fail their signature: remembered by their text.
    const forged = (i: number) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: `u${i}`, exp: 4_000_000_000, pad: randomText(1_000) })).toString('base64url')}.${randomText(32)}`;
    const statuses = await flood({ url: gateway.url, requests: 10_000, connections: 16, depth: 1, timeoutMs: 120_000, request: (i) => `GET /api/x HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer ${forged(i)}` });
    assert.deepEqual(statuses, { 401: 10_000 });
    const bytes = await gateway.metric('bouncer_decision_cache_bytes', { cache: 'jwt' });
    const entries = await gateway.metric('bouncer_decision_cache_entries', { cache: 'jwt' });
    assert.ok(bytes <= 8 * MIB && bytes > 6 * MIB, `bytes ${bytes}: full up to the bound`);
    assert.ok(entries > 3_000 && entries < 10_000, `entries ${entries}: evicted by bytes, not by count`);
  });
});

describe('a flood of 200,000 random session cookies on a delegate route', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  const app = { calls: 0, url: '', close: async () => undefined as void };
  before(async () => {
    const server = createServer((req, res) => {
      app.calls++;
      res.writeHead(/laravel_session=valid-session(;|$)/.test(req.headers.cookie ?? '') ? 200 : 401, { 'x-user-id': '42' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
    app.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
    origin = await startOrigin();
    const delegate = { url: app.url, cookie: 'laravel_session', identityHeaders: ['X-User-Id'], maxBytes: '4MiB' };
    gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/legacy/', auth: 'delegate', delegate, cache: { enabled: false } }] });
  });
  after(async () => {
    await gateway.stop();
    await origin.close();
    await app.close();
  });

  test('malformed or oversize ones: zero calls to the app, growth under 128 MiB, a valid session still served', async (t) => {
    // Three in four 8 KiB (over maxCredentialBytes, 4 KiB), one in four short with a comma (not a cookie-octet).
    const cookie = (i: number) => `GET /legacy/page HTTP/1.1\r\nHost: bouncer\r\nCookie: theme=dark; laravel_session=${i % 4 === 3 ? `${randomText(30)},x` : randomText()}`;
    assert.deepEqual(await send(gateway, WARM_UP, cookie), { 401: WARM_UP });
    const before = await residentBytes(gateway.child.pid!);
    assert.deepEqual(await send(gateway, FLOOD, cookie), { 401: FLOOD });
    const grown = (await residentBytes(gateway.child.pid!)) - before;
    t.diagnostic(`RSS ${Math.round(before / MIB)} MiB before, grew by ${Math.round(grown / MIB)} MiB`);
    assert.ok(grown < LIMIT, `RSS grew by ${Math.round(grown / MIB)} MiB`);
    assert.equal(app.calls, 0, 'the app was never asked about a malformed cookie');
    assert.equal(await gateway.metric('bouncer_decision_cache_entries', { cache: 'app' }), 0);
    const valid = await get(`${gateway.url}/legacy/page`, { cookie: 'laravel_session=valid-session' });
    assert.equal(valid.status, 200);
    assert.equal(app.calls, 1);
    assert.equal(origin.seen.at(-1)?.headers['x-user-id'], '42');
  });

  test("well-formed ones are asked once each, and the app's denials stay within delegate.maxBytes", async () => {
    const from = app.calls;
    const statuses = await flood({
      url: gateway.url, requests: 5_000, connections: 16, depth: 1, timeoutMs: 120_000,
      request: () => `GET /legacy/page HTTP/1.1\r\nHost: bouncer\r\nCookie: laravel_session=${randomText(1_500)}`,
    });
    assert.deepEqual(statuses, { 401: 5_000 });
    assert.equal(app.calls - from, 5_000);
    const bytes = await gateway.metric('bouncer_decision_cache_bytes', { cache: 'app' });
    assert.ok(bytes <= 4 * MIB && bytes > 3 * MIB, `bytes ${bytes}: full up to the bound`);
  });
});
