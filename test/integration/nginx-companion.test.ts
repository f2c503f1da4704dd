// nginx companion mode: Bouncer answers nginx's auth_request, nginx serves and caches the content.
// First the companion endpoint itself, then a real nginx (Debian's /usr/sbin/nginx) running the file
// `bouncer nginx-config` printed, in front of a real origin, with Bouncer as its auth_request target.
// Each attack asserts who received what. Runs under Node and under Bun (the gateway's runtime).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, startGateway, writeConfig, type GatewayProcess } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { freePort, nginxPrefix, startNginx, type NginxProcess } from '../helpers/nginx.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const COMPANION = '/_bouncer/auth';

describe('nginx companion', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  let nginx: NginxProcess;
  const companion = (uri: string | undefined, headers: Record<string, string> = {}) =>
    get(`${gateway.url}${COMPANION}`, { ...(uri === undefined ? {} : { 'x-original-uri': uri, 'x-original-method': 'GET' }), ...headers });
  const answers = () => gateway.metric('bouncer_companion_answers_total');

  before(async () => {
    origin = await startOrigin();
    origin.on('/api/', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
      res.end(`content ${req.url} for tenant ${req.headers['x-tenant-id'] ?? '-'}`);
    });
    origin.on('/me/', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(`me: ${req.headers['x-user-id'] ?? '-'}`);
    });
    const config = {
      upstream: origin.url,
      jwt: jwtConfig(),
      companion: { path: COMPANION },
      routes: [
        { path: '/api/', partitionBy: ['tenant'], identityHeaders: { sub: 'X-User-Id', tenant: 'X-Tenant-Id' } },
        { path: '/admin/', require: { role: 'admin' }, identityHeaders: { sub: 'X-User-Id' } },
        { path: '/me/', cache: { enabled: false }, identityHeaders: { sub: 'X-User-Id' } },
      ],
    };
    gateway = await startGateway(config);
    const { prefix, cacheDir } = nginxPrefix();
    const port = await freePort();
    const printed = await runCli(['nginx-config', '--config', writeConfig(config), '--listen', `127.0.0.1:${port}`, '--cache-dir', cacheDir, '--bouncer', new URL(gateway.url).host]);
    assert.equal(printed.code, 0, printed.stderr);
    nginx = await startNginx(prefix, printed.stdout, port);
  });
  after(async () => {
    await nginx?.stop();
    await gateway?.stop();
    await origin?.close();
  });

  test('the companion: 204 with the full identity and a max-age never past exp (no leeway) nor maxTtl', async () => {
    const soon = await hs256({ sub: 'alice', tenant: 'acme' }, { expiresIn: 10 });
    for (const round of ['verified', 'remembered']) {
      const reply = await companion('/api/feed?x=1', bearer(soon));
      assert.equal(reply.status, 204, round);
      assert.equal(reply.headers['x-user-id'], 'alice');
      assert.equal(reply.headers['x-tenant-id'], 'acme');
      const maxAge = Number(/^max-age=(\d+)$/.exec(String(reply.headers['cache-control']))?.[1]);
      assert.ok(maxAge >= 8 && maxAge <= 10, `${round}: max-age=${maxAge} for a token expiring in 10 s (the 30 s leeway is not added)`);
    }
    const long = await companion('/api/feed', bearer(await hs256({ sub: 'bob' }, { expiresIn: 7200 })));
    // A remembered decision ends on a whole second: 3599 or 3600.
    assert.match(String(long.headers['cache-control']), /^max-age=(3599|3600)$/, 'capped by jwt.decisions.maxTtl');
    const unmatched = await companion('/elsewhere', bearer(await hs256({ sub: 'carol' })));
    assert.equal(unmatched.status, 204);
    assert.equal(unmatched.headers['x-user-id'], undefined, 'no route, no identity');
  });

  test('the companion: 401 missing or bad, 403 for a claim rule (with WWW-Authenticate), a short max-age; 400 without X-Original-URI', async () => {
    const missing = await companion('/api/feed');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assert.equal(missing.headers['cache-control'], 'max-age=30');
    const forged = await companion('/api/feed', bearer(await hs256({ sub: 'mallory' }, { secret: 'another-secret-that-is-long-enough!!' })));
    assert.equal(forged.status, 401);
    assert.equal(forged.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.equal(forged.headers['x-user-id'], undefined);
    const forbidden = await companion('/admin/panel', bearer(await hs256({ sub: 'dave', roles: ['user'] })));
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers['www-authenticate'], 'Bearer error="insufficient_scope"');
    assert.equal(forbidden.headers['bouncer-challenge'], 'Bearer error="insufficient_scope"', 'for nginx, which relays only a 401\'s WWW-Authenticate');
    assert.equal((await companion('/admin/panel', bearer(await hs256({ sub: 'erin', roles: ['admin'] })))).status, 204);
    assert.equal((await companion(undefined, bearer(await hs256()))).status, 400);
  });

  test('through nginx: a valid token is served, from nginx\'s cache after the first; nginx asks Bouncer once per token', async () => {
    const alice = bearer(await hs256({ sub: 'alice-n', tenant: 'acme' }));
    const bob = bearer(await hs256({ sub: 'bob-n', tenant: 'acme' }));
    const before = await answers();
    const first = await get(`${nginx.url}/api/news`, alice);
    assert.equal(first.status, 200, nginx.errorLog());
    assert.equal(first.body, 'content /api/news for tenant acme');
    for (let i = 0; i < 4; i++) assert.equal((await get(`${nginx.url}/api/news`, alice)).body, 'content /api/news for tenant acme');
    assert.equal(await answers(), before + 1, 'one question for five requests with one token');
    assert.equal((await get(`${nginx.url}/api/news`, bob)).status, 200);
    assert.equal((await get(`${nginx.url}/api/news`, bob)).status, 200);
    assert.equal(await answers(), before + 2, 'and one for the next token');
    assert.equal(origin.hits('/api/news'), 1, 'the content came from nginx\'s cache after the first request');
    const globex = await get(`${nginx.url}/api/news`, bearer(await hs256({ sub: 'carol-n', tenant: 'globex' })));
    assert.equal(globex.body, 'content /api/news for tenant globex', 'another partition, another copy');
    assert.equal(origin.hits('/api/news'), 2);
    for (const request of origin.seen.filter((r) => r.url === '/api/news')) {
      assert.equal(request.headers.authorization, undefined, 'a cached fill carries no credentials');
      assert.equal(request.headers['x-user-id'], undefined, 'nor identity the cache key does not hold');
    }
  });

  test('through nginx: a forged or missing token gets 401 and nothing reaches the origin; a claim rule 403', async () => {
    const seen = origin.seen.length;
    const forged = await get(`${nginx.url}/api/secret`, bearer(await hs256({ sub: 'mallory', tenant: 'acme' }, { secret: 'another-secret-that-is-long-enough!!' })));
    assert.equal(forged.status, 401);
    assert.equal(forged.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.ok(!forged.body.includes('content'));
    assert.equal((await get(`${nginx.url}/api/secret`)).status, 401);
    const forbidden = await get(`${nginx.url}/admin/panel`, bearer(await hs256({ sub: 'dave', roles: ['user'] })));
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers['www-authenticate'], 'Bearer error="insufficient_scope"');
    assert.equal(origin.seen.length, seen, 'the origin saw none of them');
  });

  test('through nginx: identity headers arrive at the origin, client-sent copies do not', async () => {
    const forgedIdentity = { 'x-user-id': 'admin', 'x-tenant-id': 'globex' };
    const me = await get(`${nginx.url}/me/profile`, { ...bearer(await hs256({ sub: 'frank', tenant: 'acme' })), ...forgedIdentity });
    assert.equal(me.body, 'me: frank');
    const atOrigin = origin.seen.filter((r) => r.url === '/me/profile').at(-1)!;
    assert.equal(atOrigin.headers['x-user-id'], 'frank');
    assert.equal(atOrigin.headers['x-tenant-id'], undefined, 'another route\'s identity header, sent by the client: dropped');
    const api = await get(`${nginx.url}/api/identity`, { ...bearer(await hs256({ sub: 'grace', tenant: 'acme' })), ...forgedIdentity });
    assert.equal(api.body, 'content /api/identity for tenant acme');
    const anonymous = await get(`${nginx.url}/elsewhere`, forgedIdentity);
    assert.equal(anonymous.status, 200);
    const unmatched = origin.seen.filter((r) => r.url === '/elsewhere').at(-1)!;
    assert.equal(unmatched.headers['x-user-id'], undefined);
    assert.equal(unmatched.headers['x-tenant-id'], undefined);
  });
});
