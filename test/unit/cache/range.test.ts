// Range requests answered from a stored complete 200 (RFC 9110 §14): one bytes range → its part
// (suffix and open ranges included, the last position clamped), an unsatisfiable one → 416, and
// everything else (several ranges, another unit, an invalid spec, an If-Range that does not hold)
// → the whole representation. Only GET has range semantics.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { rangeOf } from '../../../src/cache/range.js';
import { bytes, httpDate, NOW, storedEntry } from './fixtures.js';

const TEN = storedEntry({ body: bytes('0123456789'), etag: '"v1"', lastModified: httpDate(NOW - 86_400_000) });
const range = (value: string, extra: Record<string, string> = {}, entry = TEN, method = 'GET') => rangeOf(entry, method, { range: value, ...extra });
const part = (start: number, end: number) => ({ kind: 'partial', start, end });
const WHOLE = { kind: 'whole' };
const UNSATISFIABLE = { kind: 'unsatisfiable' };

describe('rangeOf', () => {
  test('no Range: the whole representation', () => {
    assert.deepEqual(rangeOf(TEN, 'GET', {}), WHOLE);
  });
  test('one range: its first and last positions, inclusive', () => {
    assert.deepEqual(range('bytes=0-4'), part(0, 4));
    assert.deepEqual(range('bytes=3-3'), part(3, 3));
    assert.deepEqual(range('bytes=9-9'), part(9, 9));
    assert.deepEqual(range('BYTES=2-5'), part(2, 5), 'the unit is case-insensitive');
  });
  test('a last position beyond the end is clamped to the end (§14.1.1)', () => {
    assert.deepEqual(range('bytes=5-100'), part(5, 9));
    assert.deepEqual(range('bytes=0-99999999999999999999'), part(0, 9));
  });
  test('an open range runs to the end', () => {
    assert.deepEqual(range('bytes=5-'), part(5, 9));
    assert.deepEqual(range('bytes=0-'), part(0, 9));
  });
  test('a suffix range is the last N bytes, all of them when N is larger (§14.1.3)', () => {
    assert.deepEqual(range('bytes=-3'), part(7, 9));
    assert.deepEqual(range('bytes=-10'), part(0, 9));
    assert.deepEqual(range('bytes=-50'), part(0, 9));
  });
  test('unsatisfiable: a first position at or past the end, or a zero-length suffix', () => {
    assert.deepEqual(range('bytes=10-'), UNSATISFIABLE);
    assert.deepEqual(range('bytes=10-20'), UNSATISFIABLE);
    assert.deepEqual(range('bytes=-0'), UNSATISFIABLE);
    assert.deepEqual(range('bytes=0-', {}, storedEntry({ body: bytes('') })), UNSATISFIABLE);
  });
  test('several ranges, another unit, or an invalid spec: the whole representation (§14.2 lets us ignore Range)', () => {
    for (const value of ['bytes=0-1,3-4', 'bytes=0-1, 5-6', 'items=0-1', 'bytes=5-2', 'bytes=-', 'bytes=a-b', 'bytes 0-1', 'bytes=0-1-2', '', 'bytes=1.5-2']) {
      assert.deepEqual(range(value), WHOLE, value);
    }
  });
  test('only GET, and only a stored 200', () => {
    assert.deepEqual(range('bytes=0-1', {}, TEN, 'HEAD'), WHOLE);
    assert.deepEqual(range('bytes=0-1', {}, storedEntry({ status: 404, body: bytes('not found') })), WHOLE);
  });
  test('If-Range with the strong ETag: the range; with another ETag: the whole', () => {
    assert.deepEqual(range('bytes=0-1', { 'if-range': '"v1"' }), part(0, 1));
    assert.deepEqual(range('bytes=0-1', { 'if-range': '"v2"' }), WHOLE);
  });
  test('If-Range with a weak ETag never matches (§13.1.5 needs a strong comparison)', () => {
    assert.deepEqual(range('bytes=0-1', { 'if-range': 'W/"v1"' }), WHOLE);
    assert.deepEqual(range('bytes=0-1', { 'if-range': '"v1"' }, storedEntry({ body: TEN.body, etag: 'W/"v1"' })), WHOLE);
    assert.deepEqual(range('bytes=0-1', { 'if-range': '"v1"' }, storedEntry({ body: TEN.body })), WHOLE, 'no stored ETag');
  });
  test('If-Range with a date: the range only when it is exactly Last-Modified', () => {
    assert.deepEqual(range('bytes=0-1', { 'if-range': TEN.lastModified! }), part(0, 1));
    assert.deepEqual(range('bytes=0-1', { 'if-range': httpDate(NOW) }), WHOLE);
    assert.deepEqual(range('bytes=0-1', { 'if-range': 'garbage' }), WHOLE);
    assert.deepEqual(range('bytes=0-1', { 'if-range': httpDate(NOW) }, storedEntry({ body: TEN.body })), WHOLE, 'no stored Last-Modified');
  });
  test('If-Range that does not hold beats an unsatisfiable range: the whole', () => {
    assert.deepEqual(range('bytes=50-', { 'if-range': '"v2"' }), WHOLE);
  });
  test('the arithmetic of a single range, for any length and positions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.option(fc.nat(400)), fc.option(fc.nat(400)), (length, first, last) => {
        const entry = storedEntry({ body: new Uint8Array(length) });
        const answer = range(`bytes=${first ?? ''}-${last ?? ''}`, {}, entry);
        if (first === null && last === null) return assert.deepEqual(answer, WHOLE);
        if (first === null) return assert.deepEqual(answer, last === 0 ? UNSATISFIABLE : part(Math.max(0, length - last!), length - 1));
        if (last !== null && last < first) return assert.deepEqual(answer, WHOLE);
        if (first >= length) return assert.deepEqual(answer, UNSATISFIABLE);
        assert.deepEqual(answer, part(first, Math.min(last ?? length - 1, length - 1)));
        const { start, end } = answer as { start: number; end: number };
        assert.ok(0 <= start && start <= end && end < length);
      }),
    );
  });
});
