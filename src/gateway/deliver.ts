// Delivery: a stored response as the client gets it (Age and Cache-Status added, 304 for a client's
// own matching conditional request, no body for HEAD), and an origin response passed through.
import { ageSeconds, type StoredResponse } from '../cache/entry.js';
import { responseHeaderList } from '../upstream/headers.js';
import type { OriginResponse } from '../upstream/origin.js';
import type { GatewayRequest, GatewayResponse } from './exchange.js';
import { CACHE_STATUS } from './responses.js';

export function deliver(entry: StoredResponse, request: GatewayRequest, cacheStatus: string, at: number): GatewayResponse {
  if (cacheStatus === CACHE_STATUS.hit && request.method === 'GET' && !isConditional(request)) return plainHit(entry, at);
  const age = String(ageSeconds(entry, at));
  if (entry.status === 200 && notModified(entry, request)) {
    return { status: 304, headers: notModifiedHeaders(entry.headers).concat('age', age, 'cache-status', cacheStatus), body: null };
  }
  return { status: entry.status, headers: entry.headers.concat('age', age, 'cache-status', cacheStatus), body: request.method === 'HEAD' ? null : entry.body };
}

/** The hot path: a fresh hit for a plain GET, built once per entry and Age second. */
function plainHit(entry: StoredResponse, at: number): GatewayResponse {
  const age = ageSeconds(entry, at);
  const memo = entry.hitMemo;
  if (memo !== undefined && memo.age === age) return memo.response;
  // Frozen: fronts may keep a converted copy of a frozen header list (the Bun front's prebuilt Headers).
  const headers = Object.freeze(entry.headers.concat('age', String(age), 'cache-status', CACHE_STATUS.hit));
  const response = { status: entry.status, headers, body: entry.body };
  entry.hitMemo = { age, response };
  return response;
}

function isConditional(request: GatewayRequest): boolean {
  return request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined;
}

export function streamed(upstream: OriginResponse, request: GatewayRequest, cacheStatus: string, body: AsyncIterable<Uint8Array> = upstream.body): GatewayResponse {
  // HEAD drops the body, unless it is being collected for the store (a tee reads it to the end).
  if (request.method === 'HEAD' && body === upstream.body) upstream.abort();
  const headers = responseHeaderList(upstream.headers, { dropLength: false });
  headers.push('cache-status', cacheStatus);
  return { status: upstream.status, headers, body: request.method === 'HEAD' ? null : body };
}

/**
 * RFC 9110 §13.1.2 / §13.1.3 (evaluated per §13.2.2): If-None-Match with weak comparison wins;
 * If-Modified-Since is only looked at without it.
 */
function notModified(entry: StoredResponse, request: GatewayRequest): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (entry.etag === undefined) return false;
    const wanted = opaque(entry.etag);
    return String(ifNoneMatch)
      .split(',')
      .some((tag) => tag.trim() === '*' || opaque(tag.trim()) === wanted);
  }
  const ifModifiedSince = request.headers['if-modified-since'];
  if (typeof ifModifiedSince !== 'string' || entry.lastModified === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(entry.lastModified);
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
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
