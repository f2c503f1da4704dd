// The decision cache: credential string → decision, bounded. A verified decision holds until the
// token's exp (capped by maxTtl), a deny for its own expiresAt (negativeTtl). Expiry is checked on
// every read against the caller's clock.
//
// Why not a Map keyed by the token: every request brings a fresh token string, and hashing it for a
// string-keyed lookup (lru-cache or a plain Map) measured as the largest cost of a cached hit on
// Node (about 3 µs of 20 µs per request with 10,000 users). Here a slot is found by a seeded 30-bit
// hash of the credential's tail (a small integer key, hashed for free), and the slot answers only
// when its stored credential equals the request's. Two credentials sharing a slot never share a
// decision: the newer displaces the older (a new slot, never an old one rewritten: a slot already
// handed out keeps its credential), which is verified again when it next comes.
//
// The index is a SlotTable (slot-table.ts: open addressing over typed arrays, smaller than a Map).
// Eviction is CLOCK (second chance): a read sets a bit instead of moving a list node, and the hand
// that walks the table gives a recently read entry one more round.
//
// Memory: a million remembered credentials are the bulk of a busy gateway's heap. Callers hand the
// cache a flat copy of each credential (flatCopy: a request's token is usually a slice of its
// Authorization header, and keeping the slice keeps the whole header), and what a slot holds is up to
// its maker: the authenticator's slots are the decision itself (see remembered.ts), one small object
// per token.
import { randomInt } from 'node:crypto';
import { SlotTable } from './slot-table.js';
import type { Decision } from './types.js';

/** Slot times count from 2020-01-01T00:00:00Z (epoch ms); whole seconds since fit a V8 small integer until 2054. */
export const SLOT_EPOCH_MS = Date.UTC(2020, 0, 1);

/** What the cache needs of an entry; makers extend it with the decision. */
export class Slot {
  /**
   * The slot's end and its CLOCK bit in one number: until × 2, plus 1 when read since the evictor
   * last passed. One field less in each of a million slots (8 bytes each); for JWT slots (seconds)
   * it stays a V8 small integer until 2054.
   */
  clock: number;

  constructor(
    /** Compared in full before the slot answers. Never rewritten. */
    readonly credential: string,
    /** See `until`. */
    until: number,
  ) {
    this.clock = until * 2;
  }

  /**
   * From when this slot must not answer: whole units of the cache's resolution since SLOT_EPOCH_MS,
   * rounded down. In seconds this is a V8 small integer, stored in the slot itself; an epoch-ms
   * number would be a separate 16-byte heap number in every slot.
   */
  get until(): number {
    return Math.floor(this.clock / 2);
  }
}

/** A slot holding a decision object as it is (the delegate's answers). */
export class DecisionSlot extends Slot {
  constructor(
    credential: string,
    until: number,
    readonly decision: Decision,
  ) {
    super(credential, until);
  }
}

/** Builds the slot that remembers `decision` for `credential` until `until` (see Slot.until). */
export type SlotMaker<S extends Slot> = (credential: string, decision: Decision, until: number) => S;

export interface DecisionCacheOptions<S extends Slot> {
  /** Entries remembered at most (default 1,000,000). */
  readonly max?: number;
  /** A verified decision is remembered no longer than this (ms). */
  readonly maxTtlMs: number;
  /**
   * Hash only the last N characters of a credential (default: all of it). For a JWS the tail is the
   * signature, uniformly random for every token that verifies; an attacker who crafts tokens with one
   * tail only makes them displace each other.
   */
  readonly hashTail?: number;
  /**
   * The unit of slot times (ms, default 1). A coarser one makes every decision end up to one unit
   * early (re-verified sooner), never late.
   */
  readonly resolutionMs?: number;
  readonly slot: SlotMaker<S>;
}

export class DecisionCache<S extends Slot> {
  private readonly slots = new SlotTable<S>();
  private readonly max: number;
  private readonly maxTtlMs: number;
  private readonly hashTail: number;
  private readonly resolutionMs: number;
  private readonly makeSlot: SlotMaker<S>;
  // Random per process, so which credentials share a slot cannot be worked out from outside.
  private readonly seed = randomInt(0x7fffffff);

  constructor(options: DecisionCacheOptions<S>) {
    this.max = Math.max(1, options.max ?? 1_000_000);
    this.maxTtlMs = options.maxTtlMs;
    this.hashTail = options.hashTail ?? Number.MAX_SAFE_INTEGER;
    this.resolutionMs = options.resolutionMs ?? 1;
    this.makeSlot = options.slot;
  }

  /** The remembered slot, if still valid at `now`. Synchronous; allocates nothing. */
  get(credential: string, now: number): S | undefined {
    const key = this.keyOf(credential);
    const slot = this.slots.get(key);
    if (slot === undefined || slot.credential !== credential) return undefined;
    if (now >= SLOT_EPOCH_MS + slot.until * this.resolutionMs) {
      this.slots.delete(key);
      return undefined;
    }
    if (slot.clock % 2 === 0) slot.clock += 1;
    return slot;
  }

  /**
   * Remembers the decision in a new slot and returns it; undefined when the decision is already over.
   * The slot keeps `credential` as given: pass a flatCopy of a string cut from a request.
   */
  remember(credential: string, decision: Decision, now: number): S | undefined {
    const untilMs = decision.ok ? Math.min(decision.expiresAt, now + this.maxTtlMs) : decision.expiresAt;
    const until = Math.floor((untilMs - SLOT_EPOCH_MS) / this.resolutionMs);
    if (SLOT_EPOCH_MS + until * this.resolutionMs <= now) return undefined;
    const slot = this.makeSlot(credential, decision, until);
    const key = this.keyOf(credential);
    if (!this.slots.has(key) && this.slots.size >= this.max) this.slots.evictOne();
    this.slots.set(key, slot);
    return slot;
  }

  get size(): number {
    return this.slots.size;
  }

  /** FNV-1a over the tail, seeded, folded to a small integer (a V8 Smi: no allocation, no string hash). */
  private keyOf(credential: string): number {
    let hash = this.seed ^ 0x811c9dc5;
    const end = credential.length;
    for (let i = end > this.hashTail ? end - this.hashTail : 0; i < end; i++) {
      hash = Math.imul(hash ^ credential.charCodeAt(i), 0x01000193);
    }
    return (hash ^ (hash >>> 15)) & 0x3fffffff;
  }
}

/**
 * A copy of the credential in its own flat string. A token cut from a header is a view of the header
 * string (a V8 sliced string, a JSC substring) and would keep all of it alive. The copy goes through
 * latin1 bytes (header values are latin1, tokens ASCII), and is used only when it equals the original:
 * any other credential (a decoded query parameter, say) is kept as it came, never altered.
 */
export function flatCopy(credential: string): string {
  const copy = Buffer.from(credential, 'latin1').toString('latin1');
  return copy === credential ? copy : credential;
}
