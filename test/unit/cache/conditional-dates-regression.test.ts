// Regression: If-Modified-Since, If-Range and a 304's Last-Modified were read with Date.parse.
// RFC 9110 §13.1.3: a recipient MUST ignore an If-Modified-Since that is not a valid HTTP-date, yet
// "If-Modified-Since: 2099" answered 304 for any stored response; and §13.1.5 compares If-Range to
// an HTTP-date, yet "2026-01-14" matched a Last-Modified of that midnight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notModified } from '../../../src/cache/conditional.js';
import { rangeOf } from '../../../src/cache/range.js';
import { selects } from '../../../src/cache/revalidate.js';
import { bytes, httpDate, storedEntry } from './fixtures.js';

const MIDNIGHT = Date.UTC(2026, 0, 14);
const entry = storedEntry({ body: bytes('0123456789'), lastModified: httpDate(MIDNIGHT) });

test('an If-Modified-Since that is not an HTTP-date is ignored', () => {
  for (const since of ['2099', '2099-01-01', 'Thu, 01 Jan 2099', '9999']) assert.equal(notModified(entry, { 'if-modified-since': since }), false, since);
  assert.equal(notModified(entry, { 'if-modified-since': httpDate(MIDNIGHT) }), true);
});

test('an If-Range that is not an HTTP-date does not hold', () => {
  assert.deepEqual(rangeOf(entry, 'GET', { range: 'bytes=0-1', 'if-range': '2026-01-14' }), { kind: 'whole' });
  assert.deepEqual(rangeOf(entry, 'GET', { range: 'bytes=0-1', 'if-range': '2026-01-14T00:00:00Z' }), { kind: 'whole' });
  assert.deepEqual(rangeOf(entry, 'GET', { range: 'bytes=0-1', 'if-range': httpDate(MIDNIGHT) }), { kind: 'partial', start: 0, end: 1 });
});

test("a 304's Last-Modified that is not an HTTP-date does not select", () => {
  assert.equal(selects(entry, { 'last-modified': '2026-01-14' }), false);
  assert.equal(selects(entry, { 'last-modified': 'Wednesday, 14-Jan-26 00:00:00 GMT' }), true);
});
