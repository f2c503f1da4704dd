// The shared cache tier in Redis (redis.sharedCache): a Store every node reads and fills, and the
// cross-node single flight that makes N nodes in front of a cold crowd ask the origin once per key.
//
// Keys: every Redis key of one URL carries that URL's cache key as its hash tag, so an entry, its
// Vary variants and its lock share a Cluster slot. An entry is one binary value (a JSON head with
// everything but the body, then the body), kept until its last stale window ends. A varying
// response is a marker naming the fields it varies on, plus one value per variant (its fragment
// hashed in the key, compared in full on read). Bodies over redis.maxObjectBytes stay in memory.
//
// Purging by URL or prefix scans for the URL's keys (every master of a Cluster): purges are rare and
// this keeps Redis free of indexes to maintain; tags keep a set of the keys they label.
import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { subscribeWhenReady, type RedisConnection } from '../cluster/redis-client.js';
import { urlOfKey, VARIANT_SEPARATOR } from './key.js';
import type { CrossNodeFlight, Store, StoredEntry, StorePurge } from './store.js';
import { variantOf, type VaryRequest } from './vary.js';

const MAGIC = 0x42; // 'B': one format, versioned by its first byte
const MARKER = 0x4d; // 'M'
const MAX_LANDING_WAITERS = 100_000;

export interface RedisStoreOptions {
  readonly connection: RedisConnection;
  /** A connection in subscriber mode for the landing messages of the cross-node flight. */
  readonly subscriber: RedisConnection;
  readonly prefix: string;
  readonly maxObjectBytes: number;
  readonly lockTtlMs: number;
  readonly now: () => number;
  readonly log: Logger;
}

export class RedisStore implements Store, CrossNodeFlight {
  readonly #redis: RedisConnection;
  readonly #options: RedisStoreOptions;
  readonly #channel: string;
  /** Local keys waiting for another node's fetch to land, with their resolvers (bounded). */
  readonly #waiting = new Map<string, (() => void)[]>();
  #waiters = 0;
  readonly #id = Math.random().toString(36).slice(2);

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#redis = options.connection;
    this.#channel = `${options.prefix}:landed`;
    subscribeWhenReady(options.subscriber, this.#channel, (error) => options.log.warn({ err: error }, 'redis subscribe (landed) failed; tried again on reconnect'));
    options.subscriber.on('message', (channel: string, key: string) => {
      if (channel === this.#channel) this.#land(key);
    });
  }

  /** The Redis key of a cache key: `<prefix>:c:{<url key>}<rest>` (the URL key is the hash tag). */
  #redisKey(key: string): string {
    const url = urlOfKey(key);
    return `${this.#options.prefix}:c:{${url}}${key.slice(url.length)}`;
  }

