// Building a stored entry: the header list as delivered (fields computed per delivery, purge labels,
// Set-Cookie and Bouncer-Cache-Control left out, Content-Length from the stored body), its times,
// its validators, policy and tags; and the reverse (headerMapOf) for a 304 to update.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import { headerMapOf, newEntry, tagsOf, type EntryInput } from '../../../src/cache/entry.js';
import type { Lifetime } from '../../../src/cache/freshness.js';
import { NEVER } from '../../../src/cache/store.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { bytes, headersOf, httpDate, NOW, storedEntry, timing } from './fixtures.js';

const LIFETIME: Lifetime = { initialAge: 5, freshMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 3_600_000 };

function input(headers: HeaderMap, overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    status: 200,
    headers,
    body: bytes('hello'),
    timing: timing(NOW, 250),
    governing: governingDirectives(headers),
    lifetime: LIFETIME,
    vary: null,
    variant: '',
    refreshAhead: 0.1,
    ...overrides,
  };
}

describe('newEntry', () => {
  test('fields not stored: Age, Surrogate-Key, Cache-Tag, Set-Cookie, Bouncer-Cache-Control, hop-by-hop', () => {
    const entry = newEntry(input({
      'content-type': 'text/plain',
      age: '3',
      'surrogate-key': 'a b',
      'cache-tag': 'c',
      'set-cookie': ['sid=1'],
      'bouncer-cache-control': 'max-age=60',
      'cache-control': 'max-age=5',
      'cdn-cache-control': 'max-age=30',
      connection: 'x-hop',
      'x-hop': '1',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
    }));
    const stored = headersOf(entry.headers);
    assert.deepEqual([...stored.keys()].sort(), ['cache-control', 'cdn-cache-control', 'content-length', 'content-type']);
  });
  test("Content-Length is the stored body's, whatever the origin said", () => {
    const entry = newEntry(input({ 'content-length': '999' }, { body: bytes('abc') }));
    assert.deepEqual(headersOf(entry.headers).get('content-length'), ['3']);
  });
  test('a field handed over as several lines is stored as several lines', () => {
    const entry = newEntry(input({ link: ['<a>; rel=preload', '<b>; rel=preload'] }));
    assert.deepEqual(headersOf(entry.headers).get('link'), ['<a>; rel=preload', '<b>; rel=preload']);
  });
  test('times: fresh from the response time for freshMs, then the stale windows after that', () => {
    const entry = newEntry(input({}));
    assert.equal(entry.requestTime, NOW - 250);
    assert.equal(entry.responseTime, NOW);
    assert.equal(entry.initialAge, 5);
    assert.equal(entry.freshUntil, NOW + 60_000);
    assert.equal(entry.staleWhileRevalidateUntil, NOW + 70_000);
    assert.equal(entry.staleIfErrorUntil, NOW + 60_000 + 3_600_000);
  });
  test('refreshAt: the last refreshAhead fraction of the fresh lifetime', () => {
    assert.equal(newEntry(input({})).refreshAt, NOW + 54_000);
    assert.equal(newEntry(input({}, { refreshAhead: 0.5 })).refreshAt, NOW + 30_000);
  });
  test('refreshAt is NEVER when refresh ahead is 0, or nothing is fresh', () => {
    assert.equal(newEntry(input({}, { refreshAhead: 0 })).refreshAt, NEVER);
    assert.equal(newEntry(input({}, { lifetime: { ...LIFETIME, freshMs: 0 } })).refreshAt, NEVER);
    assert.ok(newEntry(input({}, { refreshAhead: 0 })).refreshAt > NOW + 100 * 365 * 86_400_000);
  });
  test('the governing policy is kept with its value, even a field that is never delivered', () => {
    assert.deepEqual(newEntry(input({ 'bouncer-cache-control': 'max-age=600', 'cache-control': 'no-cache' })).policy, { field: 'bouncer-cache-control', value: 'max-age=600' });
    assert.deepEqual(newEntry(input({ 'cdn-cache-control': 'max-age=5' })).policy, { field: 'cdn-cache-control', value: 'max-age=5' });
    assert.deepEqual(newEntry(input({ 'cache-control': ['public', 'max-age=5'] })).policy, { field: 'cache-control', value: 'public, max-age=5' });
    assert.deepEqual(newEntry(input({})).policy, { field: 'cache-control', value: '' });
  });
  test('validators, Vary, variant and status as given', () => {
    const lm = httpDate(NOW - 1000);
    const entry = newEntry(input({ etag: 'W/"x"', 'last-modified': lm }, { status: 404, vary: ['accept-encoding'], variant: 'accept-encoding=gzip\n' }));
    assert.equal(entry.status, 404);
    assert.equal(entry.etag, 'W/"x"');
    assert.equal(entry.lastModified, lm);
    assert.deepEqual(entry.vary, ['accept-encoding']);
    assert.equal(entry.variant, 'accept-encoding=gzip\n');
    assert.equal(newEntry(input({})).etag, undefined);
  });
  test('tags from Surrogate-Key and Cache-Tag; the body is the one given', () => {
    const body = bytes('x');
    const entry = newEntry(input({ 'surrogate-key': 'a b', 'cache-tag': 'c, d' }, { body }));
    assert.deepEqual(entry.tags, ['a', 'b', 'c', 'd']);
    assert.equal(entry.body, body);
    assert.equal(entry.hitMemo, undefined);
  });
  test('an entry is plain data: structured-clonable, no functions, NEVER a finite number', () => {
    const entry = newEntry(input({ 'cache-control': 'max-age=60', etag: '"x"' }, { refreshAhead: 0 }));
    assert.deepEqual(structuredClone(entry), entry);
    assert.ok(Object.values(entry).every((value) => typeof value !== 'function'));
    assert.equal(Number.isFinite(entry.refreshAt), true);
  });
});

