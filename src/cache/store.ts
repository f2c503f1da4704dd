// The store contract: what the cache's state machine (serve.ts) needs of any store, the memory store
// and a Redis store alike (undici's cache stores are the model). `get` answers synchronously when it
// can (the memory store never allocates a promise on a hit: the hot path) or with a promise; the
// caller checks. A stored entry is plain data, so another process can hold it. A store that fails
// (a network store, say) rejects or throws, and the caller treats the fault as a miss.
import type { GatewayResponse } from '../http/exchange.js';
import type { Template } from '../http/template.js';
import type { GoverningField } from './directives.js';
import type { VaryRequest } from './vary.js';

export interface StoredEntry {
  readonly status: number;
  /** Flat name/value list as delivered, without Age and Cache-Status (added per delivery). */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
  /** Epoch ms the request that produced (or last revalidated) the response was sent. */
  readonly requestTime: number;
  /** Epoch ms the response was received (or last revalidated). */
  readonly responseTime: number;
  /** Age in seconds the response already had when received (RFC 9111 §4.2.3). */
  readonly initialAge: number;
  /** Epoch ms until which the entry may be served without revalidation. */
  readonly freshUntil: number;
  /** Epoch ms after which a hit triggers a background refresh (refresh ahead); NEVER: never. */
  readonly refreshAt: number;
  /** Epoch ms until which a stale entry may be served while one request refreshes it. */
  readonly staleWhileRevalidateUntil: number;
  /** Epoch ms until which a stale entry may stand in for a failing origin. */
  readonly staleIfErrorUntil: number;
  /** The field whose directives govern caching, and its value (kept: Bouncer-Cache-Control is not delivered). */
  readonly policy: { readonly field: GoverningField; readonly value: string };
  /** The request fields the response varies on (sorted, lower-case), or null. */
  readonly vary: readonly string[] | null;
  /** Their values in the request it answered (see vary.ts), "" without Vary. */
  readonly variant: string;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** Purge labels from Surrogate-Key / Cache-Tag. */
  readonly tags: readonly string[];
  /**
   * An ESI page: its body parsed when stored (literal ranges of `body` and holes, plain data), filled
   * per request by the composer; undefined for any other response.
   */
  readonly template?: Template | undefined;
  /**
   * Memory only, never part of what a store persists: the last plain GET hit response built from this
   * entry, reused while its Age is unchanged, so the hot path allocates nothing per request.
   */
  hitMemo?: { readonly age: number; readonly response: GatewayResponse } | undefined;
}

/** A time that never comes (plain data has no Infinity). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** What purge and invalidation address: a URL key ("GET /p?sorted-query"), a path prefix or a tag. */
export type StorePurge = { readonly url: string } | { readonly prefix: string } | { readonly tag: string };

export type MaybePromise<T> = T | Promise<T>;

export interface Store {
  /** The entry that answers `key` for this request (as forwarded: Vary reads it), or undefined. */
  get(key: string, request: VaryRequest): MaybePromise<StoredEntry | undefined>;
  /**
   * Like get, without any effect on the store (no recency moved, nothing copied between tiers): for
   * explaining what a request would get. Optional: a store without side effects on get needs none.
   */
  peek?(key: string, request: VaryRequest): MaybePromise<StoredEntry | undefined>;
  /** Stores the entry under `key` (its variant under the key's Vary marker). */
  set(key: string, entry: StoredEntry): MaybePromise<void>;
  /** Drops `key` and every variant of it; resolves with how many entries went. */
  delete(key: string): MaybePromise<number>;
  /**
   * Drops every entry of a URL (every partition and variant), a path prefix or a tag. `memoryOnly`:
   * a purge another node made, which already reached the tiers shared between nodes.
   */
  purge(target: StorePurge, options?: { readonly memoryOnly?: boolean }): MaybePromise<number>;
}

/**
 * Single flight across nodes (a store shared between them can offer it): one node's fetch fills the
 * shared tier, the others wait for it to land instead of asking the origin themselves.
 */
export interface CrossNodeFlight {
  /** true: this node fetches the key (it holds the key's lock); false: another node does. */
  lead(key: string): Promise<boolean>;
  /** Resolves when the leading node has stored the key (or given up), or after `ms` at the latest. */
  landing(key: string, ms: number): Promise<void>;
  /** This node's fetch of the key is over (stored or not): the lock goes, waiting nodes are told. */
  landed(key: string): void;
}
