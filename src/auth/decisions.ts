// The decision cache: token string → decision, bounded (LRU). A verified decision holds until the
// token's exp (capped by maxTtl), a deny for its own expiresAt (negativeTtl). Expiry is checked on
// every read against the caller's clock: lru-cache's TTL timer is too coarse for exp.
import { LRUCache } from 'lru-cache';
import type { Decision } from './types.js';

interface Entry {
  readonly decision: Decision;
  /** Epoch ms from which this entry must not be served. */
  readonly until: number;
}

export interface DecisionCacheOptions {
  /** Entries remembered at most (default 1,000,000). */
  readonly max?: number;
  /** A verified decision is remembered no longer than this (ms). */
  readonly maxTtlMs: number;
}

export class DecisionCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly maxTtlMs: number;

  constructor(options: DecisionCacheOptions) {
    this.entries = new LRUCache<string, Entry>({ max: options.max ?? 1_000_000 });
    this.maxTtlMs = options.maxTtlMs;
  }

  /** The remembered decision, if still valid at `now`. Synchronous; allocates nothing on a hit. */
  get(token: string, now: number): Decision | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.decision;
    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, decision: Decision, now: number): void {
    const until = decision.ok ? Math.min(decision.expiresAt, now + this.maxTtlMs) : decision.expiresAt;
    if (until > now) this.entries.set(token, { decision, until });
  }

  get size(): number {
    return this.entries.size;
  }
}
