// This node's link to the others through Redis (owned by the process that owns revocations): the
// shared revocation set (a hash of entries under one hash tag, so a Cluster keeps it in one slot,
// written with a script that only ever widens an entry, the hash's TTL the latest entry's end) and
// one pub/sub channel for revocations and purges. Every message names its sending node; a node
// ignores its own. After every reconnect of either connection (and once subscribed at start),
// `onReconnect` lets the owner merge again: a node never relies on a message it could have missed.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RemoteRevocations } from '../auth/revocation-authority.js';
import { isRevocation, revocationKey, type Revocation } from '../auth/revocations.js';
import type { Config } from '../config/schema.js';
import { connectRedis, subscribeWhenReady, type RedisConnection } from './redis-client.js';

type RedisConfig = NonNullable<Config['redis']>;
export type PurgeTarget = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

/** What another node published. */
export type RemoteEvent = { readonly type: 'revocations'; readonly entries: readonly Revocation[] } | { readonly type: 'purge'; readonly target: PurgeTarget };

// KEYS[1] the entries hash; ARGV[1] the channel, ARGV[2] the message, then (field, entry JSON, until, before) per entry.
// An entry already held as wide is left; a narrower one is widened (the later until, the later before).
const WIDEN_AND_PUBLISH = `
local latest = 0
for i = 3, #ARGV, 4 do
  local field, json, till, before = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local current = redis.call('HGET', KEYS[1], field)
  if current then
    local held = cjson.decode(current)
    local heldBefore = held['before'] or -1
    if held['until'] < till or heldBefore < before then
      local entry = cjson.decode(json)
      entry['until'] = math.max(held['until'], till)
      if entry['before'] then entry['before'] = math.max(heldBefore, before) end
      redis.call('HSET', KEYS[1], field, cjson.encode(entry))
    end
  else
    redis.call('HSET', KEYS[1], field, json)
  end
  if till > latest then latest = till end
end
local left = latest - tonumber(redis.call('TIME')[1]) * 1000
if left > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], math.floor(left)) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;

export class RedisNode implements RemoteRevocations {
  readonly id = randomUUID();
  readonly #commands: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #entriesKey: string;
  readonly #channel: string;
  #everReady = false;

  constructor(
    config: RedisConfig,
    log: Logger,
    private readonly onEvent: (event: RemoteEvent) => void,
    private readonly onReconnect: () => void,
  ) {
    this.#entriesKey = `${config.prefix}:{revocations}:entries`;
    this.#channel = `${config.prefix}:events`;
    this.#commands = connectRedis(config, 'commands');
    this.#subscriber = connectRedis(config, 'events');
    this.#commands.on('error', (error: Error) => log.debug({ err: error }, 'redis (commands)'));
    this.#subscriber.on('error', (error: Error) => log.debug({ err: error }, 'redis (events)'));
    this.#commands.on('ready', () => {
      if (this.#everReady) {
        log.info('redis reconnected: merging revocations');
        this.onReconnect();
      }
      this.#everReady = true;
    });
    this.#commands.on('close', () => this.#everReady && log.warn('redis connection lost: serving with local knowledge; revocations are journaled and published when it returns'));
    // Messages published while this node was not subscribed are lost to it: once subscribed (again),
    // it merges with Redis's set, which holds whatever those messages carried.
    subscribeWhenReady(
      this.#subscriber,
      this.#channel,
      (error) => log.warn({ err: error }, 'redis subscribe failed; tried again on reconnect'),
      () => this.onReconnect(),
    );
    this.#subscriber.on('message', (_channel: string, message: string) => this.#receive(message));
  }

  get connection(): RedisConnection {
    return this.#commands;
  }

  get ready(): boolean {
    return this.#commands.status === 'ready';
  }

  async publish(entries: readonly Revocation[]): Promise<void> {
    const args: (string | number)[] = [this.#channel, JSON.stringify({ from: this.id, type: 'revocations', entries })];
    for (const entry of entries) args.push(revocationKey(entry), JSON.stringify(entry), entry.until, 'before' in entry ? entry.before : -1);
    await this.#commands.eval(WIDEN_AND_PUBLISH, 1, this.#entriesKey, ...args);
  }

  async load(): Promise<Revocation[]> {
    const now = Date.now();
    const entries: Revocation[] = [];
    let cursor = '0';
    do {
      const [next, pairs] = await this.#commands.hscan(this.#entriesKey, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 1; i < pairs.length; i += 2) {
        let value: unknown;
        try {
          value = JSON.parse(pairs[i]!);
        } catch {
          continue;
        }
        if (isRevocation(value) && value.until > now) entries.push(value);
      }
    } while (cursor !== '0');
    return entries;
  }

  async publishPurge(target: PurgeTarget): Promise<void> {
    await this.#commands.publish(this.#channel, JSON.stringify({ from: this.id, type: 'purge', target }));
  }

  #receive(message: string): void {
    let event: { from?: unknown; type?: unknown; entries?: unknown; target?: unknown };
    try {
      event = JSON.parse(message);
    } catch {
      return;
    }
    if (event.from === this.id) return;
    if (event.type === 'revocations' && Array.isArray(event.entries)) this.onEvent({ type: 'revocations', entries: event.entries.filter(isRevocation) });
    else if (event.type === 'purge' && isPurgeTarget(event.target)) this.onEvent({ type: 'purge', target: event.target });
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect();
    this.#commands.disconnect();
  }
}

function isPurgeTarget(value: unknown): value is PurgeTarget {
  const target = value as Record<string, unknown> | null;
  if (typeof target !== 'object' || target === null) return false;
  return typeof target.url === 'string' || typeof target.prefix === 'string' || typeof target.tag === 'string';
}
