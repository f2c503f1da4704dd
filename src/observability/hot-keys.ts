// The hottest cache keys since start, for the admin's /stats and dashboard (not a Prometheus
// metric: its label values would be unbounded). Bounded in entries and bytes, and nearly free on the
// hit path: a lookup costs one decrement; only one lookup in about `sampleEvery` (a random gap, so a
// crowd cycling through exactly N keys cannot hide one) is counted, standing for the whole gap.
// Counting is the Space-Saving algorithm (Metwally et al. 2005): a full table replaces its least
// counted key, whose count the newcomer inherits, so every key hotter than that minimum is kept.

export interface HotKey {
  readonly key: string;
  /** Estimated lookups (sampled, each sample weighted by its gap). */
  readonly requests: number;
  /** Size of the stored body when last seen (0: not stored when sampled). */
  readonly bytes: number;
}

export interface HotKeysOptions {
  /** Keys tracked at most. */
  readonly capacity: number;
  /** Mean gap between counted lookups. */
  readonly sampleEvery: number;
  /** Longer keys are cut to this many characters. */
  readonly maxKeyLength: number;
}

interface Count {
  requests: number;
  bytes: number;
}

export class HotKeys {
  readonly #options: HotKeysOptions;
  readonly #counts = new Map<string, Count>();
  #countdown: number;
  #gap: number;
  #random = 0x2545f491;

  constructor(options: HotKeysOptions) {
    if (options.capacity < 1 || options.sampleEvery < 1 || options.maxKeyLength < 1) throw new TypeError('HotKeys needs capacity, sampleEvery and maxKeyLength of at least 1');
    this.#options = options;
    this.#gap = this.#countdown = this.#nextGap();
  }

  /** A lookup of `key` (whose stored body has `bytes`, 0 when none); counted once per gap. */
  offer(key: string, bytes: number): void {
    if (--this.#countdown > 0) return;
    this.#count(key, bytes, this.#gap);
    this.#gap = this.#countdown = this.#nextGap();
  }

  /** The `limit` most requested keys, most requested first. */
  top(limit: number): HotKey[] {
    return [...this.#counts.entries()]
      .map(([key, count]) => ({ key, requests: count.requests, bytes: count.bytes }))
      .sort((a, b) => b.requests - a.requests)
      .slice(0, limit);
  }

  get size(): number {
    return this.#counts.size;
  }

  #count(rawKey: string, bytes: number, weight: number): void {
    const key = rawKey.length > this.#options.maxKeyLength ? rawKey.slice(0, this.#options.maxKeyLength) : rawKey;
    const held = this.#counts.get(key);
    if (held !== undefined) {
      held.requests += weight;
      if (bytes > 0) held.bytes = bytes;
      return;
    }
    let inherited = 0;
    if (this.#counts.size >= this.#options.capacity) {
      let least: string | undefined;
      for (const [name, count] of this.#counts) {
        if (least === undefined || count.requests < inherited) {
          least = name;
          inherited = count.requests;
        }
      }
      this.#counts.delete(least!);
    }
    this.#counts.set(key, { requests: inherited + weight, bytes });
  }

  /** A gap uniform in [1, 2 × sampleEvery − 1] (xorshift32): mean sampleEvery. */
  #nextGap(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    const span = 2 * this.#options.sampleEvery - 1;
    return 1 + ((x >>> 0) % span);
  }
}
