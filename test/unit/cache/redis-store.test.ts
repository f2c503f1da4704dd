// The Redis store on a real redis-server: the same store conformance as the memory store (and the two
// tiered), and the cross-node single flight between two "nodes" (two stores on one Redis).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { contentKey } from '../../../src/cache/key.js';
import { MemoryStore } from '../../../src/cache/memory-store.js';
import { RedisStore } from '../../../src/cache/redis-store.js';
import { TieredStore } from '../../../src/cache/tiered-store.js';
import type { Store } from '../../../src/cache/store.js';
import { startRedis, type RedisServer } from '../../helpers/redis.js';
import { storeConformance } from './store-conformance.js';

let redis: RedisServer;
const connections: Redis[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const connection of connections) connection.disconnect();
  await redis.kill();
});

let namespace = 0;
async function redisStore(prefix = `t${++namespace}`, lockTtlMs = 5_000): Promise<RedisStore> {
  const connection = new Redis(redis.url, { lazyConnect: true });
  const subscriber = new Redis(redis.url, { lazyConnect: true });
  await Promise.all([connection.connect(), subscriber.connect()]);
  connections.push(connection, subscriber);
  return new RedisStore({ connection, subscriber, prefix, maxObjectBytes: 1024 * 1024, lockTtlMs, now: Date.now, log: pino({ level: 'silent' }) });
}

storeConformance('RedisStore', () => redisStore());
storeConformance('TieredStore (memory, then Redis)', async () => new TieredStore(new MemoryStore({ maxBytes: 4 * 1024 * 1024, maxObjectBytes: 1024 * 1024 }), await redisStore()) as Store);

describe('cross-node single flight', () => {
  const key = contentKey('/crowd', '', 'user', '');

  test('one node leads a key; another waits for it to land and is woken when it does', async () => {
    const a = await redisStore('flight');
    const b = await redisStore('flight');
    assert.equal(await a.lead(key), true);
    assert.equal(await b.lead(key), false, 'the lock is taken');
    assert.equal(await a.lead(key), false, 'also for the holder itself: one fetch per key');
    const started = performance.now();
    const waiting = b.landing(key, 5_000);
    setTimeout(() => a.landed(key), 100);
    await waiting;
    const waited = performance.now() - started;
    assert.ok(waited >= 90 && waited < 2_000, `woken by the landing (${waited.toFixed(0)} ms)`);
    assert.equal(await b.lead(key), true, 'the lock went with the landing');
    b.landed(key);
  });

  test('a leader that never lands: waiters give up after their time, and the lock expires after lockTtl', async () => {
    const a = await redisStore('flight-timeout', 300);
    const b = await redisStore('flight-timeout', 300);
    assert.equal(await a.lead(key), true);
    const started = performance.now();
    await b.landing(key, 150);
    assert.ok(performance.now() - started < 1_000);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(await b.lead(key), true, 'the lock expired');
  });
});
