// Accept-Encoding reduced to the coding a typical origin picks: br, then gzip (x-gzip), else identity;
// a coding with q=0 is refused (RFC 9110 §12.5.3), names and parameters compared case-insensitively.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
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

// The straightforward reading (split, Set) the parser replaced, as the oracle of a property test.
function reference(value: string | undefined): string {
  if (!value) return 'identity';
  const accepted = new Set<string>();
  for (const part of value.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (coding && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(coding.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('x-gzip')) return 'gzip';
  return 'identity';
}

test('agrees with the split-and-Set reading on 20,000 random fields', () => {
  const piece = fc.constantFrom('br', 'BR', 'gzip', 'x-gzip', 'GZip', 'deflate', 'zstd', '*', 'identity', ',', ', ', ' ', ';', 'q=0', 'Q=0', 'q=1', 'q=0.5', 'q=', 'q=abc', 'level=1', ';q=0', ';q=0.001', ' ;q=1', 'q= 1');
  const field = fc.array(piece, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join(''));
  fc.assert(
    fc.property(field, (value) => normaliseAcceptEncoding(value) === reference(value)),
    { numRuns: 20_000 },
  );
});
