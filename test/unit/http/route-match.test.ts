// Route selection: prefixes compiled once, matched case-insensitively, first match wins, segment-aware
// ("/api" is not a prefix of "/apix"), -1 when nothing matches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMatcher } from '../../../src/http/route-match.js';

test('a prefix ending in "/" matches paths under it and the path without the slash', () => {
  const match = compileMatcher(['/api/']);
  assert.equal(match('/api/'), 0);
  assert.equal(match('/api/x/y'), 0);
  assert.equal(match('/api'), 0);
  assert.equal(match('/apix'), -1);
  assert.equal(match('/ap'), -1);
});
test('a prefix without "/" matches itself and what is under it, never a longer segment', () => {
  const match = compileMatcher(['/api']);
  assert.equal(match('/api'), 0);
  assert.equal(match('/api/'), 0);
  assert.equal(match('/api/x'), 0);
  assert.equal(match('/apix'), -1);
  assert.equal(match('/api.json'), -1);
});
test('case-insensitive on both sides: /API/ is not a way around a route', () => {
  const match = compileMatcher(['/Private/', '/']);
  assert.equal(match('/private/x'), 0);
  assert.equal(match('/PRIVATE/x'), 0);
  assert.equal(match('/pRiVaTe'), 0);
});
test('the first matching route wins, in configuration order', () => {
  const match = compileMatcher(['/api/public/', '/api/', '/']);
  assert.equal(match('/api/public/x'), 0);
  assert.equal(match('/api/private'), 1);
  assert.equal(match('/other'), 2);
  const reversed = compileMatcher(['/api/', '/api/public/']);
  assert.equal(reversed('/api/public/x'), 0, 'a broader route first shadows a narrower one');
});
test('"/" matches every path; no routes match nothing', () => {
  assert.equal(compileMatcher(['/'])('/anything/at/all'), 0);
  assert.equal(compileMatcher([])('/'), -1);
});
