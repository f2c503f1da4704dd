// Which field governs Bouncer's caching (RFC 9213): Bouncer-Cache-Control, then CDN-Cache-Control,
// then Cache-Control. A targeted field is a Structured Field Dictionary (RFC 8941); one that is
// empty or does not parse is ignored as if absent (§2.1), and when one governs, Cache-Control is
// ignored (§2.2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { governingDirectives, targetedDirectives } from '../../../src/cache/directives.js';

const entries = (value: string | undefined) => {
  const d = targetedDirectives(value);
  return d === undefined ? undefined : [...d];
};

describe('governingDirectives', () => {
  test('Bouncer-Cache-Control before CDN-Cache-Control before Cache-Control', () => {
    const all = { 'bouncer-cache-control': 'max-age=10', 'cdn-cache-control': 'max-age=20', 'cache-control': 'max-age=30' };
    assert.equal(governingDirectives(all).field, 'bouncer-cache-control');
    assert.equal(governingDirectives(all).directives.get('max-age'), '10');
    const { 'bouncer-cache-control': _, ...cdn } = all;
    assert.equal(governingDirectives(cdn).field, 'cdn-cache-control');
    assert.equal(governingDirectives(cdn).directives.get('max-age'), '20');
    assert.equal(governingDirectives({ 'cache-control': 'max-age=30' }).field, 'cache-control');
    assert.equal(governingDirectives({ 'cache-control': 'max-age=30' }).directives.get('max-age'), '30');
  });
  test('a governing targeted field hides Cache-Control entirely (§2.2)', () => {
    const g = governingDirectives({ 'cdn-cache-control': 'max-age=60', 'cache-control': 'private, no-store' });
    assert.equal(g.field, 'cdn-cache-control');
    assert.equal(g.directives.has('private'), false);
    assert.equal(g.directives.has('no-store'), false);
  });
  test('an invalid targeted field is ignored as if absent: the next one governs', () => {
    for (const invalid of ['Max-Age=60', 'max-age=', 'max-age=60,', 'max-age=60;', '"quoted"', 'max-age=60 public', 'a=?2', 'max-age=-']) {
      const g = governingDirectives({ 'bouncer-cache-control': invalid, 'cdn-cache-control': 'max-age=20', 'cache-control': 'max-age=30' });
      assert.equal(g.field, 'cdn-cache-control', invalid);
      const h = governingDirectives({ 'cdn-cache-control': invalid, 'cache-control': 'max-age=30' });
      assert.equal(h.field, 'cache-control', invalid);
      assert.equal(h.directives.get('max-age'), '30', invalid);
    }
  });
  test('an empty targeted field is ignored', () => {
    assert.equal(governingDirectives({ 'cdn-cache-control': '', 'cache-control': 'no-store' }).field, 'cache-control');
    assert.equal(governingDirectives({ 'cdn-cache-control': '   ', 'cache-control': 'no-store' }).field, 'cache-control');
  });
  test('several lines of a targeted field are one dictionary', () => {
    const g = governingDirectives({ 'cdn-cache-control': ['max-age=60', 'stale-if-error=30'] });
    assert.deepEqual([...g.directives], [['max-age', '60'], ['stale-if-error', '30']]);
  });
  test('without any of them, Cache-Control governs (possibly with no directives)', () => {
    const g = governingDirectives({});
    assert.equal(g.field, 'cache-control');
    assert.equal(g.directives.size, 0);
  });
});

describe('targetedDirectives', () => {
  test('boolean, integer, token and string members, as Cache-Control directives would read', () => {
    assert.deepEqual(entries('max-age=60, public, no-cache="set-cookie", x-tok=abc'), [
      ['max-age', '60'],
      ['public', true],
      ['no-cache', 'set-cookie'],
      ['x-tok', 'abc'],
    ]);
  });
  test('a boolean false member is a directive that is not there (private=?0)', () => {
    assert.deepEqual(entries('private=?0, max-age=60'), [['max-age', '60']]);
    assert.deepEqual(entries('private=?1'), [['private', true]]);
  });
  test('a negative or fractional number is kept as an invalid argument (so delta-seconds reads it as invalid)', () => {
    assert.deepEqual(entries('max-age=-5'), [['max-age', 'invalid']]);
    assert.deepEqual(entries('max-age=1.5'), [['max-age', 'invalid']]);
    assert.deepEqual(entries('no-cache=("a" "b")'), [['no-cache', 'invalid']]);
  });
  test('parameters on a member are ignored', () => {
    assert.deepEqual(entries('max-age=60;foo=bar'), [['max-age', '60']]);
  });
  test('a repeated key: the last one wins, as RFC 8941 §4.2.2 parses dictionaries', () => {
    assert.deepEqual(entries('max-age=10, max-age=20'), [['max-age', '20']]);
  });
  test('absent, empty and unparsable values are undefined', () => {
    for (const value of [undefined, '', ' ', 'Max-Age=60', 'max-age=', 'max-age=60,,', '"x"', 'max-age=9999999999999999']) {
      assert.equal(targetedDirectives(value), undefined, String(value));
    }
  });
});
