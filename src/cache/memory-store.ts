// The in-memory store: an LRU bounded in bytes (cache.maxBytes), with the indexes purging needs,
// which are counted in the same budget: every byte the store holds for an entry (body, headers, its
// key in the URL index, its tags in the tag index, its variant in its marker) is charged to the entry.
//
// Keys: a primary key per URL, auth state and partition (see key.ts). A response that varies is kept
// as a marker under its primary key, naming the fields it varies on, plus one entry per variant under
// "primary key + U+0002 + variant"; a lookup follows the marker with the request's own values. A
// marker holds at most MAX_VARIANTS variants (the oldest goes first), and forgets each as it goes.
import { LRUCache } from 'lru-cache';
import { urlOfKey, VARIANT_SEPARATOR } from './key.js';
import type { Store, StoredEntry, StorePurge } from './store.js';
import { variantOf, type VaryRequest } from './vary.js';

interface VaryMarker {
  readonly varyOn: readonly string[];
  /** Variant fragments stored under this marker, oldest first. */
  readonly variants: Set<string>;
}
type Slot = StoredEntry | VaryMarker;

const MARKER_BYTES = 256;
/** What an entry costs beyond its strings: objects, index and LRU bookkeeping (a generous estimate). */
const ENTRY_OVERHEAD_BYTES = 512;
export const MAX_VARIANTS = 1024;

export interface MemoryStoreOptions {
  readonly maxBytes: number;
  readonly maxObjectBytes: number;
}

export class MemoryStore implements Store {
  readonly #lru: LRUCache<string, Slot>;
  /** "GET /path?query" → primary keys stored for it (one per auth state and partition). */
  readonly #byUrl = new Map<string, Set<string>>();
  /** Tag → keys of the stored responses labelled with it. */
  readonly #byTag = new Map<string, Set<string>>();

