// RFC 9111 / 5861 / 9213 behaviour of a real gateway process in front of a real origin, where the
// runtime's own HTTP stack matters (repeated field lines, interim responses, an origin that is
// gone). Time-driven rules (windows ending) are tested in-process with a fake clock
// (cache-rules.test.ts). Runs under Node and under Bun (BOUNCER_TEST_RUNTIME).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startGateway } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { startOrigin } from '../helpers/origin.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const underBun = (process.env.BOUNCER_TEST_RUNTIME ?? '').includes('bun');

describe('HTTP caching conformance through the running gateway', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig(),
    routes: [{ path: '/api/' }],
  }));
  const token = async () => bearer(await hs256());

  test('RFC 9110 §5.3: two Cache-Control lines are one field (max-age=3600 and s-maxage=1): stored, not a 502', async () => {
    origin.on('/api/two-lines', (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('cache-control', ['max-age=3600', 's-maxage=1']);
      res.end('two lines');
    });
    const first = await get(`${gateway.url}/api/two-lines`, await token());
    assert.equal(first.status, 200);
    assert.equal(first.headers['cache-status'], 'Bouncer; fwd=miss; stored');
    const second = await get(`${gateway.url}/api/two-lines`, await token());
    assert.equal(second.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits('/api/two-lines'), 1);
  });

  test('directive names are case-insensitive (RFC 9111 §5.2)', async () => {
    origin.on('/api/upper', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'PUBLIC, S-MaxAge=60' });
      res.end('upper');
    });
    await get(`${gateway.url}/api/upper`, await token());
    assert.equal((await get(`${gateway.url}/api/upper`, await token())).headers['cache-status'], 'Bouncer; hit');
  });

  test('RFC 9213: CDN-Cache-Control governs over Cache-Control; Bouncer-Cache-Control over both, and never reaches a client', async () => {
    origin.on('/api/cdn', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'no-store', 'cdn-cache-control': 'public, max-age=60' });
      res.end('cdn');
    });
    origin.on('/api/own', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=60', 'cdn-cache-control': 'no-store', 'bouncer-cache-control': 'public, max-age=60' });
      res.end('own');
    });
    origin.on('/api/own-no-store', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=60', 'bouncer-cache-control': 'no-store' });
      res.end('own no-store');
    });
    for (const path of ['/api/cdn', '/api/own']) {
      await get(`${gateway.url}${path}`, await token());
      const hit = await get(`${gateway.url}${path}`, await token());
      assert.equal(hit.headers['cache-status'], 'Bouncer; hit', path);
      assert.equal(hit.headers['bouncer-cache-control'], undefined, path);
    }
    assert.equal((await get(`${gateway.url}/api/cdn`, await token())).headers['cdn-cache-control'], 'public, max-age=60', 'CDN-Cache-Control is for CDNs further down too');
    const refused = await get(`${gateway.url}/api/own-no-store`, await token());
    assert.equal(refused.headers['cache-status'], 'Bouncer; fwd=miss; detail=no-store');
    assert.equal(refused.headers['bouncer-cache-control'], undefined);
  });

  test('Range from a stored complete response: 206 with Content-Range, 416 past the end, If-Range that does not match: 200', async () => {
    origin.on('/api/range', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60', etag: '"r1"' });
      res.end('0123456789');
    });
    const miss = await get(`${gateway.url}/api/range`, { ...(await token()), range: 'bytes=2-5' });
    assert.equal(miss.status, 206);
    assert.equal(miss.body, '2345');
    assert.equal(miss.headers['content-range'], 'bytes 2-5/10');
    const suffix = await get(`${gateway.url}/api/range`, { ...(await token()), range: 'bytes=-3' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.body, '789');
    assert.equal(suffix.headers['cache-status'], 'Bouncer; hit');
    const past = await get(`${gateway.url}/api/range`, { ...(await token()), range: 'bytes=20-' });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], 'bytes */10');
    const stale = await get(`${gateway.url}/api/range`, { ...(await token()), range: 'bytes=0-1', 'if-range': '"other"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.body, '0123456789');
    const matching = await get(`${gateway.url}/api/range`, { ...(await token()), range: 'bytes=0-1', 'if-range': '"r1"' });
    assert.equal(matching.status, 206);
    assert.equal(matching.body, '01');
    assert.equal(origin.hits('/api/range'), 1, 'the origin was asked once, for the whole response');
    assert.equal(origin.seen.find((r) => r.url === '/api/range')?.headers.range, undefined);
  });

  test('103 Early Hints are relayed to the client where the runtime can, and never stored', async () => {
    origin.on('/api/hints', (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
        res.end('hinted');
      }, 50);
    });
    const auth = await token();
    const withHints = () =>
      new Promise<{ hints: string[]; status: number; body: string }>((resolve, reject) => {
        const hints: string[] = [];
        const req = request(`${gateway.url}/api/hints`, { headers: auth, agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ hints, status: res.statusCode ?? 0, body }));
        });
        req.on('information', (info) => hints.push(`${info.statusCode} ${String(info.headers.link)}`));
        req.on('error', reject);
        req.end();
      });
    const first = await withHints();
    assert.equal(first.status, 200);
    assert.equal(first.body, 'hinted');
    // Bun.serve cannot send an interim response: there the hint is dropped, never an error.
    assert.deepEqual(first.hints, underBun ? [] : ['103 </style.css>; rel=preload; as=style']);
    const hit = await withHints();
    assert.equal(hit.body, 'hinted');
    assert.deepEqual(hit.hints, [], 'a hit has no interim response: it was never stored');
  });

  test('an origin answering 500 without stale-if-error: the stale copy stands in (cache.staleOnError)', async () => {
    let failing = false;
    origin.on('/api/flaky', (_req, res) => {
      res.writeHead(failing ? 500 : 200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=0', etag: '"f"' });
      res.end(failing ? 'broken' : 'good copy');
    });
    await get(`${gateway.url}/api/flaky`, await token());
    failing = true;
    const served = await get(`${gateway.url}/api/flaky`, await token());
    assert.equal(served.status, 200);
    assert.equal(served.body, 'good copy');
    assert.equal(served.headers['cache-status'], 'Bouncer; fwd=stale; fwd-status=500; detail=stale-if-error');
  });
});

