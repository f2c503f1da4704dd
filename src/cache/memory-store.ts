// The in-memory content store: an LRU bounded in bytes, with the indexes purging needs.
//
// Keys: a primary key per URL and partition (see key.ts). A response that varies is kept as a
// marker under its primary key, naming the headers it varies on, plus one entry per variant under
// "primary key + U+0002 + variant"; a lookup follows the marker with the request's own values.
import { LRUCache } from 'lru-cache';
import type { HeaderMap } from '../gateway/exchange.js';
import type { StoredResponse } from './entry.js';
import { urlOfKey, VARIANT_SEPARATOR } from './key.js';
import { variantOf } from './vary.js';

interface VaryMarker {
  readonly varyOn: readonly string[];
  /** Variant fragments stored under this marker, so dropping the key finds them without a scan. */
  readonly variants: Set<string>;
}
type Slot = StoredResponse | VaryMarker;

const MARKER_SIZE = 64;

export interface MemoryStoreOptions {
  readonly maxBytes: number;
  readonly maxObjectBytes: number;
}

export class MemoryStore {
  readonly #lru: LRUCache<string, Slot>;
  /** "GET /path?query" → primary keys stored for it (one per partition). */
  readonly #byUrl = new Map<string, Set<string>>();
  /** Tag → keys of the stored responses labelled with it. */
  readonly #byTag = new Map<string, Set<string>>();

  constructor(options: MemoryStoreOptions) {
    this.#lru = new LRUCache<string, Slot>({
      maxSize: options.maxBytes,
      maxEntrySize: options.maxObjectBytes + 64 * 1024,
      sizeCalculation: (slot) => (isMarker(slot) ? MARKER_SIZE : slot.size),
      // After removal (eviction, delete, replacement) the indexes forget the slot; safe to touch the cache here.
      disposeAfter: (slot, key) => this.#forget(slot, key),
    });
  }

  /** The entry that answers a request with these headers, or undefined. Synchronous: the hot path. */
  lookup(key: string, headers: HeaderMap): StoredResponse | undefined {
    const slot = this.#lru.get(key);
    if (slot === undefined || !isMarker(slot)) return slot;
    const variant = this.#lru.get(key + VARIANT_SEPARATOR + variantOf(slot.varyOn, headers));
    return variant !== undefined && !isMarker(variant) ? variant : undefined;
  }

  store(key: string, entry: StoredResponse, varyOn: readonly string[] | null): void {
    let slotKey = key;
    if (varyOn === null) {
      const existing = this.#lru.peek(key);
      if (existing !== undefined && isMarker(existing)) this.deleteKey(key);
      this.#lru.set(key, entry);
    } else {
      let marker = this.#lru.peek(key);
      if (marker === undefined || !isMarker(marker) || marker.varyOn.join() !== varyOn.join()) {
        // A different Vary list makes the old variants unreachable: drop them with their marker.
        this.deleteKey(key);
        marker = { varyOn, variants: new Set() };
        this.#lru.set(key, marker);
      }
      marker.variants.add(entry.variant);
      slotKey = key + VARIANT_SEPARATOR + entry.variant;
      this.#lru.set(slotKey, entry);
    }
    if (!this.#lru.has(slotKey)) return; // refused (over maxEntrySize)
    index(this.#byUrl, urlOfKey(key), key);
    for (const tag of entry.tags) index(this.#byTag, tag, slotKey);
  }

  /** Drops a primary key and all its variants; returns how many stored responses went. */
  deleteKey(key: string): number {
    const slot = this.#lru.peek(key);
    if (slot === undefined) return 0;
    this.#lru.delete(key);
    if (!isMarker(slot)) return 1;
    let dropped = 0;
    for (const variant of slot.variants) if (this.#lru.delete(key + VARIANT_SEPARATOR + variant)) dropped++;
    return dropped;
  }

  /** Drops every partition and variant of one URL ("GET /path?sorted-query"). */
  purgeUrl(url: string): number {
    let dropped = 0;
    for (const key of [...(this.#byUrl.get(url) ?? [])]) dropped += this.deleteKey(key);
    return dropped;
  }

  /** Drops every URL whose path starts with `prefix`. */
  purgePrefix(prefix: string): number {
    let dropped = 0;
    for (const url of [...this.#byUrl.keys()]) if (url.startsWith('GET ' + prefix)) dropped += this.purgeUrl(url);
    return dropped;
  }

  /** Drops every stored response labelled with `tag`. */
  purgeTag(tag: string): number {
    let dropped = 0;
    for (const key of [...(this.#byTag.get(tag) ?? [])]) if (this.#lru.delete(key)) dropped++;
    return dropped;
  }

  #forget(slot: Slot, key: string): void {
    if (isMarker(slot)) {
      // An evicted marker leaves its variants unreachable; drop them too.
      for (const variant of slot.variants) this.#lru.delete(key + VARIANT_SEPARATOR + variant);
    } else {
      for (const tag of slot.tags) unindex(this.#byTag, tag, key);
    }
    if (!key.includes(VARIANT_SEPARATOR) && this.#lru.peek(key) === undefined) unindex(this.#byUrl, urlOfKey(key), key);
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get size(): number {
    return this.#lru.size;
  }
}

function isMarker(slot: Slot): slot is VaryMarker {
  return (slot as VaryMarker).varyOn !== undefined;
}

function index(map: Map<string, Set<string>>, name: string, key: string): void {
  let keys = map.get(name);
  if (keys === undefined) map.set(name, (keys = new Set()));
  keys.add(key);
}

function unindex(map: Map<string, Set<string>>, name: string, key: string): void {
  const keys = map.get(name);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) map.delete(name);
}
