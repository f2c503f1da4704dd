// Regression: a suffix range on a stored empty representation was answered 416. RFC 9110 §14.1.1:
// "When a selected representation has zero length, the only satisfiable form of range-spec is a
// suffix-range with a non-zero suffix-length" — it is satisfiable, so 416 ("none of the ranges
// overlap") is wrong; no 206 can express it (there is no last position), so the whole, empty,
// representation is sent (§14.2 lets a server ignore Range).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliver } from '../../../src/cache/deliver.js';
import { rangeOf } from '../../../src/cache/range.js';
import { CACHE_STATUS } from '../../../src/http/cache-status.js';
import { bytes, NOW, request, storedEntry } from './fixtures.js';

const EMPTY = storedEntry({ body: bytes(''), headers: ['content-length', '0'] });

test('a non-zero suffix range on an empty body: the whole (empty) 200', () => {
  assert.deepEqual(rangeOf(EMPTY, 'GET', { range: 'bytes=-5' }), { kind: 'whole' });
  const response = deliver(EMPTY, request({ range: 'bytes=-5' }), CACHE_STATUS.hit, NOW);
  assert.equal(response.status, 200);
  assert.equal((response.body as Uint8Array).byteLength, 0);
});

test('the other forms stay unsatisfiable on an empty body', () => {
  assert.deepEqual(rangeOf(EMPTY, 'GET', { range: 'bytes=-0' }), { kind: 'unsatisfiable' });
  assert.deepEqual(rangeOf(EMPTY, 'GET', { range: 'bytes=0-' }), { kind: 'unsatisfiable' });
  assert.deepEqual(rangeOf(EMPTY, 'GET', { range: 'bytes=0-0' }), { kind: 'unsatisfiable' });
});
