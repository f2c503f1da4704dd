// The decision cache: credential string → decision, bounded in entries and in bytes. A verified
// decision holds until the token's exp (capped by maxTtl), a deny for its own expiresAt
// (negativeTtl). Expiry is checked on every read against the caller's clock.
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
// per token. Each slot is counted at an estimate of the heap it holds (its maker's `bytes`, from the
// constants below), and CLOCK evicts until the cache is under both bounds.
//
// Long credentials (over FINGERPRINT_ABOVE characters) are not kept at all: their slot holds a keyed
// SHA-256 of the credential (32 characters), looked up under keys of their own range of the key space
// and compared in constant time, so a slot costs the same whatever a flood of 8 KiB credentials sends.
// Short ones keep the exact-string fast path: hashing a credential costs ~1.6 µs (Node 20, 200
// characters) to ~13 µs (8 KiB), where comparing two equal strings costs well under 0.1 µs.
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { SlotTable } from './slot-table.js';
import type { Decision } from './types.js';

/** Slot times count from 2020-01-01T00:00:00Z (epoch ms); whole seconds since fit a V8 small integer until 2054. */
export const SLOT_EPOCH_MS = Date.UTC(2020, 0, 1);

/**
 * Credentials longer than this are remembered by fingerprint. Above the tokens of common identity
 * providers (a few hundred to ~2,000 characters: those keep the exact-string fast path); at most
 * ~2 KiB of text a slot below it.
 */
export const FINGERPRINT_ABOVE = 2048;

/**
 * Estimated heap of a slot besides its credential's characters and its decision: the slot object
 * (two or three fields), its position in the SlotTable (12 B a position, at most 3 in 4 used) and
 * the credential string's header (stringBytes adds 24 of them). Measured with bench/slot-bytes.ts
 * (100,000 remembered denies of 148-character tokens: 247 B each under Node 20, 281 under Bun 1.4,
 * of which 148 are characters); the larger runtime's figure, rounded up.
 */
export const SLOT_BYTES = 104;

/** Whether a credential is remembered (and its work shared in flight) by its fingerprint. */
export function isLong(credential: string): boolean {
  return credential.length > FINGERPRINT_ABOVE;
}

/** Estimated heap of a string held by a slot: its header and one byte a character (credentials are latin1). */
export function stringBytes(text: string): number {
  return 24 + ((text.length + 7) & ~7);
}

/** What the cache needs of an entry; makers extend it with the decision. */
export class Slot {
  /**
   * The slot's end and its CLOCK bit in one number: until × 2, plus 1 when read since the evictor
   * last passed. One field less in each of a million slots (8 bytes each); for JWT slots (seconds)
   * it stays a V8 small integer until 2054.
   */
  clock: number;

