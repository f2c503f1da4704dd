// Cache-Control parsing (RFC 9111 §5.2): names compared case-insensitively, quoted-string arguments
// (commas inside quotes do not split, backslash escapes), the first occurrence of a directive wins
// (§4.2.1), and delta-seconds arguments (§1.2.2): absent, invalid, capped at 2^31.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCacheControl, secondsDirective } from '../../../src/http/cache-control.js';

const entries = (value: string | string[] | undefined) => [...parseCacheControl(value)];

describe('parseCacheControl', () => {
  test('absent and empty values have no directives', () => {
    assert.deepEqual(entries(undefined), []);
    assert.deepEqual(entries(''), []);
    assert.deepEqual(entries(' , ,, '), []);
    assert.deepEqual(entries([]), []);
  });
  test('directive names are compared case-insensitively (§5.2)', () => {
    const d = parseCacheControl('Max-Age=60, NO-STORE, Public');
    assert.equal(d.get('max-age'), '60');
    assert.equal(d.get('no-store'), true);
    assert.equal(d.get('public'), true);
    assert.equal(d.has('Max-Age'), false, 'names are stored lower-case');
  });
  test('arguments keep their case; whitespace around names and arguments is dropped', () => {
    assert.deepEqual(entries('  max-age = 60 ,\tx-ext=Token  '), [['max-age', '60'], ['x-ext', 'Token']]);
  });
  test('a quoted-string argument is unquoted, and commas inside it do not split', () => {
    const d = parseCacheControl('no-cache="Set-Cookie, X-Foo", max-age=5');
    assert.equal(d.get('no-cache'), 'Set-Cookie, X-Foo');
    assert.equal(d.get('max-age'), '5');
    assert.equal(d.size, 2);
  });
  test('backslash escapes inside a quoted-string (RFC 9110 §5.6.4)', () => {
    assert.equal(parseCacheControl('x="a\\"b\\\\c", y=1').get('x'), 'a"b\\c');
    assert.equal(parseCacheControl('x="a\\"b\\\\c", y=1').get('y'), '1');
  });
  test('an unterminated quoted-string runs to the end of the value', () => {
    const d = parseCacheControl('private="a, max-age=5');
    assert.equal(d.get('private'), 'a, max-age=5');
    assert.equal(d.has('max-age'), false);
  });
  test('anything after a closing quote up to the next comma is ignored', () => {
    assert.deepEqual(entries('max-age="60"junk, public'), [['max-age', '60'], ['public', true]]);
  });
  test('the first occurrence of a directive wins (§4.2.1), within a line and across lines', () => {
    assert.equal(parseCacheControl('max-age=10, max-age=20').get('max-age'), '10');
    assert.equal(parseCacheControl('MAX-AGE=10, max-age=20').get('max-age'), '10');
    assert.equal(parseCacheControl(['max-age=10', 'max-age=20, no-cache']).get('max-age'), '10');
    assert.equal(parseCacheControl(['max-age=10', 'max-age=20, no-cache']).get('no-cache'), true);
  });
  test('several field lines are one list (RFC 9110 §5.3)', () => {
    assert.deepEqual(entries(['public', 's-maxage=30']), [['public', true], ['s-maxage', '30']]);
  });
  test('an empty argument is an empty string, not a missing one', () => {
    assert.equal(parseCacheControl('max-age=').get('max-age'), '');
    assert.equal(parseCacheControl('max-age=""').get('max-age'), '');
  });
  test('an argument may itself contain "="', () => {
    assert.equal(parseCacheControl('x=a=b').get('x'), 'a=b');
  });
});

describe('secondsDirective', () => {
  const seconds = (value: string, name = 'max-age') => secondsDirective(parseCacheControl(value), name);

  test('absent: undefined', () => {
    assert.equal(seconds('public'), undefined);
    assert.equal(seconds(''), undefined);
  });
  test('a non-negative integer, in ms; leading zeros are digits', () => {
    assert.equal(seconds('max-age=60'), 60_000);
    assert.equal(seconds('max-age=0'), 0);
    assert.equal(seconds('max-age=007'), 7_000);
    assert.equal(seconds('s-maxage=5', 's-maxage'), 5_000);
  });
  test('the quoted form is accepted (§5.2: recipients ought to accept both forms)', () => {
    assert.equal(seconds('max-age="60"'), 60_000);
  });
  test('invalid: null (not a non-negative integer, or no argument)', () => {
    for (const value of ['max-age', 'max-age=', 'max-age=-1', 'max-age=1.5', 'max-age=abc', 'max-age=1e3', 'max-age=+5', 'max-age="6 0"', 'max-age=0x10']) {
      assert.equal(seconds(value), null, value);
    }
  });
  test('values beyond 2^31 seconds are taken as 2^31 (§1.2.2)', () => {
    assert.equal(seconds(`max-age=${2 ** 31 - 1}`), (2 ** 31 - 1) * 1000);
    assert.equal(seconds(`max-age=${2 ** 31}`), 2 ** 31 * 1000);
    assert.equal(seconds(`max-age=${2 ** 31 + 1}`), 2 ** 31 * 1000);
    assert.equal(seconds('max-age=99999999999999999999999999'), 2 ** 31 * 1000);
  });
});
