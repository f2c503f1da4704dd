// Query strings: sorted by parameter name for the cache key (stable for equal names), and one
// parameter (a token in the query) removed before forwarding, compared decoded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { sortQuery, withoutParam } from '../../../src/http/query.js';

describe('sortQuery', () => {
  test('parameters sorted by name: ?a=1&b=2 and ?b=2&a=1 give one string', () => {
    assert.equal(sortQuery('b=2&a=1'), 'a=1&b=2');
    assert.equal(sortQuery('a=1&b=2'), 'a=1&b=2');
    assert.equal(sortQuery('c&b=&a=1'), 'a=1&b=&c');
  });
  test('equal names keep their order (their values may be order-sensitive)', () => {
    assert.equal(sortQuery('x=1&a=0&x=3&x=2'), 'a=0&x=1&x=3&x=2');
  });
  test('only the name decides, not the value', () => {
    assert.equal(sortQuery('a=2&a=1'), 'a=2&a=1');
    assert.equal(sortQuery('ab=1&a=2'), 'a=2&ab=1');
  });
  test('a single parameter is untouched; empty pairs between several are dropped', () => {
    assert.equal(sortQuery('z=1'), 'z=1');
    assert.equal(sortQuery(''), '');
    assert.equal(sortQuery('b=1&&a=2&'), 'a=2&b=1');
  });
  test('sorting is idempotent and does not depend on the original order', () => {
    const pair = fc.tuple(fc.constantFrom('a', 'b', 'c', 'aa', 'B'), fc.constantFrom('', '1', '2')).map(([n, v]) => (v ? `${n}=${v}` : n));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 2, maxLength: 8 }), (pairs) => {
        const sorted = sortQuery(pairs.join('&'));
        assert.equal(sortQuery(sorted), sorted);
        // Another order of the same pairs in which equal names keep their relative order sorts the same.
        const names = [...new Set(pairs.map((p) => p.split('=')[0]!))].reverse();
        const regrouped = names.flatMap((name) => pairs.filter((p) => p.split('=')[0] === name));
        assert.equal(sortQuery(regrouped.join('&')), sorted);
      }),
    );
  });
});

describe('withoutParam', () => {
  test('removes every occurrence of the parameter and keeps the rest in order', () => {
    assert.equal(withoutParam('a=1&access_token=x.y.z&b=2&access_token=q', 'access_token'), 'a=1&b=2');
    assert.equal(withoutParam('access_token=x', 'access_token'), '');
    assert.equal(withoutParam('access_token', 'access_token'), '');
  });
  test('names are compared decoded (percent-escapes and "+")', () => {
    assert.equal(withoutParam('access%5Ftoken=x&a=1', 'access_token'), 'a=1');
    assert.equal(withoutParam('my+token=x&a=1', 'my token'), 'a=1');
    assert.equal(withoutParam('%61ccess_token=x', 'access_token'), '');
  });
  test('a name that only contains the parameter is kept; so is a malformed escape', () => {
    assert.equal(withoutParam('xaccess_token=1&access_tokenx=2', 'access_token'), 'xaccess_token=1&access_tokenx=2');
    assert.equal(withoutParam('%E0%A4%A=1&access_token=2', 'access_token'), '%E0%A4%A=1');
  });
  test('values are not looked at', () => {
    assert.equal(withoutParam('a=access_token', 'access_token'), 'a=access_token');
  });
  test('an empty query stays empty', () => {
    assert.equal(withoutParam('', 'access_token'), '');
  });
});
