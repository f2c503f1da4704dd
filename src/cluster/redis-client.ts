// Connections to Redis from the `redis` section: one server (url), a Cluster (its start-up nodes) or
// Sentinel (sentinels and the master's name); `redis.options` pass through to ioredis. Commands
// fail at once while Redis is unreachable (no offline queue): callers answer without Redis (a cache
// fault is a miss, a revocation is journaled and published later), never wait for it. ioredis
// reconnects by itself, backing off up to 2 s.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.js';

export type RedisConnection = Redis | Cluster;
type RedisConfig = NonNullable<Config['redis']>;

const retryStrategy = (attempt: number): number => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6));

export function connectRedis(config: RedisConfig, purpose: string): RedisConnection {
  const options: RedisOptions = {
    connectionName: `bouncer-${purpose}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy,
    lazyConnect: false,
    // subscribeWhenReady subscribes again after each reconnect.
    autoResubscribe: false,
    ...(config.options as RedisOptions),
  };
  if (config.cluster !== undefined) {
    const nodes = config.cluster.map((url) => {
      const parsed = new URL(url);
      return { host: parsed.hostname, port: Number(parsed.port || 6379) };
    });
    return new Cluster(nodes, { redisOptions: options, enableOfflineQueue: false, clusterRetryStrategy: retryStrategy });
  }
  if (config.sentinels !== undefined) return new Redis({ ...options, sentinels: config.sentinels, name: config.name! });
  return new Redis(config.url!, options);
}

/** Resolves once the connection is ready (rejects after `timeoutMs`). */
export function whenReady(connection: RedisConnection, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(new Error(`Redis not ready within ${timeoutMs} ms (${connection.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}

/**
 * Subscribes whenever the connection becomes ready (the first time and after every reconnect): with
 * no offline queue a SUBSCRIBE sent before that would fail, not wait.
 */
export function subscribeWhenReady(connection: RedisConnection, channel: string, onFailure: (error: unknown) => void, onSubscribed?: () => void): void {
  const subscribe = () => void connection.subscribe(channel).then(() => onSubscribed?.(), onFailure);
  connection.on('ready', subscribe);
  if (connection.status === 'ready') subscribe();
}
