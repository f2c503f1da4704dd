// A client's conditional request answered from a stored response (RFC 9110 §13): If-None-Match by
// weak comparison, "*" for any current representation, If-Modified-Since only without
// If-None-Match (§13.2.2); entity-tag comparison functions (§8.8.3.2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isConditional, notModified, opaqueTag, strongMatch } from '../../../src/cache/conditional.js';
import { httpDate, NOW, storedEntry } from './fixtures.js';

const LM = NOW - 86_400_000;

describe('isConditional', () => {
  test('If-None-Match or If-Modified-Since make a request conditional (If-Match and If-Range do not here)', () => {
    assert.equal(isConditional({ 'if-none-match': '"a"' }), true);
    assert.equal(isConditional({ 'if-modified-since': httpDate(NOW) }), true);
    assert.equal(isConditional({ 'if-match': '"a"', 'if-range': '"a"' }), false);
    assert.equal(isConditional({}), false);
  });
});

describe('notModified', () => {
  const entry = storedEntry({ etag: '"v1"', lastModified: httpDate(LM) });
  test('If-None-Match matches by weak comparison (§13.1.2)', () => {
    assert.equal(notModified(entry, { 'if-none-match': '"v1"' }), true);
    assert.equal(notModified(entry, { 'if-none-match': 'W/"v1"' }), true);
    assert.equal(notModified(storedEntry({ etag: 'W/"v1"' }), { 'if-none-match': '"v1"' }), true);
    assert.equal(notModified(entry, { 'if-none-match': '"v2"' }), false);
    assert.equal(notModified(entry, { 'if-none-match': 'v1' }), false, 'an unquoted tag is another tag');
  });
  test('any member of the list may match, on one line or several', () => {
    assert.equal(notModified(entry, { 'if-none-match': '"x", W/"v1" , "y"' }), true);
    assert.equal(notModified(entry, { 'if-none-match': ['"x"', '"v1"'] }), true);
    assert.equal(notModified(entry, { 'if-none-match': '"x", "y"' }), false);
  });
  test('"*" matches any stored representation', () => {
    assert.equal(notModified(entry, { 'if-none-match': '*' }), true);
    assert.equal(notModified(storedEntry(), { 'if-none-match': ' * ' }), true);
  });
  test('no stored ETag: If-None-Match with tags never matches', () => {
    assert.equal(notModified(storedEntry({ lastModified: httpDate(LM) }), { 'if-none-match': '"v1"' }), false);
  });
  test('If-Modified-Since: not modified when Last-Modified is at or before the date (§13.1.3)', () => {
    assert.equal(notModified(entry, { 'if-modified-since': httpDate(LM) }), true);
    assert.equal(notModified(entry, { 'if-modified-since': httpDate(LM + 1000) }), true);
    assert.equal(notModified(entry, { 'if-modified-since': httpDate(LM - 1000) }), false);
  });
  test('If-Modified-Since is not looked at when If-None-Match is present (§13.2.2)', () => {
    assert.equal(notModified(entry, { 'if-none-match': '"v2"', 'if-modified-since': httpDate(NOW) }), false);
    assert.equal(notModified(entry, { 'if-none-match': '"v1"', 'if-modified-since': httpDate(LM - 86_400_000) }), true);
  });
  test('If-Modified-Since without a stored Last-Modified, or not a date: modified', () => {
    assert.equal(notModified(storedEntry({ etag: '"v1"' }), { 'if-modified-since': httpDate(NOW) }), false);
    assert.equal(notModified(entry, { 'if-modified-since': 'garbage' }), false);
  });
  test('an unconditional request is never answered 304', () => {
    assert.equal(notModified(entry, {}), false);
  });
});

describe('entity-tag comparison (§8.8.3.2)', () => {
  test('opaqueTag drops the weak indicator and surrounding whitespace', () => {
    assert.equal(opaqueTag('W/"a"'), '"a"');
    assert.equal(opaqueTag(' "a" '), '"a"');
    assert.equal(opaqueTag('w/"a"'), 'w/"a"', 'the weak indicator is case-sensitive');
  });
  test('strongMatch: both strong and the same', () => {
    assert.equal(strongMatch('"a"', '"a"'), true);
    assert.equal(strongMatch('"a"', ' "a"'), true);
    assert.equal(strongMatch('W/"a"', '"a"'), false);
    assert.equal(strongMatch('"a"', 'W/"a"'), false);
    assert.equal(strongMatch('W/"a"', 'W/"a"'), false);
    assert.equal(strongMatch('"a"', '"b"'), false);
  });
});