describe('origin stopped', () => {
  test('stale content is served without stale-if-error; with a route staleIfError of 0 or nothing stored: a clean 502, logged with its cause', async () => {
    const origin = await startOrigin();
    origin.on('/api/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=0', etag: '"s"' });
      res.end('kept');
    });
    origin.on('/strict/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=0', etag: '"s"' });
      res.end('strict');
    });
    const gateway = await startGateway({
      upstream: origin.url,
      jwt: jwtConfig(),
      routes: [{ path: '/strict/', cache: { staleIfError: 0 } }, { path: '/api/' }],
    });
    try {
      const auth = bearer(await hs256());
      assert.equal((await get(`${gateway.url}/api/page`, auth)).body, 'kept');
      assert.equal((await get(`${gateway.url}/strict/page`, auth)).body, 'strict');
      await origin.close();
      const stale = await get(`${gateway.url}/api/page`, auth);
      assert.equal(stale.status, 200);
      assert.equal(stale.body, 'kept');
      assert.equal(stale.headers['cache-status'], 'Bouncer; fwd=stale; detail=stale-if-error');
      const strict = await get(`${gateway.url}/strict/page`, auth);
      assert.equal(strict.status, 502);
      const never = await get(`${gateway.url}/api/never-stored`, auth);
      assert.equal(never.status, 502);
      assert.equal(never.headers['cache-status'], 'Bouncer; detail=error');
      const answered502 = () => gateway.output().split('\n').filter((line) => line.includes('answered 502'));
      // The log line is written as the answer goes out; give the pipe a moment (bounded).
      for (let i = 0; i < 100 && answered502().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      const logged = answered502();
      assert.equal(logged.length, 2, gateway.output());
      for (const line of logged) assert.match(line, /"cause":"BOUNCER_UPSTREAM_UNREACHABLE"/);
    } finally {
      await gateway.stop();
    }
  });
});
