// Per-user fragments on a shared page (ESI), through a real gateway process in front of a real
// origin: the page is one cached copy, each include goes through the pipeline with the user's own
// identity, and every user sees only their own parts. Runs under Node and under Bun.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { bearer, get } from '../helpers/http.js';
import { fixed } from '../helpers/origin.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const ESI = { 'content-type': 'text/html; charset=utf-8', 'surrogate-control': 'content="ESI/1.0"', 'cache-control': 'public, max-age=60', etag: '"page-1"' };
const PAGE =
  '<html><esi:vars><p>Hi $(JWT{name})</p></esi:vars>' +
  '<esi:include src="/fragments/greeting"/>' +
  '<esi:include src="/fragments/missing" onerror="continue"/>' +
  '<esi:remove><p>no ESI here</p></esi:remove><esi:comment text="for editors"/>' +
  '<!--esi <p>ESI on</p> --></html>';

describe('fragments (ESI)', () => {
  const { origin, gateway } = originAndGateway((origin) => {
    origin.on('/pages/home', fixed(ESI, PAGE));
    origin.on('/fragments/greeting', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'public, max-age=60' });
      res.end(`<p>Hello ${req.headers['x-user-id'] ?? 'nobody'}</p>`);
    });
    origin.on('/fragments/missing', (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here');
    });
    return {
      upstream: origin.url,
      jwt: jwtConfig(),
      routes: [
        { path: '/pages/', identityHeaders: { sub: 'X-User-Id' } },
        { path: '/esi/', auth: 'optional', compose: 'esi', cache: { ttl: '60s' } },
        { path: '/fragments/', partitionBy: ['sub'], identityHeaders: { sub: 'X-User-Id' } },
      ],
    };
  });

  test('1,000 users on a page with a per-user include: the page fetched once, the include once per user, each sees only their own name', async () => {
    const users = Array.from({ length: 1000 }, (_, i) => ({ sub: `user-${i}`, name: i === 7 ? '<script>alert(1)</script>' : `Name ${i}` }));
    const tokens = await Promise.all(users.map((user) => hs256(user)));
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    try {
      const replies = await Promise.all(tokens.map((token) => get(`${gateway.url}/pages/home`, bearer(token), { agent, timeoutMs: 60_000 })));
      // And again: the page and every user's include now come from the cache.
      const again = await Promise.all(tokens.slice(0, 50).map((token) => get(`${gateway.url}/pages/home`, bearer(token), { agent })));
      assert.equal(origin.hits('/pages/home'), 1, 'the shared page is fetched once');
      assert.equal(origin.hits('/fragments/greeting'), 1000, 'the include once per user');
      for (const [i, reply] of [...replies.entries(), ...again.entries()]) {
        const user = users[i]!;
        assert.equal(reply.status, 200);
        assert.ok(reply.body.includes(`<p>Hello ${user.sub}</p>`), `user ${i} sees their own fragment`);
        assert.equal(reply.body.match(/Hello user-\d+/g)?.length, 1, 'and no one else\'s');
        if (i !== 7) assert.ok(reply.body.includes(`<p>Hi ${user.name}</p>`));
        assert.equal(reply.headers['surrogate-control'], undefined, 'Surrogate-Control never reaches a client');
        assert.equal(reply.headers['cache-control'], 'private, no-cache');
        assert.equal(reply.headers.etag, undefined, 'the template\'s validator does not describe the page');
        assert.ok(!reply.body.includes('esi:') && !reply.body.includes('no ESI here') && !reply.body.includes('not here'));
        assert.ok(reply.body.includes('<p>ESI on</p>'));
      }
      const scripted = replies[7]!.body;
      assert.ok(scripted.includes('<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>'), 'a claim is printed HTML-escaped');
      assert.ok(!scripted.includes('<script>'));
      for (const request of origin.seen.filter((r) => r.url === '/pages/home')) {
        assert.equal(request.headers['x-user-id'], undefined, 'the shared page is made without anyone\'s identity');
        assert.equal(request.headers.authorization, undefined);
      }
      assert.equal(await gateway.metric('bouncer_compose_includes_total', { result: 'dropped' }), 1050);
    } finally {
      agent.destroy();
    }
  });

  test('without a token the include is refused: the page fails with 502 rather than showing someone\'s part', async () => {
    origin.on('/esi/open', fixed({ 'content-type': 'text/html' }, '<p>open</p><esi:include src="/fragments/greeting"/>'));
    const anonymous = await get(`${gateway.url}/esi/open`);
    assert.equal(anonymous.status, 502);
    assert.ok(!anonymous.body.includes('Hello'));
    const alice = await get(`${gateway.url}/esi/open`, bearer(await hs256({ sub: 'alice' })));
    assert.equal(alice.status, 200);
    assert.equal(alice.body, '<p>open</p><p>Hello alice</p>');
    const bob = await get(`${gateway.url}/esi/open`, bearer(await hs256({ sub: 'bob' })));
    assert.equal(bob.body, '<p>open</p><p>Hello bob</p>');
    assert.equal(bob.headers['cache-status'], 'Bouncer; hit');
    // The key records the auth state: one copy for anonymous visitors, one for every user.
    assert.equal(origin.hits('/esi/open'), 2, 'the route\'s compose: esi page is stored');
  });

  test('alt is tried when src fails; onerror="continue" drops it; otherwise 502', async () => {
    origin.on('/esi/alt', fixed({ 'content-type': 'text/html' }, '[<esi:include src="/esi/absent" alt="/esi/fallback"/>]'));
    origin.on('/esi/fallback', fixed({ 'content-type': 'text/html', 'cache-control': 'public, max-age=60' }, 'fallback'));
    origin.on('/esi/absent', (_req, res) => {
      res.writeHead(500);
      res.end('broken');
    });
    origin.on('/esi/fails', fixed({ 'content-type': 'text/html' }, '[<esi:include src="/esi/absent"/>]'));
    origin.on('/esi/drops', fixed({ 'content-type': 'text/html' }, '[<esi:include src="/esi/absent" onerror="continue"/>]'));
    assert.equal((await get(`${gateway.url}/esi/alt`)).body, '[fallback]');
    const fails = await get(`${gateway.url}/esi/fails`);
    assert.equal(fails.status, 502);
    assert.ok(!fails.body.includes('broken'));
    assert.equal((await get(`${gateway.url}/esi/drops`)).body, '[]');
  });

  test('includes nest up to compose.maxDepth: a page that includes itself ends in a 502, not a loop', async () => {
    origin.on('/esi/loop', fixed({ 'content-type': 'text/html' }, 'x<esi:include src="/esi/loop"/>'));
    origin.on('/esi/nested', fixed({ 'content-type': 'text/html' }, 'a<esi:include src="/esi/nested-2"/>'));
    origin.on('/esi/nested-2', fixed({ 'content-type': 'text/html', 'surrogate-control': 'content="ESI/1.0"' }, 'b<esi:include src="nested-3"/>'));
    origin.on('/esi/nested-3', fixed({ 'content-type': 'text/html' }, 'c'));
    assert.equal((await get(`${gateway.url}/esi/loop`)).status, 502);
    assert.ok(origin.hits('/esi/loop') <= 4, 'the page and at most three levels of includes');
    assert.equal((await get(`${gateway.url}/esi/nested`)).body, 'abc', 'a relative src resolves against its page');
  });

  test('includes of one page are fetched at once, and the page streams its parts in order', async () => {
    origin.on('/esi/slow-', (req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
        res.end(req.url!.slice(-1));
      }, 300);
    });
    origin.on('/esi/three', fixed({ 'content-type': 'text/html' }, '<esi:include src="/esi/slow-1"/><esi:include src="/esi/slow-2"/><esi:include src="/esi/slow-3"/>!'));
    const started = Date.now();
    const reply = await get(`${gateway.url}/esi/three`);
    assert.equal(reply.body, '123!');
    assert.ok(Date.now() - started < 800, `three 300 ms includes took ${Date.now() - started} ms`);
  });

  test('a compressed page is decoded once and assembled; an unsupported element is a 502, never raw markup', async () => {
    origin.on('/esi/gzip', (_req, res) => {
      res.writeHead(200, { ...ESI, 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
      res.end(gzipSync('<b><esi:vars>$(JWT{sub})</esi:vars></b>'));
    });
    origin.on('/esi/choose', fixed({ 'content-type': 'text/html' }, '<esi:choose><esi:when test="1">x</esi:when></esi:choose>'));
    const token = bearer(await hs256({ sub: 'bob' }));
    const reply = await get(`${gateway.url}/esi/gzip`, { ...token, 'accept-encoding': 'gzip' });
    assert.equal(reply.body, '<b>bob</b>');
    assert.equal(reply.headers['content-encoding'], undefined);
    const choose = await get(`${gateway.url}/esi/choose`);
    assert.equal(choose.status, 502);
    assert.ok(!choose.body.includes('esi:'));
  });

  test('a page that is not stored (no-store, Set-Cookie) is assembled too, and HEAD gets the page\'s fields', async () => {
    origin.on('/pages/private', fixed({ 'content-type': 'text/html', 'surrogate-control': 'content="ESI/1.0"', 'cache-control': 'no-store' }, '<esi:vars>$(JWT{sub})</esi:vars>'));
    const token = bearer(await hs256({ sub: 'carol' }));
    const reply = await get(`${gateway.url}/pages/private`, token);
    assert.equal(reply.body, 'carol');
    assert.equal(reply.headers['surrogate-control'], undefined);
    const head = await get(`${gateway.url}/pages/home`, token, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['cache-control'], 'private, no-cache');
    assert.equal(head.headers['surrogate-control'], undefined);
  });
});

