// Never crossing users, as attacks against a real gateway process in front of a real origin: each
// test sends what would make one user's response reach another (or an anonymous visitor) and
// asserts who received what. Runs under Node and under Bun (BOUNCER_TEST_RUNTIME).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearer, get } from '../helpers/http.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

describe('never crossing users', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig(),
    routes: [
      { path: '/me/', identityHeaders: { sub: 'X-User-Id' } },
      { path: '/opt/', auth: 'optional', cache: { ttl: '30s' }, identityHeaders: { sub: 'X-User-Id' } },
      { path: '/hot/', onDenied: 'pass', identityHeaders: { sub: 'X-User-Id' } },
      { path: '/api/', identityHeaders: { sub: 'X-User-Id' } },
    ],
  }));
  const as = async (sub: string) => bearer(await hs256({ sub }));

  test('Vary: X-User-Id on the forwarded request: one variant per user, Bob never gets Alice\'s profile', async () => {
    origin.on('/me/profile', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', vary: 'X-User-Id' });
      res.end(`profile of ${req.headers['x-user-id'] ?? 'nobody'}`);
    });
    const alice = await as('alice');
    const bob = await as('bob');
    assert.equal((await get(`${gateway.url}/me/profile`, alice)).body, 'profile of alice');
    assert.equal((await get(`${gateway.url}/me/profile`, bob)).body, 'profile of bob');
    const again = await get(`${gateway.url}/me/profile`, alice);
    assert.equal(again.body, 'profile of alice');
    assert.equal(again.headers['cache-status'], 'Bouncer; hit');
    const bobAgain = await get(`${gateway.url}/me/profile`, { ...bob, 'x-user-id': 'alice' });
    assert.equal(bobAgain.body, 'profile of bob', 'a client-sent X-User-Id selects nothing');
    assert.equal(bobAgain.headers['cache-status'], 'Bouncer; hit');
    // The first fill learned that the answer varies on X-User-Id; from then on one fill per user.
    assert.deepEqual(
      origin.seen.filter((r) => r.url === '/me/profile').map((r) => r.headers['x-user-id'] ?? null),
      [null, 'alice', 'bob'],
    );
  });

  test('auth: optional with cache.ttl and identity headers: anonymous and authenticated never share, no fill carries an identity', async () => {
    origin.on('/opt/page', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`page for ${req.headers['x-user-id'] ?? 'anonymous'}${req.headers.authorization ? ' (token seen)' : ''}`);
    });
    const first = await get(`${gateway.url}/opt/page`, await as('alice'));
    const anonymous = await get(`${gateway.url}/opt/page`);
    const bob = await get(`${gateway.url}/opt/page`, await as('bob'));
    const anonymousAgain = await get(`${gateway.url}/opt/page`);
    for (const reply of [first, anonymous, bob, anonymousAgain]) {
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'page for anonymous', 'a shared page is made without anyone\'s identity');
    }
    assert.equal(anonymous.headers['cache-status'], 'Bouncer; fwd=miss; stored', 'the anonymous visitor does not get the authenticated entry');
    assert.equal(bob.headers['cache-status'], 'Bouncer; hit');
    assert.equal(anonymousAgain.headers['cache-status'], 'Bouncer; hit');
    const seen = origin.seen.filter((r) => r.url === '/opt/page');
    assert.equal(seen.length, 2, 'one fill for authenticated users, one for anonymous visitors');
    for (const request of seen) {
      assert.equal(request.headers['x-user-id'], undefined);
      assert.equal(request.headers.authorization, undefined);
    }
  });

  test('a Set-Cookie, private or no-store answer reaches only its own user, made with that user\'s identity', async () => {
    for (const [name, extra] of [
      ['cookie', { 'set-cookie': 'session=1', 'cache-control': 'public, max-age=60' }],
      ['private', { 'cache-control': 'private, max-age=60' }],
      ['no-store', { 'cache-control': 'no-store' }],
    ] as const) {
      const path = `/api/own-${name}`;
      origin.on(path, (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', ...extra });
        res.end(`for ${req.headers['x-user-id'] ?? 'nobody'}`);
      });
      const [alice, bob] = await Promise.all([get(`${gateway.url}${path}`, await as('alice')), get(`${gateway.url}${path}`, await as('bob'))]);
      assert.equal(alice.body, 'for alice', name);
      assert.equal(bob.body, 'for bob', name);
      if (name === 'cookie') {
        assert.equal(alice.headers['set-cookie']?.[0], 'session=1');
        assert.equal(bob.headers['set-cookie']?.[0], 'session=1');
      }
    }
  });

  test('a 304 whose validator does not match the stored one: dropped, the whole response fetched again', async () => {
    let version = 'v1';
    origin.on('/api/reval-mismatch', (req, res) => {
      if (req.headers['if-none-match'] !== undefined && version !== 'v1') {
        res.writeHead(304, { etag: `"${version}"`, 'cache-control': 'public, no-cache' }); // not the ETag asked about
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain', etag: `"${version}"`, 'cache-control': 'public, no-cache' });
      res.end(`body ${version}`);
    });
    const token = await as('alice');
    assert.equal((await get(`${gateway.url}/api/reval-mismatch`, token)).body, 'body v1');
    version = 'v2';
    const reply = await get(`${gateway.url}/api/reval-mismatch`, token);
    assert.equal(reply.body, 'body v2');
    assert.equal(reply.headers.etag, '"v2"');
    const seen = origin.seen.filter((r) => r.url === '/api/reval-mismatch').map((r) => r.headers['if-none-match'] ?? null);
    assert.deepEqual(seen, [null, '"v1"', null]);
  });

  test('a 304 that makes the response private: its client gets it, nobody after from the store', async () => {
    let revalidations = 0;
    origin.on('/api/reval-private', (req, res) => {
      if (req.headers['if-none-match'] === '"p"') {
        revalidations++;
        res.writeHead(304, { etag: '"p"', 'cache-control': 'private, max-age=60' });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"p"', 'cache-control': 'public, no-cache' });
      res.end(`made for ${req.headers['x-user-id'] ?? 'nobody'}`);
    });
    await get(`${gateway.url}/api/reval-private`, await as('alice'));
    const confirmed = await get(`${gateway.url}/api/reval-private`, await as('alice'));
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.headers['cache-status'], 'Bouncer; fwd=miss; detail=private');
    const bob = await get(`${gateway.url}/api/reval-private`, await as('bob'));
    assert.notEqual(bob.headers['cache-status'], 'Bouncer; hit');
    assert.equal(revalidations, 1);
  });

  test('a Set-Cookie sent with a 304 reaches the user whose request revalidated, and is never stored', async () => {
    origin.on('/api/reval-cookie', (req, res) => {
      if (req.headers['if-none-match'] === '"k"') {
        res.writeHead(304, { etag: '"k"', 'cache-control': 'public, max-age=60', 'set-cookie': 'seen=1' });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"k"', 'cache-control': 'public, no-cache' });
      res.end('cookie page');
    });
    await get(`${gateway.url}/api/reval-cookie`, await as('alice'));
    const revalidated = await get(`${gateway.url}/api/reval-cookie`, await as('alice'));
    assert.equal(revalidated.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=304');
    assert.deepEqual(revalidated.headers['set-cookie'], ['seen=1']);
    const bob = await get(`${gateway.url}/api/reval-cookie`, await as('bob'));
    assert.equal(bob.headers['cache-status'], 'Bouncer; hit');
    assert.equal(bob.body, 'cookie page');
    assert.equal(bob.headers['set-cookie'], undefined);
  });

  test('an anonymous POST answered 302 on an onDenied: pass route does not purge; an authenticated one does', async () => {
    origin.on('/hot/page', (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(302, { location: '/hot/page' });
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' });
      res.end('hot page');
    });
    const token = await as('alice');
    await get(`${gateway.url}/hot/page`, token);
    for (const headers of [{}, bearer('not-a-token')]) {
      const post = await get(`${gateway.url}/hot/page`, headers, { method: 'POST', body: 'x' });
      assert.equal(post.status, 302);
      assert.equal((await get(`${gateway.url}/hot/page`, token)).headers['cache-status'], 'Bouncer; hit', 'still hot after an anonymous POST');
    }
    await get(`${gateway.url}/hot/page`, token, { method: 'POST', body: 'x' });
    assert.equal((await get(`${gateway.url}/hot/page`, token)).headers['cache-status'], 'Bouncer; fwd=miss; stored', 'RFC 9111 §4.4: invalidated');
  });
});
