// The hot-key tracker: bounded, sampled, and it finds the keys a crowd asks for most.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotKeys } from '../../../src/observability/hot-keys.js';

test('keeps at most `capacity` keys, cut to maxKeyLength, and ranks the hottest first', () => {
  const hot = new HotKeys({ capacity: 8, sampleEvery: 4, maxKeyLength: 32 });
  for (let i = 0; i < 200_000; i++) {
    const key = i % 10 < 6 ? 'GET /hot' : i % 10 < 8 ? 'GET /warm' : `GET /cold/${i}/${'x'.repeat(100)}`;
    hot.offer(key, 100);
  }
  assert.ok(hot.size <= 8);
  const top = hot.top(3);
  assert.deepEqual(top.slice(0, 2).map((k) => k.key), ['GET /hot', 'GET /warm']);
  assert.ok(Math.abs(top[0]!.requests - 120_000) < 12_000, `estimate ${top[0]!.requests} of 120000`);
  for (const key of hot.top(8)) assert.ok(key.key.length <= 32);
});

test('a crowd cycling through exactly sampleEvery keys does not hide any of them', () => {
  const hot = new HotKeys({ capacity: 64, sampleEvery: 16, maxKeyLength: 64 });
  for (let i = 0; i < 160_000; i++) hot.offer(`GET /k${i % 16}`, 1);
  assert.equal(hot.top(64).length, 16);
});
