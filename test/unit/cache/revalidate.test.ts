// A 304 answering Bouncer's own conditional request: whether it selects the stored response
// (RFC 9111 §4.3.4: strong validators match strongly, weak ones weakly, Last-Modified the same
// instant; a 304 without validators selects, Bouncer's choice), and the stored fields it updates
// (§3.2: all but Content-Length, Age, Set-Cookie and hop-by-hop; a stored policy that is never
// delivered still governs).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { governingDirectives } from '../../../src/cache/directives.js';
import { selects, updatedFields } from '../../../src/cache/revalidate.js';
import { httpDate, NOW, storedEntry } from './fixtures.js';

const LM = httpDate(NOW - 86_400_000);

describe('selects', () => {
  test('a strong ETag selects a stored response with the same strong ETag', () => {
    assert.equal(selects(storedEntry({ etag: '"v1"' }), { etag: '"v1"' }), true);
    assert.equal(selects(storedEntry({ etag: '"v1"' }), { etag: '"v2"' }), false);
  });
  test('a strong ETag does not select a stored weak one of the same opaque-tag', () => {
    assert.equal(selects(storedEntry({ etag: 'W/"v1"' }), { etag: '"v1"' }), false);
  });
  test('a weak ETag selects by weak comparison (the opaque-tag)', () => {
    assert.equal(selects(storedEntry({ etag: 'W/"v1"' }), { etag: 'W/"v1"' }), true);
    assert.equal(selects(storedEntry({ etag: '"v1"' }), { etag: 'W/"v1"' }), true);
    assert.equal(selects(storedEntry({ etag: 'W/"v1"' }), { etag: 'W/"v2"' }), false);
  });
  test('an ETag on the 304 and none stored: not ours', () => {
    assert.equal(selects(storedEntry({ lastModified: LM }), { etag: '"v1"', 'last-modified': LM }), false);
  });
  test('an ETag that differs is not rescued by a matching Last-Modified', () => {
    assert.equal(selects(storedEntry({ etag: '"v1"', lastModified: LM }), { etag: '"v2"', 'last-modified': LM }), false);
  });
  test('without an ETag, Last-Modified must be the same instant (in any HTTP-date form)', () => {
    const stored = storedEntry({ lastModified: 'Sun, 06 Nov 1994 08:49:37 GMT' });
    assert.equal(selects(stored, { 'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT' }), true);
    assert.equal(selects(stored, { 'last-modified': 'Sunday, 06-Nov-94 08:49:37 GMT' }), true);
    assert.equal(selects(stored, { 'last-modified': 'Sun, 06 Nov 1994 08:49:38 GMT' }), false);
    assert.equal(selects(stored, { 'last-modified': 'garbage' }), false);
    assert.equal(selects(storedEntry(), { 'last-modified': LM }), false, 'nothing stored to compare with');
  });
  test('a 304 with neither validator selects (it answers our own conditional request)', () => {
    assert.equal(selects(storedEntry({ etag: '"v1"', lastModified: LM }), { 'cache-control': 'max-age=60' }), true);
    assert.equal(selects(storedEntry(), {}), true);
  });
});

describe('updatedFields', () => {
  const stored = storedEntry({
    headers: ['content-type', 'text/plain', 'etag', '"v1"', 'cache-control', 'max-age=60', 'x-old', 'kept', 'vary', 'accept', 'vary', 'accept-language', 'content-length', '11'],
    etag: '"v1"',
  });
  test('the fields of the 304 replace the stored ones; the others stay', () => {
    const fields = updatedFields(stored, { 'cache-control': 'max-age=120', 'x-new': 'added', date: httpDate(NOW) });
    assert.equal(fields['cache-control'], 'max-age=120');
    assert.equal(fields['x-new'], 'added');
    assert.equal(fields.date, httpDate(NOW));
    assert.equal(fields['x-old'], 'kept');
    assert.equal(fields['content-type'], 'text/plain');
  });
  test('stored repeated fields come back combined; a repeated field on the 304 is combined', () => {
    const fields = updatedFields(stored, { 'x-multi': ['a', 'b'] });
    assert.equal(fields.vary, 'accept, accept-language');
    assert.equal(fields['x-multi'], 'a, b');
  });
  test('Content-Length, Age, Set-Cookie and hop-by-hop fields of the 304 are not taken', () => {
    const fields = updatedFields(stored, { 'content-length': '0', age: '30', 'set-cookie': ['sid=1'], 'transfer-encoding': 'chunked', connection: 'close', 'keep-alive': 'timeout=5' });
    assert.equal(fields['content-length'], '11');
    for (const name of ['age', 'set-cookie', 'transfer-encoding', 'connection', 'keep-alive']) assert.equal(fields[name], undefined, name);
  });
  test('an absent value is not an update', () => {
    assert.equal(updatedFields(stored, { 'x-old': undefined })['x-old'], 'kept');
  });
  test('a stored Bouncer-Cache-Control policy (never delivered, so not in the header list) is kept and still governs', () => {
    const governed = storedEntry({ policy: { field: 'bouncer-cache-control', value: 'max-age=600' } });
    assert.equal(governed.headers.includes('bouncer-cache-control'), false);
    const fields = updatedFields(governed, { 'cache-control': 'no-store' });
    assert.equal(fields['bouncer-cache-control'], 'max-age=600');
    const governing = governingDirectives(fields);
    assert.equal(governing.field, 'bouncer-cache-control');
    assert.equal(governing.directives.has('no-store'), false);
  });
  test('a 304 with its own Bouncer-Cache-Control replaces the stored policy', () => {
    const governed = storedEntry({ policy: { field: 'bouncer-cache-control', value: 'max-age=600' } });
    assert.equal(updatedFields(governed, { 'bouncer-cache-control': 'no-store' })['bouncer-cache-control'], 'no-store');
  });
  test('the stored entry is not changed', () => {
    const before = [...stored.headers];
    updatedFields(stored, { 'cache-control': 'no-store' });
    assert.deepEqual(stored.headers, before);
  });
});