  constructor(
    /** Compared in full before the slot answers; a fingerprint for a long credential. Never rewritten. */
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

/**
 * Builds the slot that remembers `decision` until `until` (see Slot.until). `credential` is what the
 * slot keeps: the credential itself, or its fingerprint when `fingerprinted` (then nothing of the
 * credential's text may be read from it).
 */
export type SlotMaker<S extends Slot> = (credential: string, decision: Decision, until: number, fingerprinted: boolean) => S;

export interface DecisionCacheOptions<S extends Slot> {
  /** Entries remembered at most (default 1,000,000). */
  readonly max?: number;
  /** Estimated bytes remembered at most, counted by `bytes` (default 128 MiB). */
  readonly maxBytes?: number;
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
  /** The estimated heap a slot holds, the same every time it is asked for one slot (SLOT_BYTES, stringBytes). */
  readonly bytes: (slot: S) => number;
}

/**
 * Short credentials' keys are 30 bits, below this bit; fingerprints' keys (29 bits: long credentials
 * are rare) have it. A lookup only ever meets its own kind.
 */
const FINGERPRINT_KEY = 0x40000000;
const KEY_MASK = FINGERPRINT_KEY - 1;
const FINGERPRINT_KEY_MASK = 0x1fffffff;

export class DecisionCache<S extends Slot> {
  private readonly slots = new SlotTable<S>();
  private readonly max: number;
  private readonly maxBytes: number;
  private readonly maxTtlMs: number;
  private readonly hashTail: number;
  private readonly resolutionMs: number;
  private readonly makeSlot: SlotMaker<S>;
  private readonly bytesOf: (slot: S) => number;
  // Random per process, so which credentials share a slot cannot be worked out from outside, and
  // fingerprints cannot be computed there.
  private readonly seed = randomInt(0x7fffffff);
  private readonly fingerprintKey = randomBytes(32);
  // The last long credential fingerprinted: decide() asks for one credential's fingerprint for its
  // lookup, its in-flight work and its slot. One entry; it keeps one credential alive.
  private lastLong = '';
  private lastFingerprint = '';
  /** Estimated heap of the slots held (see `bytes`). */
  bytes = 0;

  constructor(options: DecisionCacheOptions<S>) {
    this.max = Math.max(1, options.max ?? 1_000_000);
    this.maxBytes = options.maxBytes ?? 128 * 1024 * 1024;
    this.maxTtlMs = options.maxTtlMs;
    this.hashTail = options.hashTail ?? Number.MAX_SAFE_INTEGER;
    this.resolutionMs = options.resolutionMs ?? 1;
    this.makeSlot = options.slot;
    this.bytesOf = options.bytes;
  }

  /** The remembered slot, if still valid at `now`. Synchronous; allocates nothing for a short credential. */
  get(credential: string, now: number): S | undefined {
    if (isLong(credential)) return this.getFingerprinted(this.fingerprint(credential), now);
    const key = this.keyOf(credential);
    const slot = this.slots.get(key);
    if (slot === undefined || slot.credential !== credential) return undefined;
    return this.valid(key, slot, now);
  }

  /**
   * Remembers the decision in a new slot and returns it; undefined when the decision is already over
   * (or would not fit in maxBytes on its own). A short credential is kept as given: pass a flatCopy
   * of a string cut from a request.
   */
  remember(credential: string, decision: Decision, now: number): S | undefined {
    const untilMs = decision.ok ? Math.min(decision.expiresAt, now + this.maxTtlMs) : decision.expiresAt;
    const until = Math.floor((untilMs - SLOT_EPOCH_MS) / this.resolutionMs);
    if (SLOT_EPOCH_MS + until * this.resolutionMs <= now) return undefined;
    const fingerprinted = isLong(credential);
    const kept = fingerprinted ? this.fingerprint(credential) : credential;
    const slot = this.makeSlot(kept, decision, until, fingerprinted);
    const bytes = this.bytesOf(slot);
    if (bytes > this.maxBytes) return undefined;
    const key = fingerprinted ? fingerprintKeyOf(kept) : this.keyOf(credential);
    // The one it displaces goes first, then what CLOCK picks until both bounds hold with the new one.
    this.forget(this.slots.delete(key));
    while (this.slots.size > 0 && (this.slots.size >= this.max || this.bytes + bytes > this.maxBytes)) this.forget(this.slots.evictOne());
    this.slots.set(key, slot);
    this.bytes += bytes;
    return slot;
  }

  get size(): number {
    return this.slots.size;
  }

  /** The keyed SHA-256 of a long credential, 32 latin1 characters ("binary"); the same for one credential until the process ends. */
  fingerprint(credential: string): string {
    if (credential !== this.lastLong) {
      this.lastFingerprint = createHmac('sha256', this.fingerprintKey).update(credential).digest('binary');
      this.lastLong = credential;
    }
    return this.lastFingerprint;
  }

  private getFingerprinted(fingerprint: string, now: number): S | undefined {
    const key = fingerprintKeyOf(fingerprint);
    const slot = this.slots.get(key);
    if (slot === undefined || !sameFingerprint(slot.credential, fingerprint)) return undefined;
    return this.valid(key, slot, now);
  }

  /** The slot found under `key` if it still holds at `now` (marked as read); an expired one is dropped. */
  private valid(key: number, slot: S, now: number): S | undefined {
    if (now >= SLOT_EPOCH_MS + slot.until * this.resolutionMs) {
      this.forget(this.slots.delete(key));
      return undefined;
    }
    if (slot.clock % 2 === 0) slot.clock += 1;
    return slot;
  }

  /** get without touching the slot (no CLOCK bit set, an expired slot left for get to drop): explain's read. */
  peek(credential: string, now: number): S | undefined {
    const fingerprinted = isLong(credential);
    const fingerprint = fingerprinted ? this.fingerprint(credential) : credential;
    const slot = this.slots.get(fingerprinted ? fingerprintKeyOf(fingerprint) : this.keyOf(credential));
    if (slot === undefined) return undefined;
    if (fingerprinted ? !sameFingerprint(slot.credential, fingerprint) : slot.credential !== credential) return undefined;
    return now >= SLOT_EPOCH_MS + slot.until * this.resolutionMs ? undefined : slot;
  }

  private forget(slot: S | undefined): void {
    if (slot !== undefined) this.bytes -= this.bytesOf(slot);
  }

  /** FNV-1a over the tail, seeded, folded to a small integer (a V8 Smi: no allocation, no string hash). */
  private keyOf(credential: string): number {
    let hash = this.seed ^ 0x811c9dc5;
    const end = credential.length;
    for (let i = end > this.hashTail ? end - this.hashTail : 0; i < end; i++) {
      hash = Math.imul(hash ^ credential.charCodeAt(i), 0x01000193);
    }
    return (hash ^ (hash >>> 15)) & KEY_MASK;
  }
}

/** A fingerprint is uniformly random and secret: its first characters are the key, in the upper half. */
function fingerprintKeyOf(fingerprint: string): number {
  const bits = fingerprint.charCodeAt(0) | (fingerprint.charCodeAt(1) << 8) | (fingerprint.charCodeAt(2) << 16) | (fingerprint.charCodeAt(3) << 24);
  return (bits & FINGERPRINT_KEY_MASK) | FINGERPRINT_KEY;
}

/** Equal fingerprints, in time that does not depend on where two of them differ. */
function sameFingerprint(held: string, asked: string): boolean {
  let difference = held.length ^ asked.length;
  for (let i = 0; i < asked.length; i++) difference |= held.charCodeAt(i) ^ asked.charCodeAt(i);
  return difference === 0;
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
