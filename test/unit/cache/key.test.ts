// The content key: URL (sorted query), auth state, partition and keyed headers. Anonymous and
// authenticated requests never share a key; query order does not matter; and since an accepted
// request-target has no control characters, neither the partition nor the keyed headers can be
// forged through the URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { partitionValues } from '../../../src/auth/identity.js';
import { contentKey, urlKey, urlOfKey, VARIANT_SEPARATOR } from '../../../src/cache/key.js';
import { variantOf } from '../../../src/cache/vary.js';
import { parseTarget, type Target } from '../../../src/http/target.js';
import { sortQuery } from '../../../src/http/query.js';
import { varyRequest } from './fixtures.js';

test('anonymous and authenticated keys differ, for every partition', () => {
  assert.notEqual(contentKey('/p', '', 'anonymous', ''), contentKey('/p', '', 'user', ''));
  assert.notEqual(contentKey('/p', 'a=1', 'anonymous', 's4:acme'), contentKey('/p', 'a=1', 'user', 's4:acme'));
});
test('query order does not matter; values and names do', () => {
  assert.equal(contentKey('/p', 'b=2&a=1', 'user', ''), contentKey('/p', 'a=1&b=2', 'user', ''));
  assert.notEqual(contentKey('/p', 'a=1', 'user', ''), contentKey('/p', 'a=2', 'user', ''));
  assert.notEqual(contentKey('/p', '', 'user', ''), contentKey('/p', 'a', 'user', ''));
});
test('partitions and keyed headers split the key', () => {
  assert.notEqual(contentKey('/p', '', 'user', 's4:acme'), contentKey('/p', '', 'user', 's6:globex'));
  assert.notEqual(contentKey('/p', '', 'user', '', 'x-forwarded-host=a\n'), contentKey('/p', '', 'user', '', 'x-forwarded-host=b\n'));
  assert.notEqual(contentKey('/p', '', 'user', ''), contentKey('/p', '', 'user', '', 'x-forwarded-host=a\n'));
});
test('urlKey is "GET path?sorted-query", and every key of a URL leads back to it (purge by URL)', () => {
  assert.equal(urlKey('/p', 'b=2&a=1'), 'GET /p?a=1&b=2');
  assert.equal(urlKey('/p', ''), 'GET /p');
  for (const key of [contentKey('/p', 'b=2&a=1', 'user', 's4:acme', 'h=1\n'), contentKey('/p', 'a=1&b=2', 'anonymous', '')]) assert.equal(urlOfKey(key), 'GET /p?a=1&b=2');
  assert.equal(urlOfKey('GET /x'), 'GET /x');
});
test('no variant separator in a content key (the memory store splits variants on it)', () => {
  assert.equal(contentKey('/p', 'a=1', 'user', 's1:x', 'h=v\n').includes(VARIANT_SEPARATOR), false);
});
test('two keys are equal only for the same URL, auth state, partition and keyed headers, whatever the URL holds', () => {
  // Small alphabets of the characters that could confuse the layout, so that near-collisions are common.
  const text = (pieces: string[], maxLength: number) => fc.array(fc.constantFrom(...pieces), { maxLength }).map((p) => p.join(''));
  const target = text(['a', 'u', '/', '?', '&', '=', '%01', '%03', '\u0001', '\u0003', 'GET ', '.'], 6)
    .map((tail) => parseTarget('/' + tail))
    .filter((t): t is Target => typeof t === 'object');
  interface Tuple {
    readonly target: Target;
    readonly access: 'user' | 'anonymous';
    readonly partition: string[] | undefined;
    readonly keyed: string | undefined;
  }
  const tuple: fc.Arbitrary<Tuple> = fc.record({
    target,
    access: fc.constantFrom('user' as const, 'anonymous' as const),
    // As authorize builds it: length-prefixed claim values, which may hold any character.
    partition: fc.option(fc.array(text(['a', 'u', '|', 's1:', '\u0001', '\u0003', '=', '\n'], 4), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    // A client's value of a keyed header (a field value holds no CR, LF or NUL).
    keyed: fc.option(text(['a', 'u', '=', '\u0001', '\u0003', ' '], 4), { nil: undefined }),
  });
  const keyOf = (t: Tuple) =>
    contentKey(
      t.target.path,
      t.target.query,
      t.access,
      t.partition === undefined ? '' : partitionValues(Object.fromEntries(t.partition.map((v, i) => [`c${i}`, v])), t.partition.map((_, i) => `c${i}`)),
      t.keyed === undefined ? '' : variantOf(['x-forwarded-host'], varyRequest({ 'x-forwarded-host': t.keyed })),
    );
  const same = (a: Tuple, b: Tuple) =>
    a.target.path === b.target.path &&
    sortQuery(a.target.query) === sortQuery(b.target.query) &&
    a.access === b.access &&
    JSON.stringify(a.partition ?? []) === JSON.stringify(b.partition ?? []) &&
    // Field values are compared without surrounding whitespace (RFC 9110 §5.5: it is not part of the value).
    a.keyed?.trim() === b.keyed?.trim();
  fc.assert(
    fc.property(fc.array(tuple, { minLength: 2, maxLength: 40 }), (tuples) => {
      for (const a of tuples) for (const b of tuples) assert.equal(keyOf(a) === keyOf(b), same(a, b), `${JSON.stringify(a)} / ${JSON.stringify(b)}`);
    }),
    { numRuns: 300 },
  );
  // Crafted: a URL that spells out another key's partition is not that key.
  const forged = parseTarget('/p%01ua');
  assert.equal(typeof forged, 'object');
  assert.notEqual(contentKey((forged as Target).path, '', 'anonymous', ''), contentKey('/p', '', 'user', 'a'));
  assert.equal(parseTarget('/p\u0001ua'), 'bad_encoding');
  assert.equal(parseTarget('/p?q=\u0003x'), 'bad_encoding');
});