  async get(key: string, request: VaryRequest): Promise<StoredEntry | undefined> {
    const primary = this.#redisKey(key);
    const value = await this.#redis.getBuffer(primary);
    if (value === null) return undefined;
    if (value[0] === MARKER) {
      const vary = JSON.parse(value.subarray(1).toString('utf8')) as string[];
      const variant = variantOf(vary, request);
      const stored = await this.#redis.getBuffer(variantKey(primary, variant));
      const entry = stored === null ? undefined : decode(stored);
      return entry !== undefined && entry.variant === variant ? entry : undefined;
    }
    return decode(value);
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    if (entry.body.byteLength > this.#options.maxObjectBytes) return;
    const ttl = Math.max(entry.freshUntil, entry.staleWhileRevalidateUntil, entry.staleIfErrorUntil) - this.#options.now();
    if (ttl <= 0) return;
    const primary = this.#redisKey(key);
    const target = entry.vary === null ? primary : variantKey(primary, entry.variant);
    // Variants of another Vary list (or of none) can no longer be reached: they go first.
    const held = await this.#redis.getBuffer(primary);
    if (held !== null && held[0] === MARKER && held.subarray(1).toString('utf8') !== JSON.stringify(entry.vary)) {
      await this.#deleteMatching(escapeGlob(primary + VARIANT_SEPARATOR) + '*');
    }
    const multi = this.#redis.multi();
    if (entry.vary !== null) multi.set(primary, Buffer.concat([Buffer.of(MARKER), Buffer.from(JSON.stringify(entry.vary))]), 'PX', Math.ceil(ttl));
    multi.set(target, encode(entry), 'PX', Math.ceil(ttl));
    await multi.exec();
    // Tag sets live in their own slots: one command each, outside the transaction.
    for (const tag of entry.tags) {
      const tagKey = this.#tagKey(tag);
      await this.#redis.sadd(tagKey, target);
      // The set lives as long as its longest-lived member (only ever extended).
      if ((await this.#redis.pttl(tagKey)) < ttl) await this.#redis.pexpire(tagKey, Math.ceil(ttl));
    }
  }

  async delete(key: string): Promise<number> {
    return this.#deleteMatching(escapeGlob(this.#redisKey(key)) + '*');
  }

  async purge(target: StorePurge, options?: { readonly memoryOnly?: boolean }): Promise<number> {
    if (options?.memoryOnly === true) return 0;
    const prefix = this.#options.prefix;
    if ('url' in target) return this.#deleteMatching(`${prefix}:c:{${escapeGlob(target.url)}}*`);
    if ('prefix' in target) return this.#deleteMatching(`${prefix}:c:{GET ${escapeGlob(target.prefix)}*`);
    const tagKey = this.#tagKey(target.tag);
    const keys = await this.#redis.smembers(tagKey);
    let dropped = 0;
    for (const key of keys) {
      // The set may name a key whose entry was replaced since, without this tag: that one stays.
      const value = await this.#redis.getBuffer(key);
      const entry = value === null ? undefined : decode(value);
      if (entry !== undefined && entry.tags.includes(target.tag)) dropped += await this.#redis.del(key);
    }
    await this.#redis.del(tagKey);
    return dropped;
  }

  #tagKey(tag: string): string {
    return `${this.#options.prefix}:t:{${tag}}`;
  }

  /** Deletes every key matching a glob on every master; counts entries (markers and locks excluded). */
  async #deleteMatching(pattern: string): Promise<number> {
    const nodes = this.#redis instanceof Cluster ? this.#redis.nodes('master') : [this.#redis];
    let dropped = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          if (key.endsWith(LOCK_SUFFIX)) continue;
          const value = await this.#redis.getBuffer(key);
          if ((await this.#redis.del(key)) > 0 && value !== null && value[0] === MAGIC) dropped++;
        }
      } while (cursor !== '0');
    }
    return dropped;
  }

  // ── the cross-node single flight ────────────────────────────────────────────────────────────────

  async lead(key: string): Promise<boolean> {
    const taken = await this.#redis.set(this.#redisKey(key) + LOCK_SUFFIX, this.#id, 'PX', this.#options.lockTtlMs, 'NX');
    return taken === 'OK';
  }

  landing(key: string, ms: number): Promise<void> {
    if (this.#waiters >= MAX_LANDING_WAITERS) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#waiters--;
        resolve();
      };
      const timer = setTimeout(() => {
        const list = this.#waiting.get(key);
        if (list !== undefined) {
          const rest = list.filter((waiter) => waiter !== finish);
          if (rest.length === 0) this.#waiting.delete(key);
          else this.#waiting.set(key, rest);
        }
        finish();
      }, ms);
      this.#waiters++;
      const list = this.#waiting.get(key);
      if (list === undefined) this.#waiting.set(key, [finish]);
      else list.push(finish);
    });
  }

  landed(key: string): void {
    const lock = this.#redisKey(key) + LOCK_SUFFIX;
    void (async () => {
      await this.#redis.del(lock);
      await this.#redis.publish(this.#channel, key);
    })().catch((error: unknown) => this.#options.log.debug({ err: error }, 'landing not announced; waiting nodes fall back on their timeout'));
  }

  #land(key: string): void {
    const list = this.#waiting.get(key);
    if (list === undefined) return;
    this.#waiting.delete(key);
    for (const resolve of list) resolve();
  }
}

const LOCK_SUFFIX = '\u0004lock';

function variantKey(primary: string, variant: string): string {
  return `${primary}${VARIANT_SEPARATOR}${createHash('sha256').update(variant).digest('base64url')}`;
}

/** Redis glob metacharacters escaped, so a URL is matched as the text it is. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

function encode(entry: StoredEntry): Buffer {
  const { body, hitMemo: _memo, ...head } = entry;
  const json = Buffer.from(JSON.stringify(head));
  const out = Buffer.allocUnsafe(5 + json.length + body.byteLength);
  out[0] = MAGIC;
  out.writeUInt32BE(json.length, 1);
  json.copy(out, 5);
  out.set(body, 5 + json.length);
  return out;
}

function decode(value: Buffer): StoredEntry | undefined {
  if (value[0] !== MAGIC || value.length < 5) return undefined;
  const length = value.readUInt32BE(1);
  try {
    const head = JSON.parse(value.subarray(5, 5 + length).toString('utf8')) as Omit<StoredEntry, 'body'>;
    return { ...head, body: value.subarray(5 + length) };
  } catch {
    return undefined;
  }
}
