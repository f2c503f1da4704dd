// Field values (RFC 9110 §5.3): repeated lines are one value joined with ", " in order, Set-Cookie is
// kept a list (RFC 6265 §3); list members (§5.6.1) and the first member of a would-be singleton.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { combinedFields, fieldValue, firstMember, listMembers } from '../../../src/http/fields.js';

describe('fieldValue', () => {
  test('a single line as it is, several lines joined with ", " in order, absent as undefined', () => {
    assert.equal(fieldValue({ vary: 'accept' }, 'vary'), 'accept');
    assert.equal(fieldValue({ vary: ['accept', 'accept-language', 'x'] }, 'vary'), 'accept, accept-language, x');
    assert.equal(fieldValue({}, 'vary'), undefined);
    assert.equal(fieldValue({ vary: undefined }, 'vary'), undefined);
    assert.equal(fieldValue({ vary: '' }, 'vary'), '');
  });
});

describe('combinedFields', () => {
  test('repeated fields become one value; Set-Cookie stays a list of its lines', () => {
    const input = { 'cache-control': ['max-age=60', 'public'], 'set-cookie': ['a=1; Path=/', 'b=2, c'], etag: '"x"' };
    const out = combinedFields(input);
    assert.deepEqual(out, { 'cache-control': 'max-age=60, public', 'set-cookie': ['a=1; Path=/', 'b=2, c'], etag: '"x"' });
    assert.deepEqual(input['cache-control'], ['max-age=60', 'public'], 'the input is not changed');
  });
  test('a map without repeated fields is returned as it is', () => {
    const input = { etag: '"x"', 'set-cookie': ['a=1', 'b=2'] };
    assert.equal(combinedFields(input), input);
  });
  test('every repeated field is combined, wherever it is in the map', () => {
    assert.deepEqual(combinedFields({ a: '1', b: ['2', '3'], c: '4', d: ['5', '6'] }), { a: '1', b: '2, 3', c: '4', d: '5, 6' });
  });
});

describe('listMembers', () => {
  test('members trimmed, empty ones dropped (§5.6.1: empty list elements are ignored)', () => {
    assert.deepEqual(listMembers(' a ,b,, ,\tc\t'), ['a', 'b', 'c']);
    assert.deepEqual(listMembers(''), []);
    assert.deepEqual(listMembers(' , '), []);
    assert.deepEqual(listMembers(undefined), []);
  });
});

describe('firstMember', () => {
  test('the first member of a list, trimmed; a single value as it is', () => {
    assert.equal(firstMember(' 60 , 120'), '60');
    assert.equal(firstMember('60'), '60');
    assert.equal(firstMember(' 60 '), '60');
    assert.equal(firstMember(''), '');
    assert.equal(firstMember(undefined), undefined);
  });
});
