// Vary (RFC 9111 §4.1): the names a response varies on, and the secondary-key fragment of a request
// (values compared after normalising whitespace around commas; Accept-Encoding by the coding it
// selects; an absent field differs from every value, the empty one included).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseVary, variantOf } from '../../../src/cache/vary.js';
import { varyRequest } from './fixtures.js';

describe('parseVary', () => {
  test('names lower-case, unique, sorted', () => {
    assert.deepEqual(parseVary('Accept-Language, accept-encoding, Accept-Language'), ['accept-encoding', 'accept-language']);
    assert.deepEqual(parseVary(' X-User-Id ,, '), ['x-user-id']);
  });
  test('"*" anywhere in the list is "*"', () => {
    assert.equal(parseVary('*'), '*');
    assert.equal(parseVary('accept, *'), '*');
  });
  test('nothing to vary on: null', () => {
    assert.equal(parseVary(undefined), null);
    assert.equal(parseVary(''), null);
    assert.equal(parseVary(' , '), null);
  });
});

describe('variantOf', () => {
  const variant = (headers: Record<string, string>, names = ['accept-language']) => variantOf(names, varyRequest(headers));
  test('equal values give one variant, different ones different variants', () => {
    assert.equal(variant({ 'accept-language': 'en' }), variant({ 'accept-language': 'en' }));
    assert.notEqual(variant({ 'accept-language': 'en' }), variant({ 'accept-language': 'fr' }));
    assert.notEqual(variant({ 'accept-language': 'en' }), variant({ 'accept-language': 'EN' }), 'values are compared as they are');
  });
  test('whitespace around list commas and at the ends does not make another variant', () => {
    assert.equal(variant({ 'accept-language': 'en,fr' }), variant({ 'accept-language': ' en , fr ' }));
    assert.notEqual(variant({ 'accept-language': 'en,fr' }), variant({ 'accept-language': 'fr,en' }), 'order counts');
  });
  test('an absent field differs from any value, the empty one included', () => {
    assert.notEqual(variant({}), variant({ 'accept-language': '' }));
    assert.equal(variant({}), variant({ 'x-other': 'a' }));
  });
  test('Accept-Encoding is compared by the coding it selects', () => {
    const ae = (value?: string) => variant(value === undefined ? {} : { 'accept-encoding': value }, ['accept-encoding']);
    assert.equal(ae('gzip, deflate, br'), ae('br'));
    assert.equal(ae('gzip;q=1, br;q=0'), ae('gzip'));
    assert.equal(ae(), ae('identity'), 'absent means identity');
    assert.notEqual(ae('gzip'), ae('br'));
  });
  test('every name counts, and one value cannot stand in for another name', () => {
    const names = ['accept', 'accept-language'];
    assert.notEqual(variantOf(names, varyRequest({ accept: 'a', 'accept-language': 'b' })), variantOf(names, varyRequest({ accept: 'a', 'accept-language': 'c' })));
    assert.notEqual(variantOf(names, varyRequest({ accept: 'a=b' })), variantOf(names, varyRequest({ accept: 'a', 'accept-language': 'b' })));
  });
  test('asks the request for exactly the names it varies on', () => {
    const asked: string[] = [];
    variantOf(['a', 'b'], { header: (name) => (asked.push(name), undefined) });
    assert.deepEqual(asked, ['a', 'b']);
    assert.equal(variantOf([], varyRequest({ a: '1' })), '');
  });
});
