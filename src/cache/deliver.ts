// deliver: a stored response as the client gets it — Age and Cache-Status added, 304 for a client's
// own matching conditional request, 206/416 for a Range request, no body for HEAD — and an origin
// response passed through.
import { CACHE_STATUS } from '../http/cache-status.js';
import type { GatewayRequest, GatewayResponse } from '../http/exchange.js';
import { responseHeaderList } from '../upstream/headers.js';
import type { OriginResponse } from '../upstream/origin.js';
import { isConditional, notModified } from './conditional.js';
import { rangeOf } from './range.js';
import type { StoredEntry } from './store.js';

/**
 * Fields of an origin response that never reach a client: Bouncer's own targeted cache control, and
 * Surrogate-Control (addressed to Bouncer as the surrogate; it marks ESI pages).
 */
export const NEVER_DELIVERED: ReadonlySet<string> = new Set(['bouncer-cache-control', 'surrogate-control']);

/** The Age header value for an entry at `now` (RFC 9111 §4.2.3, on the store's clock). */
export function ageSeconds(entry: StoredEntry, now: number): number {
  return Math.max(0, Math.floor(entry.initialAge + (now - entry.responseTime) / 1000));
}

/** `extra`: header lines for this client only (a Set-Cookie the origin sent with a 304). */
export function deliver(entry: StoredEntry, request: GatewayRequest, cacheStatus: string, at: number, extra?: readonly string[]): GatewayResponse {
  const { headers } = request;
  if (cacheStatus === CACHE_STATUS.hit && request.method === 'GET' && extra === undefined && !isConditional(headers) && headers.range === undefined) {
    return plainHit(entry, at);
  }
  const tail = ['age', String(ageSeconds(entry, at)), 'cache-status', cacheStatus, ...(extra ?? [])];
  if (entry.status === 200 && isConditional(headers) && notModified(entry, headers)) {
    return { status: 304, headers: notModifiedHeaders(entry.headers).concat(tail), body: null };
  }
  const range = rangeOf(entry, request.method, headers);
  const length = entry.body.byteLength;
  if (range.kind === 'partial') {
    const body = entry.body.subarray(range.start, range.end + 1);
    const partial = withoutLength(entry.headers).concat('content-range', `bytes ${range.start}-${range.end}/${length}`, 'content-length', String(body.byteLength));
    return { status: 206, headers: partial.concat(tail), body };
  }
  if (range.kind === 'unsatisfiable') {
    return { status: 416, headers: ['content-range', `bytes */${length}`, 'content-length', '0'].concat(tail), body: null };
  }
  return { status: entry.status, headers: entry.headers.concat(tail), body: request.method === 'HEAD' ? null : entry.body };
}

/** The hot path: a fresh hit for a plain GET, built once per entry and Age second. */
function plainHit(entry: StoredEntry, at: number): GatewayResponse {
  const age = ageSeconds(entry, at);
  const memo = entry.hitMemo;
  if (memo !== undefined && memo.age === age) return memo.response;
  // Frozen: fronts may keep a converted copy of a frozen header list (the Bun front's prebuilt Headers).
  const headers = Object.freeze(entry.headers.concat('age', String(age), 'cache-status', CACHE_STATUS.hit));
  const response = { status: entry.status, headers, body: entry.body };
  entry.hitMemo = { age, response };
  return response;
}

export function streamed(upstream: OriginResponse, request: GatewayRequest, cacheStatus: string, body: AsyncIterable<Uint8Array> = upstream.body, extra?: readonly string[]): GatewayResponse {
  // HEAD drops the body, unless it is being collected for the store (a tee reads it to the end).
  if (request.method === 'HEAD' && body === upstream.body) upstream.abort();
  const headers = responseHeaderList(upstream.headers, { dropLength: false, drop: NEVER_DELIVERED });
  headers.push('cache-status', cacheStatus);
  if (extra !== undefined) headers.push(...extra);
  return { status: upstream.status, headers, body: request.method === 'HEAD' ? null : body };
}

// RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent among these.
const NOT_MODIFIED_FIELDS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified']);

function notModifiedHeaders(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (NOT_MODIFIED_FIELDS.has(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

function withoutLength(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
