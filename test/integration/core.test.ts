// The core gateway against a real origin, as a real process: the crowd gets one cached copy, bad
// tokens get nothing, personal responses stay personal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixed } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { originAndGateway } from '../helpers/suite.js';
import { AUDIENCE, hs256, jwtConfig, unsigned } from '../helpers/tokens.js';

describe('core gateway', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig(),
    routes: [
      { path: '/pass/', auth: 'required', onDenied: 'pass', identityHeaders: { sub: 'X-User-Id' } },
      { path: '/tenant/', auth: 'required', partitionBy: ['tenant'], identityHeaders: { sub: 'X-User-Id', tenant: 'X-Tenant-Id' } },
      { path: '/q/', auth: 'required', tokenQueryParam: 'access_token' },
      { path: '/ttl/', auth: 'required', cache: { ttl: '30s' } },
      { path: '/api/', auth: 'required', onDenied: 'reject', identityHeaders: { sub: 'X-User-Id' } },
    ],
  }));

  test('2,000 concurrent users with distinct tokens on a cold URL: one origin request, same body for all', async () => {
    origin.on('/api/impulse', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, 'the shared page', 300));
    const tokens = await Promise.all(Array.from({ length: 2000 }, (_, i) => hs256({ sub: `impulse-${i}` })));
    const before = origin.seen.length;
    const replies = await Promise.all(tokens.map((token) => get(`${gateway.url}/api/impulse`, bearer(token), { timeoutMs: 60_000 })));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.deepEqual(new Set(replies.map((r) => r.body)), new Set(['the shared page']));
    assert.equal(origin.seen.length - before, 1, 'the origin sees exactly one request');
    assert.equal(origin.hits('/api/impulse'), 1);
    const statuses = new Set(replies.map((r) => r.headers['cache-status']));
    assert.ok(statuses.has('Bouncer; fwd=miss; stored'));
    assert.ok(statuses.has('Bouncer; fwd=miss; collapsed'));
    assert.ok((await gateway.metric('bouncer_collapsed_waiters_total')) >= 1);
  });

  test('a fresh hit carries Age and Cache-Status: hit, and HEAD is answered from the GET entry', async () => {
    origin.on('/api/page', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, 'page'));
    const token = await hs256();
    const first = await get(`${gateway.url}/api/page`, bearer(token));
    assert.equal(first.headers['cache-status'], 'Bouncer; fwd=miss; stored');
    const second = await get(`${gateway.url}/api/page`, bearer(await hs256({ sub: 'other' })));
    assert.equal(second.headers['cache-status'], 'Bouncer; hit');
    assert.equal(second.headers.age, '0');
    assert.equal(second.body, 'page');
    const head = await get(`${gateway.url}/api/page`, bearer(token), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], '4');
    assert.equal(head.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits('/api/page'), 1);
  });

  test('query parameters in another order share the entry', async () => {
    const token = await hs256();
    await get(`${gateway.url}/api/sorted?b=2&a=1`, bearer(token));
    const reordered = await get(`${gateway.url}/api/sorted?a=1&b=2`, bearer(token));
    assert.equal(reordered.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits('/api/sorted'), 1);
  });

  describe('denied tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const valid = await hs256();
    const [header, payload] = valid.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'admin' })).toString('base64url')}.${valid.split('.')[2]}`;
    const attacks: Record<string, string> = {
      forged: await hs256({}, { secret: 'not-the-secret-not-the-secret-not-it' }),
      expired: await hs256({ exp: now - 3600, iat: now - 7200 }),
      'wrong issuer': await hs256({ iss: 'https://evil.test' }),
      'wrong audience': await hs256({ aud: 'someone-else' }),
      'alg none': unsigned({ alg: 'none', typ: 'JWT' }, { sub: 'admin', aud: AUDIENCE, exp: now + 3600 }),
      tampered,
      garbage: 'not-a-token',
    };

    for (const [name, token] of Object.entries(attacks)) {
      test(`${name}: 401 with reject, never reaches the origin`, async () => {
        const before = origin.seen.length;
        const reply = await get(`${gateway.url}/api/denied`, bearer(token));
        assert.equal(reply.status, 401);
        assert.match(String(reply.headers['www-authenticate']), /^Bearer error="invalid_token"/);
        assert.equal(origin.seen.length, before);
      });

      test(`${name}: with pass, reaches the origin without identity and is not cached`, async () => {
        origin.on('/pass/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, (req) => `anon ${req.headers['x-user-id'] ?? '-'}`));
        const path = `/pass/${encodeURIComponent(name)}`;
        const first = await get(`${gateway.url}${path}`, { ...bearer(token), 'x-user-id': 'admin' });
        const second = await get(`${gateway.url}${path}`, { ...bearer(token), 'x-user-id': 'admin' });
        assert.equal(first.status, 200);
        assert.equal(first.body, 'anon -');
        assert.equal(second.headers['cache-status'], 'Bouncer; fwd=bypass; detail=unauthenticated');
        assert.equal(origin.hits(path), 2, 'each denied request is forwarded on its own');
        for (const seen of origin.seen.filter((r) => r.url === path)) assert.equal(seen.headers['x-user-id'], undefined);
      });
    }

    test('a valid token on the pass route is served the shared copy, filled without anyone\'s identity', async () => {
      const reply = await get(`${gateway.url}/pass/valid`, { ...bearer(await hs256({ sub: 'alice' })), 'x-user-id': 'admin' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'anon -');
      assert.equal(reply.headers['cache-status'], 'Bouncer; fwd=miss; stored');
      const seen = origin.seen.filter((r) => r.url === '/pass/valid');
      assert.deepEqual(seen.map((r) => [r.headers['x-user-id'], r.headers.authorization]), [[undefined, undefined]]);
    });
  });

  test('no token: 401 with a bare Bearer challenge', async () => {
    const reply = await get(`${gateway.url}/api/denied`);
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['www-authenticate'], 'Bearer');
  });

  test('the token cookie is read', async () => {
    const reply = await get(`${gateway.url}/api/cookie`, { cookie: `other=1; token=${await hs256()}` });
    assert.equal(reply.status, 200);
  });

  test('a client-sent X-User-Id never reaches the origin; the verified one does, on a request not stored', async () => {
    origin.on('/api/whoami', fixed({ 'content-type': 'text/plain', 'cache-control': 'private' }, (req) => String(req.headers['x-user-id'])));
    const reply = await get(`${gateway.url}/api/whoami`, { ...bearer(await hs256({ sub: 'bob' })), 'x-user-id': 'admin', 'X-USER-ID': 'root' });
    assert.equal(reply.body, 'bob');
    // The shared fill carries no identity; its private answer sends Bob's own request after it.
    const seen = origin.seen.filter((r) => r.url === '/api/whoami');
    assert.deepEqual(seen.map((r) => r.headers['x-user-id']), [undefined, 'bob']);
  });

  for (const [name, headers] of [
    ['Set-Cookie', { 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60', 'set-cookie': 'session=1' }],
    ['Cache-Control: private', { 'content-type': 'text/plain', 'cache-control': 'private, max-age=60' }],
    ['Cache-Control: no-store', { 'content-type': 'text/plain', 'cache-control': 'no-store' }],
  ] as const) {
    test(`a response with ${name} is never served to a second user`, async () => {
      const path = `/api/personal-${name.replace(/\W+/g, '-')}`;
      origin.on(path, fixed(headers, (req) => `for ${req.headers['x-user-id']}`, 100));
      // Concurrent, so the second request would be a collapsed waiter if that were allowed.
      const [alice, bob] = await Promise.all([
        get(`${gateway.url}${path}`, bearer(await hs256({ sub: 'alice' }))),
        get(`${gateway.url}${path}`, bearer(await hs256({ sub: 'bob' }))),
      ]);
      assert.equal(alice.body, 'for alice');
      assert.equal(bob.body, 'for bob');
      const carol = await get(`${gateway.url}${path}`, bearer(await hs256({ sub: 'carol' })));
      assert.equal(carol.body, 'for carol');
      // The first fill (no identity: "for undefined") is delivered to nobody; then one request per user.
      const seen = origin.seen.filter((r) => r.url === path).map((r) => r.headers['x-user-id']);
      assert.deepEqual(seen.slice(1).sort(), ['alice', 'bob', 'carol']);
      assert.equal(seen[0], undefined);
    });
  }

  test('partitionBy tenant: one copy per tenant', async () => {
    origin.on('/tenant/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, (req) => `tenant ${req.headers['x-tenant-id']}`));
    const a1 = await get(`${gateway.url}/tenant/home`, bearer(await hs256({ sub: 'a1', tenant: 'acme' })));
    const a2 = await get(`${gateway.url}/tenant/home`, bearer(await hs256({ sub: 'a2', tenant: 'acme' })));
    const b1 = await get(`${gateway.url}/tenant/home`, bearer(await hs256({ sub: 'b1', tenant: 'globex' })));
    assert.equal(a1.body, 'tenant acme');
    assert.equal(a2.body, 'tenant acme');
    assert.equal(a2.headers['cache-status'], 'Bouncer; hit');
    assert.equal(b1.body, 'tenant globex');
    assert.equal(origin.hits('/tenant/home'), 2);
  });

  test('a token in an opted-in query parameter is accepted, removed upstream and from the key', async () => {
    const token = await hs256();
    const first = await get(`${gateway.url}/q/feed?page=1&access_token=${token}`);
    assert.equal(first.status, 200);
    const second = await get(`${gateway.url}/q/feed?page=1`, bearer(await hs256({ sub: 'x' })));
    assert.equal(second.headers['cache-status'], 'Bouncer; hit');
    const seen = origin.seen.filter((r) => r.url.startsWith('/q/feed'));
    assert.deepEqual(seen.map((r) => r.url), ['/q/feed?page=1']);
    // Outside an opted-in route the query is not a token source.
    assert.equal((await get(`${gateway.url}/api/q?access_token=${token}`)).status, 401);
  });

  test("a route's cache.ttl stores what the origin left unmarked", async () => {
    origin.on('/ttl/', fixed({ 'content-type': 'text/plain' }, 'unmarked'));
    const token = await hs256();
    await get(`${gateway.url}/ttl/x`, bearer(token));
    const again = await get(`${gateway.url}/ttl/x`, bearer(token));
    assert.equal(again.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits('/ttl/x'), 1);
  });

  test('an unmarked response to an authenticated request is not shared by default', async () => {
    origin.on('/api/unmarked', fixed({ 'content-type': 'text/plain', 'cache-control': 'max-age=60' }, 'x'));
    await get(`${gateway.url}/api/unmarked`, bearer(await hs256()));
    const again = await get(`${gateway.url}/api/unmarked`, bearer(await hs256()));
    assert.equal(again.headers['cache-status'], 'Bouncer; fwd=miss; detail=not-shareable');
    // The fill, the first user's own request after it, the second user's request: nothing shared.
    assert.equal(origin.hits('/api/unmarked'), 3);
  });

  test('metrics and health on the admin listener, not on the public one', async () => {
    const health = await get(`${gateway.adminUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, 'ok');
    assert.ok((await gateway.metric('bouncer_requests_total', { cache_status: 'hit' })) >= 1);
    assert.ok((await gateway.metric('bouncer_signature_verifications_total')) >= 1);
    assert.ok((await gateway.metric('bouncer_origin_requests_total')) >= 1);
    assert.ok((await gateway.metric('bouncer_request_duration_seconds_count')) >= 1);
    const publicMetrics = await get(`${gateway.url}/metrics`);
    assert.notEqual(publicMetrics.body.includes('bouncer_requests_total'), true);
  });
});
