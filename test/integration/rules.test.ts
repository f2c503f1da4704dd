// Claim rules per route (403 insufficient_scope, checked before the cache) and the flood defence
// (429 with Retry-After for a client sending bad tokens), through the running gateway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, get } from '../helpers/http.js';
import { fixed } from '../helpers/origin.js';
import { fakeClock, inProcessGateway, type InProcessGateway } from '../helpers/pipeline.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const SHARED = { 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' };

describe('claim rules', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig(),
    routes: [
      { path: '/feed/', require: { scope: 'read:feed' }, identityHeaders: { sub: 'X-User-Id' } },
      { path: '/admin/', require: { any: [{ role: 'admin' }, { claim: 'tenant', equals: 'root' }] } },
      { path: '/soft/', require: { scope: 'read:feed' }, onDenied: 'pass', identityHeaders: { sub: 'X-User-Id' } },
    ],
  }));

  test('a cached page is never served to a valid token that fails the rule: 403 insufficient_scope', async () => {
    origin.on('/feed/page', fixed(SHARED, 'the feed'));
    const allowed = await get(`${gateway.url}/feed/page`, bearer(await hs256({ scope: 'profile read:feed' })));
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body, 'the feed');
    const hit = await get(`${gateway.url}/feed/page`, bearer(await hs256({ sub: 'u2', scp: ['read:feed'] })));
    assert.equal(hit.headers['cache-status'], 'Bouncer; hit', 'the page is in the cache');
    const refused = await get(`${gateway.url}/feed/page`, bearer(await hs256({ sub: 'u3', scope: 'read:feedback' })));
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['www-authenticate'], 'Bearer error="insufficient_scope"');
    assert.notEqual(refused.body, 'the feed');
    assert.equal(origin.hits('/feed/page'), 1);
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'forbidden' }), 1);
  });

  test('unauthenticated stays 401: invalid_token for a bad token, a bare Bearer for none', async () => {
    const bad = await get(`${gateway.url}/feed/page`, bearer(await hs256({ scope: 'read:feed' }, { secret: 'another-secret-another-secret-another' })));
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['www-authenticate'], 'Bearer error="invalid_token"');
    const none = await get(`${gateway.url}/feed/page`);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
  });

  test('any of a role or a claim value', async () => {
    origin.on('/admin/', fixed(SHARED, 'admin'));
    const statuses = await Promise.all(
      [{ roles: ['admin'] }, { tenant: 'root' }, { roles: ['user'], tenant: 'acme' }, {}].map(async (claims) => (await get(`${gateway.url}/admin/x`, bearer(await hs256(claims)))).status),
    );
    assert.deepEqual(statuses, [200, 200, 403, 403]);
  });

  test('onDenied: pass forwards a token that fails the rule without identity, uncached', async () => {
    origin.on('/soft/', fixed({ 'content-type': 'text/plain' }, (req) => `user=${req.headers['x-user-id'] ?? 'none'}`));
    const refused = await get(`${gateway.url}/soft/a`, bearer(await hs256({ sub: 'nobody', scope: 'other' })));
    assert.equal(refused.status, 200);
    assert.equal(refused.body, 'user=none');
    assert.equal(refused.headers['cache-status'], 'Bouncer; fwd=bypass; detail=unauthenticated');
    const allowed = await get(`${gateway.url}/soft/a`, bearer(await hs256({ sub: 'reader', scope: 'read:feed' })));
    assert.equal(allowed.body, 'user=reader');
  });
});

describe('flood defence', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig({ flood: { failuresPerMinute: 5, block: '1s' } }),
    routes: [{ path: '/api/', identityHeaders: { sub: 'X-User-Id' } }],
  }));
  const clock = fakeClock();
  let inProcess: InProcessGateway;
  before(async () => {
    inProcess = await inProcessGateway({ upstream: origin.url, jwt: jwtConfig({ flood: { failuresPerMinute: 5, block: '1s' } }), routes: [{ path: '/api/' }] }, clock);
  });
  after(() => inProcess.close());

  test('past the limit a client gets 429 with Retry-After, even with a valid token, until the block ends', async () => {
    const forged = await hs256({}, { secret: 'another-secret-another-secret-another' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(`${gateway.url}/api/x`, bearer(i % 2 === 0 ? forged : `garbage.${i}`))).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401]);
    const limited = await get(`${gateway.url}/api/x`, bearer(await hs256()));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(origin.seen.length, 0);
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'rate_limited' }), 1);
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'malformed' }), 3, 'syntactic rejects');
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'cached_deny' }), 2, 'negative-cache hits');
    assert.equal(await gateway.metric('bouncer_signature_verifications_total', { result: 'bad_signature' }), 1);
    assert.equal(await gateway.metric('bouncer_requests_total', { cache_status: 'denied' }), 7, 'every 401 and the 429');
  });

  test('the block ends after its time (in-process, on a moved clock)', async () => {
    const forged = await hs256({}, { secret: 'another-secret-another-secret-another' });
    for (let i = 0; i < 6; i++) assert.equal((await inProcess.request('/api/x', bearer(forged))).status, 401);
    const limited = await inProcess.request('/api/x', bearer(await hs256()));
    assert.equal(limited.status, 429);
    clock.advance(999);
    assert.equal((await inProcess.request('/api/x', bearer(await hs256()))).status, 429);
    clock.advance(2);
    assert.equal((await inProcess.request('/api/x', bearer(await hs256()))).status, 200);
  });

  test('requests without a token are not failures', async () => {
    for (let i = 0; i < 8; i++) assert.equal((await inProcess.request('/api/y')).status, 401);
    assert.equal((await inProcess.request('/api/y', bearer(await hs256()))).status, 200);
  });
});
