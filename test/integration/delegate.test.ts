// Delegation to the application's auth endpoint (auth: delegate) and the hybrid recheck, against a
// real auth endpoint that counts its calls: one call per credential however many requests arrive,
// answers remembered (allowed for longer than denied), failures never remembered.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { fakeClock, inProcessGateway } from '../helpers/pipeline.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

interface AuthCall {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** The app's auth endpoint: "Bearer allow-<id>" → 200 with X-User-Id: <id>; "deny-…" → 401; "fail-…" → 500. */
async function startAuthEndpoint() {
  const calls: AuthCall[] = [];
  const loggedOut = new Set<string>();
  const server = createServer((req, res) => {
    calls.push({ url: req.url ?? '', headers: req.headers });
    const credential = (req.headers.authorization ?? '').replace(/^Bearer /, '') || /token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] || '';
    setTimeout(() => {
      if (credential.startsWith('allow-')) {
        res.writeHead(200, { 'x-user-id': credential.slice(6), 'x-permissions': 'read,write', 'x-internal': 'not forwarded' });
      } else if (credential.startsWith('fail-')) {
        res.writeHead(500);
      } else if (credential.startsWith('eyJ')) {
        res.writeHead(loggedOut.has(credential) ? 401 : 204);
      } else {
        res.writeHead(credential.startsWith('forbid-') ? 403 : 401);
      }
      res.end();
    }, 100);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth`,
    calls,
    loggedOut,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

describe('delegation to the app', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  let auth: Awaited<ReturnType<typeof startAuthEndpoint>>;
  const callsSince = (from: number) => auth.calls.length - from;

  before(async () => {
    origin = await startOrigin();
    auth = await startAuthEndpoint();
    origin.on('/app/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, (req) => `page for ${req.headers['x-user-id']}`));
    origin.on('/private/', fixed({ 'content-type': 'text/plain' }, (req) => `${req.headers['x-user-id']}|${req.headers['x-permissions']}|${req.headers['x-internal'] ?? '-'}`));
    // Long enough that no answer expires during a test on a loaded machine (expiry is tested in-process below).
    const delegate = { url: auth.url, identityHeaders: ['X-User-Id', 'X-Permissions'], allowedTtl: '60s', deniedTtl: '60s', timeout: '10s' };
    gateway = await startGateway({
      upstream: origin.url,
      jwt: jwtConfig(),
      routes: [
        { path: '/app/', auth: 'delegate', delegate, partitionBy: ['X-User-Id'] },
        { path: '/private/', auth: 'delegate', delegate, cache: { enabled: false } },
        { path: '/soft/', auth: 'delegate', delegate, onDenied: 'pass', cache: { enabled: false } },
        { path: '/session/', auth: 'delegate', delegate: { ...delegate, cookie: 'app_session' }, cache: { enabled: false } },
        { path: '/hybrid/', auth: 'required', recheck: { url: auth.url, every: '500ms' }, identityHeaders: { sub: 'X-User-Id' } },
      ],
    });
  });
  after(async () => {
    await gateway.stop();
    await origin.close();
    await auth.close();
  });

  test('1,000 concurrent requests with one token: one auth call, all allowed', async () => {
    const from = auth.calls.length;
    const replies = await Promise.all(Array.from({ length: 1000 }, () => get(`${gateway.url}/app/one?x=1`, bearer('allow-one'), { timeoutMs: 60_000 })));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.deepEqual(new Set(replies.map((r) => r.body)), new Set(['page for one']));
    assert.equal(callsSince(from), 1);
    const call = auth.calls[from]!;
    assert.equal(call.headers.authorization, 'Bearer allow-one');
    assert.equal(call.headers['x-original-method'], 'GET');
    assert.equal(call.headers['x-original-uri'], '/app/one?x=1');
  });

  test('1,000 distinct tokens: 1,000 calls once, none in a second round within the cache period', async () => {
    const from = auth.calls.length;
    const tokens = Array.from({ length: 1000 }, (_, i) => `allow-user-${i}`);
    const round = () => Promise.all(tokens.map((token) => get(`${gateway.url}/private/me`, bearer(token), { timeoutMs: 60_000 })));
    const first = await round();
    assert.ok(first.every((reply, i) => reply.status === 200 && reply.body === `user-${i}|read,write|-`));
    assert.equal(callsSince(from), 1000);
    const second = await round();
    assert.ok(second.every((reply) => reply.status === 200));
    assert.equal(callsSince(from), 1000, 'the second round asks nothing');
  });

  test("client-sent identity headers are replaced by the app's; other answer headers are not forwarded", async () => {
    const reply = await get(`${gateway.url}/private/y`, { ...bearer('allow-real'), 'x-user-id': 'admin', 'x-permissions': 'all' });
    assert.equal(reply.body, 'real|read,write|-');
    const denied = await get(`${gateway.url}/soft/y`, { ...bearer('deny-b'), 'x-user-id': 'admin' });
    assert.equal(denied.status, 200, 'onDenied: pass');
    const seen = origin.seen.at(-1)!;
    assert.equal(seen.url, '/soft/y');
    assert.equal(seen.headers['x-user-id'], undefined);
  });

  test('the cache is partitioned by a returned identity header', async () => {
    const a = await get(`${gateway.url}/app/shared`, bearer('allow-a'));
    const b = await get(`${gateway.url}/app/shared`, bearer('allow-b'));
    assert.equal(a.body, 'page for a');
    assert.equal(b.body, 'page for b');
  });

  test('no credential: 401 without asking; the token cookie is a credential', async () => {
    const from = auth.calls.length;
    assert.equal((await get(`${gateway.url}/private/z`)).status, 401);
    assert.equal(callsSince(from), 0);
    const cookie = await get(`${gateway.url}/private/z`, { cookie: 'token=allow-cookie' });
    assert.equal(cookie.body, 'cookie|read,write|-');
    assert.equal(auth.calls.at(-1)!.headers.cookie, 'token=allow-cookie');
    const session = await get(`${gateway.url}/session/z`, { cookie: 'token=deny-x; app_session=s1' });
    assert.equal(session.status, 401);
    assert.equal(auth.calls.at(-1)!.headers.cookie, 'token=deny-x; app_session=s1', 'the whole Cookie header is forwarded');
    const from2 = auth.calls.length;
    assert.equal((await get(`${gateway.url}/session/z`, { cookie: 'app_session=s1' })).status, 401);
    assert.equal(auth.calls.length, from2, 'delegate.cookie keys the remembered answer');
    assert.equal((await get(`${gateway.url}/session/z`, { cookie: 'token=allow-cookie' })).status, 401, 'jwt.cookie is not read there');
  });

  test('an auth endpoint failure is 502 and is not remembered', async () => {
    const from = auth.calls.length;
    assert.equal((await get(`${gateway.url}/private/f`, bearer('fail-1'))).status, 502);
    assert.equal((await get(`${gateway.url}/private/f`, bearer('fail-1'))).status, 502);
    assert.equal(callsSince(from), 2);
    assert.equal(await gateway.metric('bouncer_app_auth_requests_total', { answer: 'error' }), 2);
  });

});

// How long answers are remembered: the gateway in-process, on a clock the test moves.
describe('delegation: how long the app\'s answers hold', () => {
  const clock = fakeClock();
  let origin: TestOrigin;
  let auth: Awaited<ReturnType<typeof startAuthEndpoint>>;
  let gateway: Awaited<ReturnType<typeof inProcessGateway>>;
  const callsSince = (from: number) => auth.calls.length - from;

  before(async () => {
    origin = await startOrigin();
    auth = await startAuthEndpoint();
    origin.on('/private/', fixed({ 'content-type': 'text/plain' }, (req) => `${req.headers['x-user-id']}`));
    gateway = await inProcessGateway(
      {
        upstream: origin.url,
        jwt: jwtConfig(),
        routes: [
          { path: '/private/', auth: 'delegate', delegate: { url: auth.url, identityHeaders: ['X-User-Id'], allowedTtl: '5s', deniedTtl: '300ms' }, cache: { enabled: false } },
          { path: '/hybrid/', auth: 'required', recheck: { url: auth.url, every: '500ms' }, identityHeaders: { sub: 'X-User-Id' } },
        ],
      },
      clock,
    );
  });
  after(async () => {
    await gateway.close();
    await origin.close();
    await auth.close();
  });

  test('denials are remembered for their shorter time, allows for longer', async () => {
    const from = auth.calls.length;
    for (const credential of ['deny-a', 'forbid-a']) {
      const denied = await gateway.request('/private/x', bearer(credential));
      assert.equal(denied.status, 401);
      assert.equal(denied.headers['www-authenticate'], 'Bearer error="invalid_token"');
    }
    await gateway.request('/private/x', bearer('allow-long'));
    assert.equal(callsSince(from), 3);
    assert.equal((await gateway.request('/private/x', bearer('deny-a'))).status, 401);
    assert.equal(callsSince(from), 3, 'the denial is remembered');
    clock.advance(350);
    assert.equal((await gateway.request('/private/x', bearer('deny-a'))).status, 401);
    assert.equal((await gateway.request('/private/x', bearer('allow-long'))).status, 200);
    assert.equal(callsSince(from), 4, 'the denial expired, the allow did not');
    clock.advance(5_000);
    assert.equal((await gateway.request('/private/x', bearer('allow-long'))).status, 200);
    assert.equal(callsSince(from), 5, 'the allow expired too');
  });

  test('hybrid: a valid JWT is rechecked with the app at most every 500 ms; a logout there holds after that', async () => {
    const token = await hs256({ sub: 'hybrid-user' });
    const from = auth.calls.length;
    assert.equal((await gateway.request('/hybrid/a', bearer(token))).status, 200);
    assert.equal((await gateway.request('/hybrid/a', bearer(token))).status, 200);
    assert.equal(callsSince(from), 1);
    auth.loggedOut.add(token);
    clock.advance(400);
    assert.equal((await gateway.request('/hybrid/a', bearer(token))).status, 200, 'still allowed within the period');
    clock.advance(150);
    const after = await gateway.request('/hybrid/a', bearer(token));
    assert.equal(after.status, 401);
    assert.equal(callsSince(from), 2);
    const forged = await hs256({ sub: 'hybrid-user' }, { secret: 'another-secret-another-secret-another' });
    assert.equal((await gateway.request('/hybrid/a', bearer(forged))).status, 401);
    assert.equal(callsSince(from), 2, 'a token failing local verification is not sent to the app');
  });
});