  constructor(options: MemoryStoreOptions) {
    this.#lru = new LRUCache<string, Slot>({
      maxSize: options.maxBytes,
      maxEntrySize: options.maxObjectBytes + 64 * 1024,
      sizeCalculation: (slot, key) => (isMarker(slot) ? MARKER_BYTES + 2 * key.length : entryBytes(key, slot)),
      // After removal (eviction, delete, replacement) the indexes forget the slot; safe to touch the cache here.
      disposeAfter: (slot, key, reason) => this.#forget(slot, key, reason),
    });
  }

  /** Synchronous: the hot path. */
  get(key: string, request: VaryRequest): StoredEntry | undefined {
    const slot = this.#lru.get(key);
    if (slot === undefined || !isMarker(slot)) return slot;
    const variant = this.#lru.get(key + VARIANT_SEPARATOR + variantOf(slot.varyOn, request));
    return variant !== undefined && !isMarker(variant) ? variant : undefined;
  }

  /** get without moving anything up the LRU. */
  peek(key: string, request: VaryRequest): StoredEntry | undefined {
    const slot = this.#lru.peek(key);
    if (slot === undefined || !isMarker(slot)) return slot;
    const variant = this.#lru.peek(key + VARIANT_SEPARATOR + variantOf(slot.varyOn, request));
    return variant !== undefined && !isMarker(variant) ? variant : undefined;
  }

  set(key: string, entry: StoredEntry): void {
    let slotKey = key;
    if (entry.vary === null) {
      const existing = this.#lru.peek(key);
      if (existing !== undefined && isMarker(existing)) this.delete(key);
      this.#lru.set(key, entry);
    } else {
      let marker = this.#lru.peek(key);
      if (marker === undefined || !isMarker(marker) || marker.varyOn.join() !== entry.vary.join()) {
        // A different Vary list makes the old variants unreachable: drop them with their marker.
        this.delete(key);
        marker = { varyOn: entry.vary, variants: new Set() };
        this.#lru.set(key, marker);
      }
      slotKey = key + VARIANT_SEPARATOR + entry.variant;
      marker.variants.delete(entry.variant);
      marker.variants.add(entry.variant);
      this.#lru.set(slotKey, entry);
      if (!this.#lru.has(slotKey)) {
        // Refused (over maxEntrySize); lru-cache dropped what the slot held with reason "set",
        // which #forget leaves in the marker: the marker must not name a variant that is not there.
        marker.variants.delete(entry.variant);
        return;
      }
      if (marker.variants.size > MAX_VARIANTS) {
        const oldest = marker.variants.values().next().value!;
        marker.variants.delete(oldest);
        this.#lru.delete(key + VARIANT_SEPARATOR + oldest);
      }
    }
    if (!this.#lru.has(slotKey)) return; // refused (over maxEntrySize)
    index(this.#byUrl, urlOfKey(key), key);
    for (const tag of entry.tags) index(this.#byTag, tag, slotKey);
  }

  /** Drops a primary key and all its variants; returns how many stored responses went. */
  delete(key: string): number {
    const slot = this.#lru.peek(key);
    if (slot === undefined) return 0;
    if (!isMarker(slot)) return this.#lru.delete(key) ? 1 : 0;
    let dropped = 0;
    for (const variant of [...slot.variants]) if (this.#lru.delete(key + VARIANT_SEPARATOR + variant)) dropped++;
    this.#lru.delete(key);
    return dropped;
  }

  purge(target: StorePurge): number {
    if ('tag' in target) return this.#purgeTag(target.tag);
    if ('prefix' in target) return this.#purgePrefix(target.prefix);
    return this.#purgeUrl(target.url);
  }

  /** Every partition and variant of one URL ("GET /path?sorted-query"). */
  #purgeUrl(url: string): number {
    let dropped = 0;
    for (const key of [...(this.#byUrl.get(url) ?? [])]) dropped += this.delete(key);
    return dropped;
  }

  #purgePrefix(prefix: string): number {
    let dropped = 0;
    for (const url of [...this.#byUrl.keys()]) if (url.startsWith('GET ' + prefix)) dropped += this.#purgeUrl(url);
    return dropped;
  }

  #purgeTag(tag: string): number {
    let dropped = 0;
    for (const key of [...(this.#byTag.get(tag) ?? [])]) if (this.#lru.delete(key)) dropped++;
    return dropped;
  }

  #forget(slot: Slot, key: string, reason: LRUCache.DisposeReason): void {
    const separator = key.indexOf(VARIANT_SEPARATOR);
    if (isMarker(slot)) {
      // A marker that goes leaves its variants unreachable: drop them too.
      for (const variant of [...slot.variants]) this.#lru.delete(key + VARIANT_SEPARATOR + variant);
    } else {
      for (const tag of slot.tags) unindex(this.#byTag, tag, key);
      if (separator !== -1 && reason !== 'set') {
        // A variant that goes leaves its marker.
        const marker = this.#lru.peek(key.slice(0, separator));
        if (marker !== undefined && isMarker(marker)) marker.variants.delete(key.slice(separator + 1));
      }
    }
    if (separator === -1 && this.#lru.peek(key) === undefined) unindex(this.#byUrl, urlOfKey(key), key);
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Stored responses and Vary markers. */
  get size(): number {
    return this.#lru.size;
  }
}

function isMarker(slot: Slot): slot is VaryMarker {
  return (slot as VaryMarker).varyOn !== undefined;
}

/** Every byte the store holds for this entry: key (in the LRU and the URL index), headers, body, tags, variant. */
function entryBytes(key: string, entry: StoredEntry): number {
  let bytes = ENTRY_OVERHEAD_BYTES + 4 * key.length + entry.body.byteLength + 2 * entry.variant.length;
  for (const field of entry.headers) bytes += 2 * field.length;
  for (const tag of entry.tags) bytes += 4 * tag.length + 64;
  return bytes;
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