describe('fragments in process', () => {
  test('a page whose includes are fresh hits is assembled synchronously, like a plain hit', async () => {
    const { startOrigin } = await import('../helpers/origin.js');
    const { fakeClock, inProcessGateway } = await import('../helpers/pipeline.js');
    const origin = await startOrigin();
    origin.on('/pages/', fixed(ESI, '<esi:include src="/fragments/me"/>|<esi:vars>$(JWT{sub})</esi:vars>'));
    origin.on('/fragments/me', (req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=60' });
      res.end(`part of ${req.headers['x-user-id']}`);
    });
    const gateway = await inProcessGateway(
      {
        upstream: origin.url,
        jwt: jwtConfig(),
        routes: [{ path: '/pages/' }, { path: '/fragments/', partitionBy: ['sub'], identityHeaders: { sub: 'X-User-Id' } }],
      },
      fakeClock(),
    );
    try {
      const token = bearer(await hs256({ sub: 'ivy' }));
      const first = await gateway.request('/pages/home', token);
      assert.equal(first.body, 'part of ivy|ivy');
      assert.equal(first.synchronous, false);
      const again = await gateway.request('/pages/home', token);
      assert.equal(again.body, 'part of ivy|ivy');
      assert.equal(again.synchronous, true, 'no promise when the page and its parts are fresh hits');
      assert.equal(again.headers['content-length'], String(Buffer.byteLength('part of ivy|ivy')));
    } finally {
      await gateway.close();
      await origin.close();
    }
  });
});
