// A stored response: everything delivery needs, pre-built at store time so a hit does no parsing.
import type CachePolicy from 'http-cache-semantics';
import type { GatewayResponse } from '../gateway/exchange.js';

export interface StoredResponse {
  readonly status: number;
  /** Flat name/value list as delivered, without Age and Cache-Status (added per delivery). */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
  /** Epoch ms the response was received (or last revalidated). */
  readonly responseTime: number;
  /** Age in seconds the response already had when received (Age header, Date skew). */
  readonly initialAge: number;
  /** Epoch ms until which the entry may be served without revalidation. */
  readonly freshUntil: number;
  /** Epoch ms after which a hit triggers a background refresh (refresh ahead); Infinity: never. */
  readonly refreshAt: number;
  /** Epoch ms until which a stale entry may be served while one request refreshes it. */
  readonly staleWhileRevalidateUntil: number;
  /** Epoch ms until which a stale entry may stand in for a failing origin. */
  readonly staleIfErrorUntil: number;
  /** The policy object, kept for revalidation. */
  readonly policy: CachePolicy;
  /** The request header values this variant was chosen by (see vary.ts), or "" without Vary. */
  readonly variant: string;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** Purge labels from Surrogate-Key / Cache-Tag. */
  readonly tags: readonly string[];
  /** Bytes this entry costs the store. */
  readonly size: number;
  /**
   * The last plain GET hit response built from this entry, reused while its Age is unchanged, so
   * the hot path allocates nothing per request. Owned by delivery; never copied to a new entry.
   */
  hitMemo: { readonly age: number; readonly response: GatewayResponse } | undefined;
}

/** The Age header value for an entry at `now` (RFC 9111 §4.2.3, on the store's clock). */
export function ageSeconds(entry: StoredResponse, now: number): number {
  return Math.max(0, Math.floor(entry.initialAge + (now - entry.responseTime) / 1000));
}

/** RFC 9111 §4.3.1: a stored response that can be revalidated instead of fetched again. */
export function hasValidator(entry: Pick<StoredResponse, 'etag' | 'lastModified'>): boolean {
  return entry.etag !== undefined || entry.lastModified !== undefined;
}
