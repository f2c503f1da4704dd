// Whether an origin response may be stored as shared content, and for how long. RFC 9111 rules come
// from http-cache-semantics (shared cache, no heuristic freshness); Bouncer adds its invariants:
// Set-Cookie, private, no-store and Vary: * are never stored, whatever a route says.
import CachePolicy from 'http-cache-semantics';
import type { HeaderMap } from '../gateway/exchange.js';
import { parseVary } from './vary.js';

// not-shareable: RFC 9111 forbids it (e.g. a request with Authorization and no public/s-maxage).
export type NotStorableReason = 'set-cookie' | 'private' | 'no-store' | 'vary-star' | 'status' | 'not-shareable' | 'not-fresh';

export type Assessment =
  | { readonly storable: true; readonly policy: CachePolicy; readonly freshUntil: number; readonly initialAge: number; readonly vary: string[] | null }
  | { readonly storable: false; readonly reason: NotStorableReason };

export interface AssessInput {
  readonly path: string;
  readonly requestHeaders: HeaderMap;
  readonly status: number;
  readonly responseHeaders: HeaderMap;
  /** A route-forced freshness lifetime in ms (stands in for the origin's). */
  readonly routeTtl: number | undefined;
  readonly now: number;
}

// Statuses a cache understands and may store when told to (RFC 9110 §15.1 "heuristically cacheable").
const ROUTE_TTL_STATUSES = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

export function assessResponse(input: AssessInput): Assessment {
  const { responseHeaders: headers } = input;
  if (headers['set-cookie'] !== undefined) return { storable: false, reason: 'set-cookie' };
  const cacheControl = directives(headers['cache-control']);
  if (cacheControl.has('private')) return { storable: false, reason: 'private' };
  if (cacheControl.has('no-store')) return { storable: false, reason: 'no-store' };
  const vary = parseVary(headers.vary);
  if (vary === '*') return { storable: false, reason: 'vary-star' };

  const policy = new CachePolicy(
    { url: input.path, method: 'GET', headers: input.requestHeaders as CachePolicy.Headers },
    { status: input.status, headers: headers as CachePolicy.Headers },
    { shared: true, cacheHeuristic: 0, immutableMinTimeToLive: 0, ignoreCargoCult: false },
  );
  const initialAge = policy.age();

  if (input.routeTtl !== undefined) {
    if (!ROUTE_TTL_STATUSES.has(input.status)) return { storable: false, reason: 'status' };
    if (cacheControl.has('no-cache')) return { storable: false, reason: 'not-fresh' };
    return { storable: true, policy, initialAge, vary, freshUntil: input.now + input.routeTtl };
  }
  if (!policy.storable()) return { storable: false, reason: 'not-shareable' };
  const freshSeconds = policy.maxAge() - initialAge;
  if (freshSeconds <= 0) return { storable: false, reason: 'not-fresh' };
  return { storable: true, policy, initialAge, vary, freshUntil: input.now + freshSeconds * 1000 };
}

/** Directive names of a Cache-Control header, lower-case. */
export function directives(value: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  if (value === undefined) return out;
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.split('=', 1)[0]!.trim().toLowerCase();
    if (name) out.add(name);
  }
  return out;
}
