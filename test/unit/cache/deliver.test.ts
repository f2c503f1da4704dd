// deliver: a stored response as the client gets it. The hot path (a fresh hit for a plain GET) hands
// out one frozen response per entry and Age second; a client's matching conditional request gets a
// 304 with only the fields RFC 9110 §15.4.5 lists; a Range request a 206 or 416; HEAD no body.
// streamed: an origin response passed through, never with Bouncer-Cache-Control.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ageSeconds, deliver, NEVER_DELIVERED, streamed } from '../../../src/cache/deliver.js';
import { CACHE_STATUS } from '../../../src/http/cache-status.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import type { OriginResponse } from '../../../src/upstream/origin.js';
import { bytes, headersOf, httpDate, NOW, request, storedEntry } from './fixtures.js';

const LM = httpDate(NOW - 86_400_000);
const entryWith = () =>
  storedEntry({
    headers: ['content-type', 'text/plain', 'cache-control', 'max-age=60', 'etag', '"v1"', 'last-modified', LM, 'vary', 'accept-encoding', 'date', httpDate(NOW), 'x-app', '1', 'content-length', '10'],
    body: bytes('0123456789'),
    etag: '"v1"',
    lastModified: LM,
    initialAge: 3,
  });
const header = (headers: readonly string[], name: string) => headersOf(headers).get(name);

describe('ageSeconds', () => {
  test('initial age plus whole seconds since the response, never negative', () => {
    const entry = storedEntry({ initialAge: 3 });
    assert.equal(ageSeconds(entry, NOW), 3);
    assert.equal(ageSeconds(entry, NOW + 1999), 4);
    assert.equal(ageSeconds(storedEntry(), NOW - 5000), 0);
  });
});

describe('deliver: the hot path', () => {
  test('a plain GET hit: status, stored headers, Age and Cache-Status, the stored body', () => {
    const entry = entryWith();
    const response = deliver(entry, request(), CACHE_STATUS.hit, NOW + 2000);
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers, [...entry.headers, 'age', '5', 'cache-status', CACHE_STATUS.hit]);
    assert.equal(response.body, entry.body);
  });
  test('the same response object within one Age second; a new one when Age changes', () => {
    const entry = entryWith();
    const first = deliver(entry, request(), CACHE_STATUS.hit, NOW);
    assert.equal(deliver(entry, request(), CACHE_STATUS.hit, NOW + 999), first);
    const later = deliver(entry, request(), CACHE_STATUS.hit, NOW + 1000);
    assert.notEqual(later, first);
    assert.deepEqual(header(later.headers, 'age'), ['4']);
    assert.equal(deliver(entry, request(), CACHE_STATUS.hit, NOW + 1500), later);
  });
  test('its header list is frozen, and the stored one is not changed', () => {
    const entry = entryWith();
    const before = [...entry.headers];
    const response = deliver(entry, request(), CACHE_STATUS.hit, NOW);
    assert.ok(Object.isFrozen(response.headers));
    assert.throws(() => (response.headers as string[]).push('x', 'y'));
    assert.deepEqual(entry.headers, before);
  });
  test('not the hot path: other Cache-Status values, HEAD, conditionals, ranges, extra lines', () => {
    const entry = entryWith();
    const hot = deliver(entry, request(), CACHE_STATUS.hit, NOW);
    for (const response of [
      deliver(entry, request(), CACHE_STATUS.staleWhileRevalidate, NOW),
      deliver(entry, request({}, 'HEAD'), CACHE_STATUS.hit, NOW),
      deliver(entry, request({ 'if-none-match': '"v2"' }), CACHE_STATUS.hit, NOW),
      deliver(entry, request({ range: 'bytes=0-1' }), CACHE_STATUS.hit, NOW),
      deliver(entry, request(), CACHE_STATUS.hit, NOW, ['set-cookie', 'sid=1']),
    ]) {
      assert.notEqual(response, hot);
      assert.equal(Object.isFrozen(response.headers), false);
    }
    assert.equal(deliver(entry, request(), CACHE_STATUS.hit, NOW), hot, 'none of them replaced the memo');
  });
  test('extra lines reach only the response they were given for', () => {
    const entry = entryWith();
    const once = deliver(entry, request(), CACHE_STATUS.revalidated, NOW, ['set-cookie', 'sid=1']);
    assert.deepEqual(header(once.headers, 'set-cookie'), ['sid=1']);
    assert.equal(header(deliver(entry, request(), CACHE_STATUS.hit, NOW).headers, 'set-cookie'), undefined);
    assert.equal(header(deliver(entry, request(), CACHE_STATUS.revalidated, NOW).headers, 'set-cookie'), undefined);
  });
  test('a stale delivery carries its own Cache-Status and Age', () => {
    const response = deliver(entryWith(), request(), CACHE_STATUS.staleWhileRevalidate, NOW + 90_000);
    assert.deepEqual(header(response.headers, 'cache-status'), [CACHE_STATUS.staleWhileRevalidate]);
    assert.deepEqual(header(response.headers, 'age'), ['93']);
  });
});

