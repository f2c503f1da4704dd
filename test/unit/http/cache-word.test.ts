// Every Cache-Status value Bouncer sends reads back as its metric word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CACHE_STATUS, cacheWordOf, notStoredStatus, staleIfErrorStatus } from '../../../src/http/cache-status.js';

test('cacheWordOf is the inverse of the Cache-Status table', () => {
  const expected: Array<[string, string]> = [
    [CACHE_STATUS.hit, 'hit'],
    [CACHE_STATUS.staleWhileRevalidate, 'stale'],
    [staleIfErrorStatus(503), 'stale'],
    [staleIfErrorStatus(undefined), 'stale'],
    [CACHE_STATUS.revalidated, 'revalidated'],
    [CACHE_STATUS.stored, 'miss'],
    [CACHE_STATUS.miss, 'miss'],
    [notStoredStatus('set-cookie'), 'miss'],
    [CACHE_STATUS.collapsed, 'collapsed'],
    [CACHE_STATUS.bypass, 'bypass'],
    [CACHE_STATUS.unauthenticated, 'bypass'],
    [CACHE_STATUS.denied, 'denied'],
    [CACHE_STATUS.error, 'error'],
  ];
  for (const [value, word] of expected) assert.equal(cacheWordOf(value), word, value);
  assert.equal(cacheWordOf(undefined), undefined);
  assert.equal(cacheWordOf('nginx; hit'), undefined);
});
