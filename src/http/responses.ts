// Responses Bouncer makes itself (denials, errors). Constant ones are built once: a flood of bad
// tokens is answered without allocating.
import { CACHE_STATUS } from './cache-status.js';
import type { GatewayResponse } from './exchange.js';

function plain(status: number, text: string, extra: readonly string[] = [], cacheStatus: string = CACHE_STATUS.error): GatewayResponse {
  const body = Buffer.from(text + '\n');
  return Object.freeze({
    status,
    headers: Object.freeze([
      'content-type', 'text/plain; charset=utf-8',
      'content-length', String(body.length),
      'cache-control', 'no-store',
      'cache-status', cacheStatus,
      ...extra,
    ]),
    body,
  });
}

// RFC 6750 §3: no error code when no token was sent; invalid_token when one was and failed.
export const UNAUTHORIZED_NO_TOKEN = plain(401, 'authentication required', ['www-authenticate', 'Bearer'], CACHE_STATUS.denied);
export const UNAUTHORIZED_BAD_TOKEN = plain(401, 'invalid token', ['www-authenticate', 'Bearer error="invalid_token"'], CACHE_STATUS.denied);
// RFC 6750 §3.1: a valid token that the route's claim rules refuse.
export const FORBIDDEN_SCOPE = plain(403, 'insufficient scope', ['www-authenticate', 'Bearer error="insufficient_scope"'], CACHE_STATUS.denied);
export const BAD_REQUEST = plain(400, 'bad request');
export const AUTH_UNAVAILABLE = plain(502, 'bad gateway: the auth endpoint gave no answer');
export const BAD_GATEWAY = plain(502, 'bad gateway: the origin could not be reached');
export const GATEWAY_TIMEOUT = plain(504, 'gateway timeout: the origin did not answer in time');
export const INTERNAL_ERROR = plain(500, 'internal error');
export const REVOCATION_UNAVAILABLE = plain(503, 'the revocation could not be recorded; try again', ['retry-after', '1']);
/** A logout answered by Bouncer (logout.answer: true). */
export const LOGGED_OUT: GatewayResponse = Object.freeze({
  status: 204,
  headers: Object.freeze(['cache-control', 'no-store', 'cache-status', CACHE_STATUS.denied]),
  body: null,
});
// An ESI page that could not be assembled: unreadable, too big, or an include failed without onerror="continue".
export const PAGE_NOT_ASSEMBLED = plain(502, 'bad gateway: the page could not be assembled');
// RFC 6750 has nothing for a URL signature: a plain 403, the same for expired, tampered or unknown-key URLs.
export const FORBIDDEN_SIGNATURE = plain(403, 'invalid or expired signed URL', [], CACHE_STATUS.denied);

// 429 for a client over the flood limit, one pre-built response per Retry-After value.
const tooMany = new Map<number, GatewayResponse>();
const MAX_REMEMBERED_RETRY = 3600;

export function tooManyRequests(retryAfterSeconds: number): GatewayResponse {
  let response = tooMany.get(retryAfterSeconds);
  if (response === undefined) {
    response = plain(429, 'too many failed tokens', ['retry-after', String(retryAfterSeconds)], CACHE_STATUS.denied);
    if (retryAfterSeconds <= MAX_REMEMBERED_RETRY) tooMany.set(retryAfterSeconds, response);
  }
  return response;
}

export function upstreamFailure(status: 502 | 504): GatewayResponse {
  return status === 504 ? GATEWAY_TIMEOUT : BAD_GATEWAY;
}
