// RFC 9111 shared-cache rules and the stale/refresh behaviour, against a real origin whose headers
// each test sets, with the pipeline in-process on a clock the test moves.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { fakeClock, inProcessGateway, settle, type Clock, type InProcessGateway } from '../helpers/pipeline.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

let origin: TestOrigin;
let clock: Clock;
let gw: InProcessGateway;
let auth: Record<string, string>;
let counter = 0;

/** A fresh path per test, so tests never share entries. */
function path(name: string): string {
  return `/api/${name}-${++counter}`;
}

before(async () => {
  origin = await startOrigin();
  clock = fakeClock();
  gw = await inProcessGateway(
    {
      upstream: origin.url,
      jwt: jwtConfig(),
      cache: { refreshAhead: 0 },
      routes: [
        { path: '/share/', cache: { shareAuthenticated: true } },
        { path: '/heuristic/', cache: { heuristic: 0.1, shareAuthenticated: true } },
        { path: '/swr/', cache: { staleWhileRevalidate: '30s', staleIfError: '60s' } },
        { path: '/api/' },
      ],
    },
    clock,
  );
  auth = { authorization: `Bearer ${await hs256()}` };
});

after(async () => {
  await gw.close();
  await origin.close();
});

beforeEach(() => {
  clock.now = Date.now();
});

const get = (url: string, headers: Record<string, string> = {}) => gw.request(url, { ...auth, ...headers });