describe('headerMapOf', () => {
  test('the header list as a map; repeated names combined with ", "', () => {
    const entry = storedEntry({ headers: ['a', '1', 'b', '2', 'a', '3'] });
    assert.deepEqual(headerMapOf(entry), { a: '1, 3', b: '2' });
  });
  test('a governing field that is not delivered is put back; Cache-Control is not invented', () => {
    assert.equal(headerMapOf(storedEntry({ headers: [], policy: { field: 'bouncer-cache-control', value: 'max-age=9' } }))['bouncer-cache-control'], 'max-age=9');
    assert.equal(headerMapOf(storedEntry({ headers: [], policy: { field: 'cache-control', value: 'max-age=9' } }))['cache-control'], undefined);
    const delivered = storedEntry({ headers: ['cdn-cache-control', 'max-age=1'], policy: { field: 'cdn-cache-control', value: 'max-age=1' } });
    assert.equal(headerMapOf(delivered)['cdn-cache-control'], 'max-age=1');
  });
});

describe('headerMapOf: purge labels', () => {
  test('tags are put back so that tagsOf reads the same tags again', () => {
    const tags = ['a,b', 'plain', 'with space'];
    const map = headerMapOf(storedEntry({ headers: [], tags }));
    assert.deepEqual(tagsOf(map).sort(), [...tags].sort());
    assert.deepEqual(headerMapOf(storedEntry({ headers: [], tags: [] })), {});
  });
});

describe('tagsOf', () => {
  test('Surrogate-Key is space-separated, Cache-Tag comma-separated', () => {
    assert.deepEqual(tagsOf({ 'surrogate-key': '  a   b\tc ' }), ['a', 'b', 'c']);
    assert.deepEqual(tagsOf({ 'cache-tag': ' x ,y,, z ' }), ['x', 'y', 'z']);
    assert.deepEqual(tagsOf({ 'surrogate-key': 'a', 'cache-tag': 'b' }), ['a', 'b']);
  });
  test('none, or empty ones: no tags', () => {
    assert.deepEqual(tagsOf({}), []);
    assert.deepEqual(tagsOf({ 'surrogate-key': '  ', 'cache-tag': ' , ' }), []);
  });
  test('a Cache-Tag may contain spaces; a Surrogate-Key may contain commas', () => {
    assert.deepEqual(tagsOf({ 'cache-tag': 'product 1, product 2' }), ['product 1', 'product 2']);
    assert.deepEqual(tagsOf({ 'surrogate-key': 'a,b c' }), ['a,b', 'c']);
  });
});
