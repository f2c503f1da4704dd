// The in-memory content store: an LRU bounded in bytes. A response that varies is kept as a marker
// under its primary key (naming the headers it varies on) plus one entry per variant under
// "primary key + U+0002 + variant"; a lookup follows the marker with the request's own header values.
import { LRUCache } from 'lru-cache';
import type { HeaderMap } from '../gateway/exchange.js';
import type { StoredResponse } from './entry.js';
import { variantOf } from './vary.js';

interface VaryMarker {
  readonly varyOn: readonly string[];
  /** Variant fragments stored under this marker, so purging the key finds them without a scan. */
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

  constructor(options: MemoryStoreOptions) {
    this.#lru = new LRUCache<string, Slot>({
      maxSize: options.maxBytes,
      maxEntrySize: options.maxObjectBytes + 64 * 1024,
      sizeCalculation: (slot) => ('varyOn' in slot ? MARKER_SIZE : slot.size),
    });
  }

  /** The entry that answers a request with these headers, or undefined. Synchronous: the hot path. */
  lookup(key: string, headers: HeaderMap): StoredResponse | undefined {
    const slot = this.#lru.get(key);
    if (slot === undefined || !('varyOn' in slot)) return slot;
    const variant = this.#lru.get(variantKey(key, variantOf(slot.varyOn, headers)));
    return variant !== undefined && !('varyOn' in variant) ? variant : undefined;
  }

  store(key: string, entry: StoredResponse, varyOn: readonly string[] | null): void {
    if (varyOn === null) {
      this.#lru.set(key, entry);
      return;
    }
    let marker = this.#lru.get(key);
    if (marker === undefined || !('varyOn' in marker) || marker.varyOn.join() !== varyOn.join()) {
      // A different Vary list makes the old variants unreachable; drop them with their marker.
      this.deleteKey(key);
      marker = { varyOn, variants: new Set() };
      this.#lru.set(key, marker);
    }
    marker.variants.add(entry.variant);
    this.#lru.set(variantKey(key, entry.variant), entry);
  }

  /** Removes a primary key and all its variants; returns how many stored responses were dropped. */
  deleteKey(key: string): number {
    const slot = this.#lru.peek(key);
    if (slot === undefined) return 0;
    this.#lru.delete(key);
    if (!('varyOn' in slot)) return 1;
    let dropped = 0;
    for (const variant of slot.variants) if (this.#lru.delete(variantKey(key, variant))) dropped++;
    return dropped;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get size(): number {
    return this.#lru.size;
  }
}

function variantKey(key: string, variant: string): string {
  return key + '\u0002' + variant;
}