describe('freshness (RFC 9111 §4.2)', () => {
  test('a fresh hit is answered synchronously: no promise between the request and its stored bytes', async () => {
    const p = path('sync');
    origin.on(p, fixed({ 'cache-control': 'public, s-maxage=60' }, 'x'));
    assert.equal((await get(p)).synchronous, false, 'the miss waits for the origin');
    const hit = await get(p);
    assert.equal(hit.headers['cache-status'], 'Bouncer; hit');
    assert.equal(hit.synchronous, true);
  });

  test('s-maxage beats max-age for a shared cache', async () => {
    const p = path('smaxage');
    origin.on(p, fixed({ 'cache-control': 'public, max-age=10, s-maxage=100' }, 'x'));
    await get(p);
    clock.advance(50_000);
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; hit');
    clock.advance(51_000);
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; fwd=miss; stored');
    assert.equal(origin.hits(p), 2);
  });

  test('Expires is used without max-age; Age from the origin shortens the lifetime', async () => {
    const p = path('expires');
    origin.on(p, (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public', date: new Date().toUTCString(), expires: new Date(Date.now() + 60_000).toUTCString() });
      res.end('x');
    });
    await get(p);
    clock.advance(30_000);
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; hit');
    const q = path('age');
    origin.on(q, fixed({ 'cache-control': 'public, s-maxage=60', age: '50' }, 'x'));
    await get(q);
    const aged = await get(q);
    assert.equal(aged.headers.age, '50');
    clock.advance(11_000);
    assert.equal((await get(q)).headers['cache-status'], 'Bouncer; fwd=miss; stored');
  });

  test('no heuristic freshness unless the route configures it', async () => {
    const lastModified = new Date(Date.now() - 10 * 86_400_000).toUTCString();
    const p = path('lm');
    origin.on(p, fixed({ 'last-modified': lastModified, 'cache-control': 'public' }, 'x'));
    await get(p);
    // Stored only for revalidation (it has a validator), never served without asking.
    assert.notEqual((await get(p)).headers['cache-status'], 'Bouncer; hit');
    const h = '/heuristic/page';
    origin.on(h, fixed({ 'last-modified': lastModified }, 'x'));
    await get(h);
    clock.advance(3_600_000 * 0.9); // within 10% of ten days
    assert.equal((await get(h)).headers['cache-status'], 'Bouncer; hit');
  });

  test('credentials: max-age alone is not shared (RFC 9111 §3.5) unless the route opts in', async () => {
    const p = path('private-ish');
    origin.on(p, fixed({ 'cache-control': 'max-age=60' }, 'x'));
    await get(p);
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; fwd=miss; detail=not-shareable');
    origin.on('/share/', fixed({ 'cache-control': 'max-age=60' }, 'shared'));
    await get('/share/a');
    assert.equal((await get('/share/a')).headers['cache-status'], 'Bouncer; hit');
    // The opt-in never overrides private, no-store or Set-Cookie.
    origin.on('/share/p', fixed({ 'cache-control': 'private, max-age=60' }, 'mine'));
    await get('/share/p');
    assert.equal((await get('/share/p')).headers['cache-status'], 'Bouncer; fwd=miss; detail=private');
  });

  test('no-cache: stored, but revalidated before every use', async () => {
    const p = path('nocache');
    origin.on(p, conditional('"v1"', 'public, no-cache'));
    assert.equal((await get(p)).status, 200);
    const second = await get(p);
    assert.equal(second.status, 200);
    assert.equal(second.body, 'body "v1"');
    assert.equal(second.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=304');
    assert.equal(origin.seen.filter((r) => r.url === p).at(-1)?.headers['if-none-match'], '"v1"');
  });

  test('no-cache under a crowd: one revalidation answers everyone waiting', async () => {
    const p = path('nocache-crowd');
    const answer = conditional('"v1"', 'public, no-cache');
    origin.on(p, (req, res) => void setTimeout(() => answer(req, res), 100));
    await get(p);
    const crowd = await Promise.all(Array.from({ length: 50 }, () => get(p)));
    assert.ok(crowd.every((r) => r.status === 200 && r.body === 'body "v1"'));
    assert.equal(origin.hits(p), 2, 'the first fetch and one collapsed revalidation');
  });

  test('must-revalidate: no stale serving once expired, even where the route allows it', async () => {
    const p = '/swr/must';
    origin.on(p, fixed({ 'cache-control': 'public, s-maxage=1, must-revalidate' }, 'x'));
    await get(p);
    clock.advance(2_000);
    const again = await get(p);
    assert.equal(again.headers['cache-status'], 'Bouncer; fwd=miss; stored');
  });
});

describe('Vary (RFC 9111 §4.1)', () => {
  test('one stored variant per Accept-Language; Vary: * is never stored', async () => {
    const p = path('vary');
    origin.on(p, (req, res) => {
      res.writeHead(200, { 'cache-control': 'public, s-maxage=60', vary: 'Accept-Language' });
      res.end(`lang ${req.headers['accept-language']}`);
    });
    assert.equal((await get(p, { 'accept-language': 'en' })).body, 'lang en');
    assert.equal((await get(p, { 'accept-language': 'fr' })).body, 'lang fr');
    const en = await get(p, { 'accept-language': 'en' });
    assert.equal(en.body, 'lang en');
    assert.equal(en.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits(p), 2);
    const star = path('star');
    origin.on(star, fixed({ 'cache-control': 'public, s-maxage=60', vary: '*' }, 'x'));
    await get(star);
    assert.equal((await get(star)).headers['cache-status'], 'Bouncer; fwd=miss; detail=vary-star');
  });

  test('Accept-Encoding is normalised: spellings share a variant, and the origin is asked for exactly that coding', async () => {
    const p = path('encoding');
    origin.on(p, (req, res) => {
      res.writeHead(200, { 'cache-control': 'public, s-maxage=60', vary: 'Accept-Encoding' });
      res.end(`coding ${req.headers['accept-encoding'] ?? 'identity'}`);
    });
    assert.equal((await get(p, { 'accept-encoding': 'gzip, deflate' })).body, 'coding gzip');
    const other = await get(p, { 'accept-encoding': 'deflate, gzip;q=0.8' });
    assert.equal(other.body, 'coding gzip');
    assert.equal(other.headers['cache-status'], 'Bouncer; hit');
    assert.equal((await get(p)).body, 'coding identity');
    assert.equal((await get(p, { 'accept-encoding': 'gzip;q=0' })).body, 'coding identity');
    assert.equal(origin.hits(p), 2);
  });
});

describe('revalidation (RFC 9111 §4.3)', () => {
  test('a stale entry with an ETag is revalidated; the 304 refreshes its headers', async () => {
    const p = path('etag');
    let cacheControl = 'public, s-maxage=10';
    origin.on(p, (req, res) => conditional('"abc"', cacheControl)(req, res));
    await get(p);
    clock.advance(11_000);
    cacheControl = 'public, s-maxage=100';
    const revalidated = await get(p);
    assert.equal(revalidated.status, 200);
    assert.equal(revalidated.body, 'body "abc"');
    assert.equal(revalidated.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=304');
    assert.equal(revalidated.headers['cache-control'], 'public, s-maxage=100');
    clock.advance(50_000);
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits(p), 2);
  });

  test('Last-Modified is revalidated with If-Modified-Since', async () => {
    const p = path('lastmod');
    const lastModified = new Date(Date.now() - 60_000).toUTCString();
    origin.on(p, (req, res) => {
      if (req.headers['if-modified-since'] === lastModified) {
        res.writeHead(304, { 'cache-control': 'public, s-maxage=10' });
        return void res.end();
      }
      res.writeHead(200, { 'cache-control': 'public, s-maxage=10', 'last-modified': lastModified });
      res.end('lm body');
    });
    await get(p);
    clock.advance(11_000);
    const again = await get(p);
    assert.equal(again.body, 'lm body');
    assert.equal(again.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=304');
  });

  test("a client's own conditional request is answered 304 from cache", async () => {
    const p = path('client-conditional');
    origin.on(p, conditional('"c1"', 'public, s-maxage=60'));
    await get(p);
    const hit = await get(p, { 'if-none-match': 'W/"c1"' });
    assert.equal(hit.status, 304);
    assert.equal(hit.body, '');
    assert.equal(hit.headers.etag, '"c1"');
    assert.equal((await get(p, { 'if-none-match': '"other"' })).status, 200);
    assert.equal(origin.hits(p), 1);
    assert.ok(!origin.seen.some((r) => r.url === p && r.headers['if-none-match'] !== undefined), 'a fetch that fills the cache is unconditional');
  });
});

describe('serving stale (RFC 5861) and refreshing ahead', () => {
  test('a crowd of 1,000 arriving as the entry expires: one origin request, nobody waits for it', async () => {
    const p = '/swr/crowd';
    let version = 1;
    origin.on(p, (_req, res) => {
      const body = `v${version++}`;
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'public, s-maxage=10' });
        res.end(body);
      }, 200);
    });
    await get(p);
    clock.advance(11_000);
    const crowd = await Promise.all(Array.from({ length: 1000 }, () => get(p)));
    assert.ok(crowd.every((r) => r.synchronous), 'every member of the crowd was answered without waiting');
    assert.deepEqual(new Set(crowd.map((r) => r.body)), new Set(['v1']));
    assert.deepEqual(new Set(crowd.map((r) => r.headers['cache-status'])), new Set(['Bouncer; hit; detail=stale-while-revalidate']));
    await settle(400);
    assert.equal(origin.hits(p), 2, 'one background refresh');
    const after = await get(p);
    assert.equal(after.body, 'v2');
    assert.equal(after.headers['cache-status'], 'Bouncer; hit');
  });

  test('refresh ahead: a steady crowd near expiry never sees a miss', async () => {
    const ahead = fakeClock();
    const gateway = await inProcessGateway({ upstream: origin.url, jwt: jwtConfig(), cache: { refreshAhead: 0.2 }, routes: [{ path: '/api/' }] }, ahead);
    try {
      const p = path('ahead');
      let version = 1;
      origin.on(p, (_req, res) => {
        res.writeHead(200, { 'cache-control': 'public, s-maxage=10' });
        res.end(`v${version++}`);
      });
      await gateway.request(p, auth);
      const statuses: string[] = [];
      for (let second = 1; second <= 25; second++) {
        ahead.advance(1_000);
        const answer = await gateway.request(p, auth);
        statuses.push(answer.headers['cache-status']!);
        await settle(20);
      }
      assert.deepEqual(new Set(statuses), new Set(['Bouncer; hit']));
      assert.ok(origin.hits(p) >= 3 && origin.hits(p) <= 4, `refreshed about once per lifetime (${origin.hits(p)})`);
    } finally {
      await gateway.close();
    }
  });

  test('stale-if-error: origin answering 503 or down → stale within the window, then a clean error', async () => {
    const p = '/swr/sie';
    let mode: 'ok' | '503' | 'hang' = 'ok';
    origin.on(p, (_req, res) => {
      if (mode === 'hang') return void res.destroy();
      res.writeHead(mode === 'ok' ? 200 : 503, { 'cache-control': 'public, s-maxage=10' });
      res.end(mode === 'ok' ? 'good' : 'down');
    });
    await get(p);
    clock.advance(10_000 + 30_000 + 1); // past fresh and past stale-while-revalidate
    mode = '503';
    const served = await get(p);
    assert.equal(served.status, 200);
    assert.equal(served.body, 'good');
    assert.equal(served.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=503; detail=stale-if-error');
    mode = 'hang';
    const cut = await get(p);
    assert.equal(cut.body, 'good');
    assert.equal(cut.headers['cache-status'], 'Bouncer; fwd=stale; detail=stale-if-error');
    clock.advance(60_000); // past stale-if-error
    assert.equal((await get(p)).status, 502);
  });
});