describe('deliver: conditional requests', () => {
  test('a matching If-None-Match: 304 with only the §15.4.5 fields (and Last-Modified), Age and Cache-Status, no body', () => {
    const response = deliver(entryWith(), request({ 'if-none-match': '"v1"' }), CACHE_STATUS.hit, NOW);
    assert.equal(response.status, 304);
    assert.equal(response.body, null);
    assert.deepEqual([...headersOf(response.headers).keys()].sort(), ['age', 'cache-control', 'cache-status', 'date', 'etag', 'last-modified', 'vary']);
  });
  test('Content-Location and Expires are among them', () => {
    const entry = storedEntry({ headers: ['content-location', '/p.en', 'expires', httpDate(NOW + 60_000), 'content-type', 'text/plain'], etag: '"v1"' });
    const response = deliver(entry, request({ 'if-none-match': 'W/"v1"' }), CACHE_STATUS.hit, NOW);
    assert.deepEqual([...headersOf(response.headers).keys()].sort(), ['age', 'cache-status', 'content-location', 'expires']);
  });
  test('a matching If-Modified-Since: 304', () => {
    assert.equal(deliver(entryWith(), request({ 'if-modified-since': httpDate(NOW) }), CACHE_STATUS.hit, NOW).status, 304);
  });
  test('a conditional request that does not match gets the whole 200', () => {
    const response = deliver(entryWith(), request({ 'if-none-match': '"v2"' }), CACHE_STATUS.hit, NOW);
    assert.equal(response.status, 200);
    assert.deepEqual(header(response.headers, 'content-type'), ['text/plain']);
    assert.equal(response.body?.constructor, Uint8Array);
  });
  test('a HEAD conditional request: 304 as well', () => {
    assert.equal(deliver(entryWith(), request({ 'if-none-match': '"v1"' }, 'HEAD'), CACHE_STATUS.hit, NOW).status, 304);
  });
  test('only a stored 200 is answered 304: a stored 404 is delivered as it is', () => {
    const entry = storedEntry({ status: 404, etag: '"v1"' });
    assert.equal(deliver(entry, request({ 'if-none-match': '"v1"' }), CACHE_STATUS.hit, NOW).status, 404);
  });
  test('a matching conditional wins over Range (§13.2.2)', () => {
    assert.equal(deliver(entryWith(), request({ 'if-none-match': '"v1"', range: 'bytes=0-1' }), CACHE_STATUS.hit, NOW).status, 304);
  });
});

