// The flood limiter on a controlled clock: the window, the block, its end, and the bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimiter } from '../../../src/auth/flood.js';
import { clock } from './fixtures.js';

function limiter(clients = 10) {
  const time = clock();
  return { time, limit: new FailureLimiter({ failuresPerMinute: 3, blockMs: 10_000, clients, now: time.now }) };
}

test('the failure past the limit blocks the client until the block ends; others are not affected', () => {
  const { time, limit } = limiter();
  assert.deepEqual([1, 2, 3].map(() => limit.failed('a')), [false, false, false]);
  assert.equal(limit.retryAfter('a'), 0);
  assert.equal(limit.failed('a'), true);
  assert.equal(limit.retryAfter('a'), 10);
  assert.equal(limit.retryAfter('b'), 0);
  time.advance(9_001);
  assert.equal(limit.retryAfter('a'), 1);
  time.advance(999);
  assert.equal(limit.retryAfter('a'), 0);
  assert.equal(limit.failed('a'), false, 'a fresh window after the block');
});

test('failures spread over more than a minute do not add up', () => {
  const { time, limit } = limiter();
  for (let i = 0; i < 3; i++) limit.failed('a');
  time.advance(60_000);
  assert.equal(limit.failed('a'), false);
  assert.equal(limit.retryAfter('a'), 0);
});

test('memory is bounded: the least recently seen client is forgotten', () => {
  const { limit } = limiter(2);
  for (let i = 0; i < 3; i++) limit.failed('a');
  limit.failed('b');
  limit.failed('c');
  assert.equal(limit.failed('a'), false, "a's window was evicted");
});
