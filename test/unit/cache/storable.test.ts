// Whether a response may be stored as shared content (RFC 9111 §3, §3.5), every refusal reason, and
// Bouncer's own invariants: Set-Cookie, private, no-store (unless must-understand) and Vary: * are
// never stored whatever a route says.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import { assess, hasValidator, type Assessment, type StoreRule } from '../../../src/cache/storable.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { httpDate, NOW, rule, timing } from './fixtures.js';

interface Case {
  readonly status?: number;
  readonly headers: HeaderMap;
  readonly credentialed?: boolean;
  readonly rule?: Partial<StoreRule>;
}

const assessed = ({ status = 200, headers, credentialed = false, rule: overrides = {} }: Case): Assessment =>
  assess({ status, headers, governing: governingDirectives(headers), credentialed, rule: rule(overrides), timing: timing() });
const reason = (c: Case) => {
  const a = assessed(c);
  return a.storable ? 'storable' : a.reason;
};
const FRESH = { 'cache-control': 'max-age=60' };

describe('assess', () => {
  test('a fresh 200 is storable, with its lifetime and no Vary', () => {
    const a = assessed({ headers: FRESH });
    assert.ok(a.storable);
    assert.equal(a.lifetime.freshMs, 60_000);
    assert.equal(a.vary, null);
  });
  test('Vary names come back lower-case, sorted, unique', () => {
    const a = assessed({ headers: { ...FRESH, vary: 'Accept-Language, accept-encoding, ACCEPT-LANGUAGE' } });
    assert.ok(a.storable);
    assert.deepEqual(a.vary, ['accept-encoding', 'accept-language']);
  });
  test('set-cookie: never stored, whatever else the response or the route say', () => {
    assert.equal(reason({ headers: { ...FRESH, 'cache-control': 'public, s-maxage=60', 'set-cookie': ['a=1'] } }), 'set-cookie');
    assert.equal(reason({ headers: { ...FRESH, 'set-cookie': 'a=1' }, rule: { ttl: 60_000, shareAuthenticated: true } }), 'set-cookie');
  });
  test('private, qualified or not (§5.2.2.7), in the governing field', () => {
    assert.equal(reason({ headers: { 'cache-control': 'private, max-age=60' } }), 'private');
    assert.equal(reason({ headers: { 'cache-control': 'private="x-user", max-age=60' } }), 'private');
    assert.equal(reason({ headers: { 'cache-control': 'PRIVATE, max-age=60' }, rule: { ttl: 60_000 } }), 'private');
    assert.equal(reason({ headers: { 'bouncer-cache-control': 'private', 'cache-control': 'public, max-age=60' } }), 'private');
    assert.equal(reason({ headers: { 'cdn-cache-control': 'max-age=60', 'cache-control': 'private' } }), 'storable', 'a targeted field hides Cache-Control');
    assert.equal(reason({ headers: { 'cdn-cache-control': 'private=?0, max-age=60' } }), 'storable', 'private=?0 is no private');
  });
  test('no-store (§5.2.2.5), even with a route ttl', () => {
    assert.equal(reason({ headers: { 'cache-control': 'no-store, max-age=60' } }), 'no-store');
    assert.equal(reason({ headers: { 'cache-control': 'no-store' }, rule: { ttl: 60_000 } }), 'no-store');
  });
  test('must-understand: overrides no-store for a status this cache understands, refuses any other (§5.2.2.3)', () => {
    assert.equal(reason({ headers: { 'cache-control': 'must-understand, no-store, max-age=60' } }), 'storable');
    assert.equal(reason({ status: 451, headers: { 'cache-control': 'must-understand, no-store, max-age=60' } }), 'storable');
    assert.equal(reason({ status: 299, headers: { 'cache-control': 'must-understand, no-store, max-age=60' } }), 'status');
    assert.equal(reason({ status: 299, headers: { 'cache-control': 'must-understand, max-age=60' } }), 'status');
    assert.equal(reason({ status: 206, headers: { 'cache-control': 'must-understand, max-age=60' } }), 'status');
  });
  test('Vary: * never matches a request (§4.1)', () => {
    assert.equal(reason({ headers: { ...FRESH, vary: '*' } }), 'vary-star');
    assert.equal(reason({ headers: { ...FRESH, vary: 'accept, *' } }), 'vary-star');
    assert.equal(reason({ headers: { ...FRESH, vary: ['accept', '*'] }, rule: { ttl: 60_000 } }), 'vary-star');
  });
  test('status: not final (1xx), partial (206), 304, or beyond 999', () => {
    for (const status of [100, 101, 103, 199, 206, 304, 1000]) assert.equal(reason({ status, headers: { 'cache-control': 'public, max-age=60' } }), 'status', String(status));
  });
  test('status: not heuristically cacheable without an explicit lifetime or public (§3)', () => {
    assert.equal(reason({ status: 302, headers: { etag: '"a"' } }), 'status');
    assert.equal(reason({ status: 500, headers: { etag: '"a"' } }), 'status');
    assert.equal(reason({ status: 302, headers: FRESH }), 'storable');
    assert.equal(reason({ status: 302, headers: { expires: httpDate(NOW + 60_000) } }), 'storable');
    assert.equal(reason({ status: 307, headers: { 'cache-control': 'public', etag: '"a"' } }), 'storable');
    assert.equal(reason({ status: 404, headers: { etag: '"a"' } }), 'storable');
    assert.equal(reason({ status: 500, headers: { 'cdn-cache-control': 'public', etag: '"a"' } }), 'storable');
  });
  test('not-shareable: a response to a credentialed request without public, s-maxage or must-revalidate (§3.5)', () => {
    assert.equal(reason({ credentialed: true, headers: FRESH }), 'not-shareable');
    assert.equal(reason({ credentialed: false, headers: FRESH }), 'storable');
    for (const cc of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) assert.equal(reason({ credentialed: true, headers: { 'cache-control': cc } }), 'storable', cc);
    assert.equal(reason({ credentialed: true, headers: { 'cdn-cache-control': 'public, max-age=60' } }), 'storable');
    assert.equal(reason({ credentialed: true, headers: { 'cdn-cache-control': 'max-age=60', 'cache-control': 'public' } }), 'not-shareable', 'public in a hidden field does not count');
  });
  test('unless the route shares: shareAuthenticated, or a route ttl (the operator opted in)', () => {
    assert.equal(reason({ credentialed: true, headers: FRESH, rule: { shareAuthenticated: true } }), 'storable');
    assert.equal(reason({ credentialed: true, headers: {}, rule: { ttl: 60_000 } }), 'storable');
  });
  test('not-fresh: nothing to serve without revalidation, and no validator to revalidate with', () => {
    assert.equal(reason({ headers: {} }), 'not-fresh');
    assert.equal(reason({ headers: { 'cache-control': 'max-age=0' } }), 'not-fresh');
    assert.equal(reason({ headers: { 'cache-control': 'no-cache, max-age=60' } }), 'not-fresh');
    assert.equal(reason({ headers: { 'cache-control': 'max-age=60', age: '60' } }), 'not-fresh');
    assert.equal(reason({ headers: { expires: '0' } }), 'not-fresh');
  });
  test('a stale response with a validator is storable, to be revalidated on use', () => {
    for (const validator of [{ etag: '"a"' }, { 'last-modified': httpDate(NOW - 60_000) }]) {
      const a = assessed({ headers: { 'cache-control': 'no-cache', ...validator } });
      assert.ok(a.storable, JSON.stringify(validator));
      assert.equal(a.lifetime.freshMs, 0);
    }
  });
  test('heuristic freshness (when configured) or a route ttl make a response without any lifetime storable', () => {
    assert.equal(reason({ headers: { 'last-modified': httpDate(NOW - 86_400_000) }, rule: {} }), 'storable', 'a validator');
    const a = assessed({ headers: { date: httpDate(NOW), 'last-modified': httpDate(NOW - 86_400_000) }, rule: { heuristic: 0.1 } });
    assert.ok(a.storable);
    assert.equal(a.lifetime.freshMs, 8_640_000);
    assert.equal(reason({ headers: {}, rule: { ttl: 60_000 } }), 'storable');
    assert.equal(reason({ status: 404, headers: {}, rule: { ttl: 60_000 } }), 'storable');
    assert.equal(reason({ status: 500, headers: {}, rule: { ttl: 60_000 } }), 'status', 'the ttl is for heuristically cacheable statuses');
  });
  test('refusals are checked in a fixed order: set-cookie, private, no-store, Vary: *, status, sharing, freshness', () => {
    const all = { 'set-cookie': 'a=1', 'cache-control': 'private, no-store', vary: '*' };
    assert.equal(reason({ status: 206, credentialed: true, headers: all }), 'set-cookie');
    const { 'set-cookie': _c, ...noCookie } = all;
    assert.equal(reason({ status: 206, credentialed: true, headers: noCookie }), 'private');
    assert.equal(reason({ status: 206, credentialed: true, headers: { ...noCookie, 'cache-control': 'no-store' } }), 'no-store');
    assert.equal(reason({ status: 206, credentialed: true, headers: { vary: '*' } }), 'vary-star');
    assert.equal(reason({ status: 206, credentialed: true, headers: {} }), 'status');
    assert.equal(reason({ credentialed: true, headers: {} }), 'not-shareable');
  });
});

describe('hasValidator', () => {
  test('an ETag or a Last-Modified (§4.3.1)', () => {
    assert.equal(hasValidator({ etag: 'W/"a"' }), true);
    assert.equal(hasValidator({ 'last-modified': httpDate(NOW) }), true);
    assert.equal(hasValidator({ date: httpDate(NOW) }), false);
  });
});
