// The RFC 9211 Cache-Status values Bouncer sends, and the one-word names the metrics, logs and docs
// use for them. Every client response carries exactly one of these; bouncer_requests_total counts
// each under its word.

/** One word per kind of answer: the `cache_status` label of bouncer_requests_total. */
export const CACHE_WORDS = ['hit', 'stale', 'revalidated', 'miss', 'collapsed', 'bypass', 'denied', 'error'] as const;
export type CacheWord = (typeof CACHE_WORDS)[number];

export const CACHE_STATUS = {
  /** hit: a fresh stored response. */
  hit: 'Bouncer; hit',
  /** stale: served stale while one background request refreshes it (RFC 5861). */
  staleWhileRevalidate: 'Bouncer; hit; detail=stale-while-revalidate',
  /** revalidated: the stored response, confirmed by the origin with a 304. */
  revalidated: 'Bouncer; fwd=stale; fwd-status=304',
  /** miss: fetched from the origin and stored. */
  stored: 'Bouncer; fwd=miss; stored',
  /** collapsed: waited for another request's fetch of the same key. */
  collapsed: 'Bouncer; fwd=miss; collapsed',
  /** miss: fetched, streamed, stored afterwards or not (too big to wait for). */
  miss: 'Bouncer; fwd=miss',
  /** bypass: not cacheable (method, body, route without cache). */
  bypass: 'Bouncer; fwd=bypass',
  /** bypass: a bad or missing token on an `onDenied: pass` route, forwarded untouched. */
  unauthenticated: 'Bouncer; fwd=bypass; detail=unauthenticated',
  /** denied: refused by Bouncer (401, 403, 429). */
  denied: 'Bouncer; detail=denied',
  /** error: Bouncer could not answer (400, 500, 502, 504). */
  error: 'Bouncer; detail=error',
} as const;

/** stale: a stale response standing in for a failing origin (RFC 9111 §4.2.4, RFC 5861 stale-if-error). */
export function staleIfErrorStatus(originStatus: number | undefined): string {
  return `Bouncer; fwd=stale${originStatus === undefined ? '' : `; fwd-status=${originStatus}`}; detail=stale-if-error`;
}

/** miss: a response that was fetched but not stored, and why. */
export function notStoredStatus(reason: string): string {
  return `Bouncer; fwd=miss; detail=${reason}`;
}

/**
 * The word of a Cache-Status value Bouncer sent (the inverse of the table above), for clients that
 * count answers (`bouncer impulse`) and the access log; undefined for a value of another cache, or none.
 */
export function cacheWordOf(value: string | undefined): CacheWord | undefined {
  if (value === undefined || !value.startsWith('Bouncer;')) return undefined;
  if (value.includes('detail=denied')) return 'denied';
  if (value.includes('detail=error')) return 'error';
  if (value.includes('fwd=bypass')) return 'bypass';
  if (value.includes('collapsed')) return 'collapsed';
  if (value.includes('stale-while-revalidate') || value.includes('stale-if-error')) return 'stale';
  if (value === CACHE_STATUS.revalidated || value.startsWith(`${CACHE_STATUS.revalidated};`)) return 'revalidated';
  if (value.includes('fwd=miss')) return 'miss';
  if (value === CACHE_STATUS.hit) return 'hit';
  return undefined;
}