describe('HEAD', () => {
  test('a HEAD that misses on a large streamed body still fills the entry for GET', async () => {
    const p = path('head-large');
    origin.on(p, (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, s-maxage=60' });
      for (let i = 0; i < 10; i++) res.write('h'.repeat(10 * 1024));
      res.end();
    });
    const head = await gw.request(p, auth, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    await settle(100);
    const full = await get(p);
    assert.equal(full.headers['cache-status'], 'Bouncer; hit');
    assert.equal(full.body.length, 100 * 1024);
    assert.equal(origin.hits(p), 1);
  });
});

describe('what is never stored', () => {
  test('a GET with a body is neither served from nor stored in the cache', async () => {
    const p = path('body');
    origin.on(p, fixed({ 'cache-control': 'public, s-maxage=60' }, (req) => `saw ${req.headers['content-length']}`));
    await get(p);
    const withBody = await gw.request(p, { ...auth, 'content-length': '5' }, { body: 'hello' });
    assert.equal(withBody.headers['cache-status'], 'Bouncer; fwd=bypass');
    assert.equal(withBody.body, 'saw 5');
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; hit');
  });

  test('only the origin decides: a .css or .js path is not cached on its name', async () => {
    const p = path('me') + '/style.css';
    origin.on(p, fixed({ 'content-type': 'text/css' }, 'personal'));
    await get(p);
    assert.notEqual((await get(p)).headers['cache-status'], 'Bouncer; hit');
  });

  test('unsafe methods pass through and invalidate the target and a same-origin Location', async () => {
    const p = path('invalidate');
    const other = path('other');
    for (const target of [p, other]) origin.on(target, fixed({ 'cache-control': 'public, s-maxage=60' }, 'cached'));
    await get(p);
    await get(other);
    origin.on(`${p}/update`, (_req, res) => {
      res.writeHead(201, { location: other });
      res.end();
    });
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; hit');
    await gw.request(p, { ...auth, 'content-length': '2' }, { method: 'POST', body: '{}' });
    assert.equal((await get(p)).headers['cache-status'], 'Bouncer; fwd=miss; stored');
    await gw.request(`${p}/update`, { ...auth, 'content-length': '2' }, { method: 'PUT', body: '{}' });
    assert.equal((await get(other)).headers['cache-status'], 'Bouncer; fwd=miss; stored');
  });
});

/** An origin handler with an ETag that answers a matching If-None-Match with 304. */
function conditional(etag: string, cacheControl: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': cacheControl });
      return void res.end();
    }
    res.writeHead(200, { etag, 'cache-control': cacheControl });
    res.end(`body ${etag}`);
  };
}
