// Request-target normalisation: origin-form only; dot segments resolved (RFC 3986 §5.2.4) and empty
// segments collapsed; unreserved escapes decoded and other escapes' hex upper-cased (§6.2.2); encoded
// "/", "\", NUL and ";" refused as ambiguous, malformed escapes, "#", raw control and non-ASCII bytes
// refused as bad encoding; the query kept raw. The result is a fixed point: normalising it again
// changes nothing, so the path that chose the route is the path the origin gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseTarget, type Target } from '../../../src/http/target.js';

const path = (url: string) => {
  const target = parseTarget(url);
  assert.equal(typeof target, 'object', `${JSON.stringify(url)} was refused: ${String(target)}`);
  return (target as Target).path;
};

describe('parseTarget', () => {
  test('only origin-form is accepted', () => {
    for (const url of ['http://a.test/x', '*', '', 'x/y', 'a.test:443']) assert.equal(parseTarget(url), 'not_origin_form', url);
  });
  test('path and raw query are split at the first "?"; a path without work comes back as it is', () => {
    assert.deepEqual(parseTarget('/api/v1/feed?b=2&a=1'), { path: '/api/v1/feed', query: 'b=2&a=1' });
    assert.deepEqual(parseTarget('/a?x=?y'), { path: '/a', query: 'x=?y' });
    assert.deepEqual(parseTarget('/a?'), { path: '/a', query: '' });
    assert.deepEqual(parseTarget('/'), { path: '/', query: '' });
  });
  test('dot segments are resolved (RFC 3986 §5.2.4), never above the root', () => {
    assert.equal(path('/a/./b/../c'), '/a/c');
    assert.equal(path('/a/b/..'), '/a/');
    assert.equal(path('/a/b/.'), '/a/b/');
    assert.equal(path('/..'), '/');
    assert.equal(path('/../../etc/passwd'), '/etc/passwd');
    assert.equal(path('/public/../private/x'), '/private/x');
    assert.equal(path('/a/..b/c'), '/a/..b/c', '"..b" is not a dot segment');
    assert.equal(path('/a/.b'), '/a/.b');
  });
  test('empty segments are collapsed; a trailing slash is kept', () => {
    assert.equal(path('//a///b'), '/a/b');
    assert.equal(path('/a//'), '/a/');
    assert.equal(path('//'), '/');
  });
  test('encoded dots are dot segments once decoded', () => {
    assert.equal(path('/a/%2e%2E/b'), '/b');
    assert.equal(path('/a/%2e/b'), '/a/b');
    assert.equal(path('/private/%2E%2e'), '/');
    assert.equal(path('/a/.%2e/b'), '/b');
  });
  test('unreserved escapes are decoded; others keep their escape with upper-case hex (§6.2.2)', () => {
    assert.equal(path('/%41%7e%2D%5f'), '/A~-_');
    assert.equal(path('/a%3fb'), '/a%3Fb');
    assert.equal(path('/caf%c3%a9'), '/caf%C3%A9');
    assert.equal(path('/a%20b'), '/a%20b');
    assert.equal(path('/100%25'), '/100%25');
  });
  test('decoding happens once: an escaped "%" does not make a second escape', () => {
    assert.equal(path('/%252e%252e/x'), '/%252e%252e/x');
    assert.equal(path('/%2541'), '/%2541');
  });
  test('an encoded "/", "\\", NUL or ";" is ambiguous (origins disagree on it)', () => {
    for (const url of ['/a%2fb', '/a%2Fb', '/a%5cb', '/a%5C', '/a%00', '/a%3bb', '/a%3B']) assert.equal(parseTarget(url), 'ambiguous_path', url);
  });
  test('raw ";" parameters and "\\" are ambiguous', () => {
    for (const url of ['/a;jsessionid=1', '/public;/../private', '/a\\b', '/a\\..\\b']) assert.equal(parseTarget(url), 'ambiguous_path', url);
  });
  test('malformed escapes are bad encoding', () => {
    for (const url of ['/a%zz', '/a%4', '/a%', '/%%41', '/a%g0']) assert.equal(parseTarget(url), 'bad_encoding', url);
  });
  test('raw control, space or non-ASCII bytes in the path are bad encoding', () => {
    for (const url of ['/a b', '/a\u0000', '/a\tb', '/caf\u00e9', '/a\u007f', '/\u2028']) assert.equal(parseTarget(url), 'bad_encoding', JSON.stringify(url));
  });
  test('a fragment or a non-printable query is bad encoding', () => {
    for (const url of ['/a#x', '/a?b#c', '/a?x=1 2', '/a?x=\u00e9', '/a?x=\u0001']) assert.equal(parseTarget(url), 'bad_encoding', JSON.stringify(url));
  });
  test('the query is kept raw: not decoded, not normalised', () => {
    assert.deepEqual(parseTarget('/a/../b?x=%2e%2e/../&y=%2f'), { path: '/b', query: 'x=%2e%2e/../&y=%2f' });
  });
  test('a normalised path is a fixed point, free of dot and empty segments and of control bytes', () => {
    const piece = fc.constantFrom('a', 'B', '%37', '.', '..', '', '%2e', '%2E%2e', '%41', '%c3%a9', '~', '-', '%25', 'x.y', '%7E', ':', '@', '!');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const target = parseTarget('/' + pieces.join('/'));
        assert.equal(typeof target, 'object');
        const { path: normalised } = target as Target;
        assert.deepEqual(parseTarget(normalised), { path: normalised, query: '' });
        assert.ok(normalised.startsWith('/'));
        assert.doesNotMatch(normalised, /\/\/|\/\.\.?(\/|$)/, 'no empty or dot segment');
        assert.doesNotMatch(normalised, /%([a-f].|.[a-f])/, 'escapes are upper-case');
        assert.doesNotMatch(normalised, /%(2[dDeE]|3[0-9]|4[1-9A-Fa-f]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aAeE])/, 'no escaped unreserved character is left');
      }),
    );
  });
  test('no accepted target carries a control character (the cache key separators cannot be forged)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 12 }), (p, q) => {
        const target = parseTarget(`/${p}${q ? '?' + q : ''}`);
        if (typeof target === 'string') return;
        assert.doesNotMatch(target.path + target.query, /[\u0000-\u001f\u007f]/);
      }),
    );
  });
});
