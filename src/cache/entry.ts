// A stored response: everything delivery needs, pre-built at store time so a hit does no parsing.
import type CachePolicy from 'http-cache-semantics';

export interface StoredResponse {
  readonly status: number;
  /** Flat name/value list as delivered, without Age and Cache-Status (added per delivery). */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
  /** Epoch ms the response was received. */
  readonly responseTime: number;
  /** Age in seconds the response already had when received (Age header, Date skew). */
  readonly initialAge: number;
  /** Epoch ms until which the entry may be served without revalidation. */
  readonly freshUntil: number;
  /** The policy object, kept for revalidation and conditional requests. */
  readonly policy: CachePolicy;
  /** The request header values this variant was chosen by (see vary.ts), or "" without Vary. */
  readonly variant: string;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /** Bytes this entry costs the store. */
  readonly size: number;
}

/** The Age header value for an entry at `now` (RFC 9111 §4.2.3, simplified: the store's clock). */
export function ageSeconds(entry: StoredResponse, now: number): number {
  return Math.max(0, Math.floor(entry.initialAge + (now - entry.responseTime) / 1000));
}
