// The local bus: delivery to every subscriber, unsubscribe, and isolation of a failing subscriber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalBus } from '../../../src/cluster/bus.js';

test('local bus: every subscriber gets the event once; unsubscribe stops delivery; a throwing subscriber harms no other', async () => {
  const errors: unknown[] = [];
  const bus = createLocalBus((error) => errors.push(error));
  const seen: string[] = [];
  bus.subscribe(() => {
    throw new Error('bad subscriber');
  });
  bus.subscribe((event) => seen.push(`a:${event.type}`));
  const unsubscribe = bus.subscribe((event) => seen.push(`b:${event.type}`));
  bus.publish({ type: 'revoke', sub: 'user-1', until: Date.now() + 1000 });
  await Promise.resolve();
  unsubscribe();
  bus.publish({ type: 'purge', key: 'k' });
  await Promise.resolve();
  assert.deepEqual(seen, ['a:revoke', 'b:revoke', 'a:purge']);
  assert.equal(errors.length, 2);
});