describe('deliver: ranges and HEAD', () => {
  test('one range: 206 with its bytes, Content-Range and its own Content-Length', () => {
    const response = deliver(entryWith(), request({ range: 'bytes=2-4' }), CACHE_STATUS.hit, NOW);
    assert.equal(response.status, 206);
    assert.deepEqual(Buffer.from(response.body as Uint8Array).toString(), '234');
    assert.deepEqual(header(response.headers, 'content-range'), ['bytes 2-4/10']);
    assert.deepEqual(header(response.headers, 'content-length'), ['3']);
    assert.deepEqual(header(response.headers, 'etag'), ['"v1"']);
    assert.deepEqual(header(response.headers, 'cache-status'), [CACHE_STATUS.hit]);
  });
  test('an unsatisfiable range: 416 with Content-Range bytes */length and no body', () => {
    const response = deliver(entryWith(), request({ range: 'bytes=10-' }), CACHE_STATUS.hit, NOW);
    assert.equal(response.status, 416);
    assert.equal(response.body, null);
    assert.deepEqual(header(response.headers, 'content-range'), ['bytes */10']);
    assert.deepEqual(header(response.headers, 'content-length'), ['0']);
    assert.ok(header(response.headers, 'age'));
  });
  test('several ranges: the whole 200', () => {
    const response = deliver(entryWith(), request({ range: 'bytes=0-1,4-5' }), CACHE_STATUS.hit, NOW);
    assert.equal(response.status, 200);
    assert.equal((response.body as Uint8Array).byteLength, 10);
  });
  test('HEAD: the status and headers of a GET (Content-Length included), no body, Range ignored', () => {
    const entry = entryWith();
    for (const headers of [{}, { range: 'bytes=0-1' }] as HeaderMap[]) {
      const response = deliver(entry, request(headers, 'HEAD'), CACHE_STATUS.hit, NOW);
      assert.equal(response.status, 200);
      assert.equal(response.body, null);
      assert.deepEqual(header(response.headers, 'content-length'), ['10']);
    }
  });
});

describe('streamed', () => {
  function origin(headers: HeaderMap, status = 200) {
    let aborted = 0;
    const body = (async function* () {
      yield bytes('x');
    })();
    const upstream: OriginResponse = { status, headers, body, abort: () => void aborted++ };
    return { upstream, aborted: () => aborted };
  }
  const HEADERS = { 'bouncer-cache-control': 'max-age=600', 'cdn-cache-control': 'max-age=60', 'cache-control': 'no-store', 'content-length': '1', connection: 'close', 'keep-alive': 'timeout=5', 'set-cookie': ['a=1', 'b=2'] };

  test('Bouncer-Cache-Control never reaches the client; other cache fields, Content-Length and Set-Cookie lines do', () => {
    const { upstream } = origin(HEADERS);
    const response = streamed(upstream, request(), CACHE_STATUS.miss);
    const out = headersOf(response.headers);
    assert.equal(out.has('bouncer-cache-control'), false);
    assert.deepEqual(out.get('cdn-cache-control'), ['max-age=60']);
    assert.deepEqual(out.get('cache-control'), ['no-store']);
    assert.deepEqual(out.get('content-length'), ['1']);
    assert.deepEqual(out.get('set-cookie'), ['a=1', 'b=2']);
    assert.deepEqual(out.get('cache-status'), [CACHE_STATUS.miss]);
    assert.equal(out.has('connection') || out.has('keep-alive'), false);
    assert.equal(response.body, upstream.body);
    assert.ok(NEVER_DELIVERED.has('bouncer-cache-control'));
  });
  test('whatever the status and extra lines', () => {
    const { upstream } = origin({ 'bouncer-cache-control': 'no-store' }, 502);
    const response = streamed(upstream, request(), CACHE_STATUS.bypass, upstream.body, ['set-cookie', 'x=1']);
    assert.equal(response.status, 502);
    assert.deepEqual(response.headers, ['cache-status', CACHE_STATUS.bypass, 'set-cookie', 'x=1']);
  });
  test('HEAD: no body, and the origin body is let go', () => {
    const { upstream, aborted } = origin(HEADERS);
    const response = streamed(upstream, request({}, 'HEAD'), CACHE_STATUS.miss);
    assert.equal(response.body, null);
    assert.equal(aborted(), 1);
  });
  test('HEAD while the body is being collected for the store (another body): not aborted, still no body', () => {
    const { upstream, aborted } = origin(HEADERS);
    const tee = (async function* () {})();
    const response = streamed(upstream, request({}, 'HEAD'), CACHE_STATUS.miss, tee);
    assert.equal(response.body, null);
    assert.equal(aborted(), 0);
  });
  test('GET with another body: that body', () => {
    const { upstream, aborted } = origin(HEADERS);
    const tee = (async function* () {})();
    assert.equal(streamed(upstream, request(), CACHE_STATUS.miss, tee).body, tee);
    assert.equal(aborted(), 0);
  });
});
