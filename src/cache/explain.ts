// What serve would do with an allowed request, and why, read without doing it (`bouncer explain`,
// admin POST /explain): the same decisions as serve.ts's lookup → hit | stale | miss, taken from what
// the store and the per-key marks hold now. Nothing is fetched, stored, counted or reordered.
import type { NotStorableReason } from './storable.js';
import { NEVER, type StoredEntry } from './store.js';
import { ageSeconds } from './deliver.js';

/** Why a request is not served from the cache at all. */
export type PassReason = 'no-route' | 'cache-disabled' | 'method' | 'body' | 'unauthenticated';

/**
 * What the next such request would do: answered from the entry (hit), served stale while one
 * background request refreshes (stale), sent to the origin as a conditional request (revalidate),
 * fetched for the cache (fetch), wait for the fetch under way (collapse), sent alone because the key
 * was found not storable (forward), or passed through without the cache (pass).
 */
export type NextStep = 'hit' | 'stale' | 'revalidate' | 'fetch' | 'collapse' | 'forward' | 'pass';

export interface EntryFacts {
  readonly status: number;
  readonly bytes: number;
  readonly ageSeconds: number;
  /** Seconds of freshness left (negative: stale for that long). */
  readonly freshForSeconds: number;
  /** Seconds left in which it may be served stale while it refreshes (0: none). */
  readonly staleWhileRevalidateForSeconds: number;
  /** Seconds left in which it may stand in for a failing origin (0: none). */
  readonly staleIfErrorForSeconds: number;
  /** Seconds until a hit refreshes it in the background (refresh ahead); absent: never. */
  readonly refreshAheadInSeconds: number | undefined;
  /** The field whose directives governed storing it, and its value. */
  readonly policy: { readonly field: string; readonly value: string };
  readonly vary: readonly string[] | null;
  readonly validators: { readonly etag: string | undefined; readonly lastModified: string | undefined };
  readonly tags: readonly string[];
}

export type CacheExplanation =
  | { readonly action: 'pass'; readonly reason: PassReason; readonly next: 'pass' }
  | {
      readonly action: 'lookup';
      /** The content key (URL, auth state, partition, keyed headers; control characters as separators). */
      readonly key: string;
      readonly state: 'fresh' | 'stale-while-revalidate' | 'stale' | 'absent';
      readonly entry: EntryFacts | undefined;
      /** Why the key's last response was not stored, while that is remembered (cache.uncacheableTtl). */
      readonly notStored: NotStorableReason | undefined;
      /** A fetch of this key is under way. */
      readonly inFlight: boolean;
      /** Fields an earlier answer varied on that fills of this key now send (learned from Vary). */
      readonly learnedFields: readonly string[];
      readonly next: NextStep;
    };

export interface LookupState {
  readonly key: string;
  readonly entry: StoredEntry | undefined;
  readonly notStored: NotStorableReason | undefined;
  readonly inFlight: boolean;
  readonly learnedFields: readonly string[];
  readonly now: number;
}

/** Mirrors serve.ts's classify and miss: the first rule that applies decides the next step. */
export function explainLookup(state: LookupState): CacheExplanation {
  const { entry, now } = state;
  const lookup = { action: 'lookup', key: state.key, notStored: state.notStored, inFlight: state.inFlight, learnedFields: state.learnedFields } as const;
  if (entry === undefined) return { ...lookup, state: 'absent', entry: undefined, next: nextForMiss(state, undefined) };
  const facts = factsOf(entry, now);
  if (now < entry.freshUntil) return { ...lookup, state: 'fresh', entry: facts, next: 'hit' };
  if (now < entry.staleWhileRevalidateUntil) return { ...lookup, state: 'stale-while-revalidate', entry: facts, next: 'stale' };
  return { ...lookup, state: 'stale', entry: facts, next: nextForMiss(state, entry) };
}

function nextForMiss(state: LookupState, stale: StoredEntry | undefined): NextStep {
  if (state.notStored !== undefined) return 'forward';
  if (state.inFlight) return 'collapse';
  return stale !== undefined && (stale.etag !== undefined || stale.lastModified !== undefined) ? 'revalidate' : 'fetch';
}

function factsOf(entry: StoredEntry, now: number): EntryFacts {
  const seconds = (until: number) => Math.max(0, Math.round((until - now) / 100) / 10);
  const refreshAt = entry.refreshAt === NEVER ? undefined : Math.round((entry.refreshAt - now) / 100) / 10;
  return {
    status: entry.status,
    bytes: entry.body.byteLength,
    ageSeconds: ageSeconds(entry, now),
    freshForSeconds: Math.round((entry.freshUntil - now) / 100) / 10,
    staleWhileRevalidateForSeconds: seconds(entry.staleWhileRevalidateUntil),
    staleIfErrorForSeconds: seconds(entry.staleIfErrorUntil),
    refreshAheadInSeconds: refreshAt,
    policy: entry.policy,
    vary: entry.vary,
    validators: { etag: entry.etag, lastModified: entry.lastModified },
    tags: entry.tags,
  };
}
