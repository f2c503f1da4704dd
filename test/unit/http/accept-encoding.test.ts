// Accept-Encoding reduced to the coding a typical origin picks: br, then gzip (x-gzip), else identity;
// a coding with q=0 is refused (RFC 9110 §12.5.3), names and parameters compared case-insensitively.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseAcceptEncoding } from '../../../src/http/accept-encoding.js';

test('br is preferred over gzip whatever the order or weights', () => {
  assert.equal(normaliseAcceptEncoding('gzip, deflate, br'), 'br');
  assert.equal(normaliseAcceptEncoding('br;q=0.1, gzip;q=1'), 'br');
  assert.equal(normaliseAcceptEncoding('BR'), 'br');
});
test('gzip (or its alias x-gzip) without br', () => {
  assert.equal(normaliseAcceptEncoding('gzip, deflate'), 'gzip');
  assert.equal(normaliseAcceptEncoding('x-gzip'), 'gzip');
  assert.equal(normaliseAcceptEncoding('GZip;Q=0.5'), 'gzip');
});
test('a coding refused with q=0 (or an unreadable weight) is not accepted', () => {
  assert.equal(normaliseAcceptEncoding('br;q=0, gzip'), 'gzip');
  assert.equal(normaliseAcceptEncoding('br;q=0.000, gzip;q=0'), 'identity');
  assert.equal(normaliseAcceptEncoding('br ; q=0 , gzip'), 'gzip');
  assert.equal(normaliseAcceptEncoding('br;q=abc'), 'identity');
  assert.equal(normaliseAcceptEncoding('br;level=1;q=0.001'), 'br');
});
test('absent, empty, or only other codings: identity', () => {
  assert.equal(normaliseAcceptEncoding(undefined), 'identity');
  assert.equal(normaliseAcceptEncoding(''), 'identity');
  assert.equal(normaliseAcceptEncoding('deflate, zstd'), 'identity');
  assert.equal(normaliseAcceptEncoding('identity'), 'identity');
  assert.equal(normaliseAcceptEncoding(' , ,'), 'identity');
});
test('spellings that accept the same codings give the same answer (one cache variant)', () => {
  const spellings = ['gzip, deflate, br', 'br, gzip', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'deflate, br'];
  assert.deepEqual(new Set(spellings.map(normaliseAcceptEncoding)), new Set(['br']));
});
