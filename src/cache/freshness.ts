// Whether an origin response may be stored as shared content, and for how long it is fresh and may
// be served stale. RFC 9111 freshness comes from http-cache-semantics (shared cache; heuristic
// freshness only when a route configures it); Bouncer adds its invariants: Set-Cookie, private,
// no-store and Vary: * are never stored, whatever a route says.
import CachePolicy from 'http-cache-semantics';
import type { HeaderMap } from '../gateway/exchange.js';
import { parseCacheControl, secondsDirective, type Directives } from '../upstream/cache-control.js';
import { parseVary } from './vary.js';

// not-shareable: RFC 9111 §3.5 forbids it (credentials on the request, no public/s-maxage/must-revalidate).
export type NotStorableReason = 'set-cookie' | 'private' | 'no-store' | 'vary-star' | 'status' | 'not-shareable' | 'not-fresh';

/** A route's caching rules, compiled from its `cache:` section. */
export interface CacheRule {
  readonly ttl: number | undefined;
  readonly shareAuthenticated: boolean;
  readonly staleWhileRevalidate: number | undefined;
  readonly staleIfError: number | undefined;
  readonly heuristic: number | undefined;
}

export interface Lifetime {
  /** How long the response is fresh from now (0: stored only to be revalidated). */
  readonly freshMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
}

export type Assessment =
  | {
      readonly storable: true;
      readonly policy: CachePolicy;
      readonly initialAge: number;
      readonly lifetime: Lifetime;
      readonly vary: string[] | null;
    }
  | { readonly storable: false; readonly reason: NotStorableReason };

export interface AssessInput {
  readonly path: string;
  readonly requestHeaders: HeaderMap;
  /** The request carried a token or Authorization (RFC 9111 §3.5 applies). */
  readonly credentialed: boolean;
  readonly status: number;
  readonly responseHeaders: HeaderMap;
  readonly rule: CacheRule;
}

// Statuses a route's ttl may force-store (RFC 9110 §15.1 "heuristically cacheable").
const ROUTE_TTL_STATUSES = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

export function assessResponse(input: AssessInput): Assessment {
  const { responseHeaders: headers, rule } = input;
  if (headers['set-cookie'] !== undefined) return { storable: false, reason: 'set-cookie' };
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.has('private')) return { storable: false, reason: 'private' };
  if (cc.has('no-store')) return { storable: false, reason: 'no-store' };
  const vary = parseVary(headers.vary);
  if (vary === '*') return { storable: false, reason: 'vary-star' };
  if (input.credentialed && !rule.shareAuthenticated && rule.ttl === undefined && !explicitlyShared(cc)) {
    return { storable: false, reason: 'not-shareable' };
  }

  const policy = newPolicy(input.path, input.requestHeaders, input.status, headers, rule);
  if (rule.ttl !== undefined ? !ROUTE_TTL_STATUSES.has(input.status) : !policy.storable()) return { storable: false, reason: 'status' };
  const lifetime = lifetimeOf(policy, cc, rule);
  if (lifetime.freshMs <= 0 && !hasValidators(headers)) return { storable: false, reason: 'not-fresh' };
  return { storable: true, policy, initialAge: policy.age(), lifetime, vary };
}

/**
 * A 304 answering our conditional request (RFC 9111 §4.3.4): the stored response with its headers
 * updated and a new lifetime, or undefined when the 304 does not match what is stored.
 */
export function assessRevalidation(
  stored: CachePolicy,
  input: Omit<AssessInput, 'status' | 'credentialed'>,
): { policy: CachePolicy; initialAge: number; lifetime: Lifetime; headers: HeaderMap } | undefined {
  const request = { url: input.path, method: 'GET', headers: withoutCredentials(input.requestHeaders) };
  const { policy, modified } = stored.revalidatedPolicy(request, { status: 304, headers: input.responseHeaders as CachePolicy.Headers });
  if (modified) return undefined;
  const headers = policy.responseHeaders() as HeaderMap;
  delete headers.age; // Age is computed per delivery
  const cc = parseCacheControl(headers['cache-control']);
  return { policy, initialAge: policy.age(), lifetime: lifetimeOf(policy, cc, input.rule), headers };
}

/** RFC 9111 §3.5: a response to a credentialed request may be shared only when it says so. */
function explicitlyShared(cc: Directives): boolean {
  return cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate');
}

function lifetimeOf(policy: CachePolicy, cc: Directives, rule: CacheRule): Lifetime {
  const freshMs =
    rule.ttl !== undefined && !cc.has('no-cache') ? rule.ttl : Math.max(0, (policy.maxAge() - policy.age()) * 1000);
  // must-revalidate, proxy-revalidate and no-cache forbid serving stale (RFC 9111 §5.2.2.2, .8, .4);
  // an explicit stale-* directive, or the route's configuration, grants it otherwise.
  const mayServeStale = !cc.has('must-revalidate') && !cc.has('proxy-revalidate') && !cc.has('no-cache');
  return {
    freshMs,
    staleWhileRevalidateMs: mayServeStale ? (secondsDirective(cc, 'stale-while-revalidate') ?? rule.staleWhileRevalidate ?? 0) : 0,
    staleIfErrorMs: mayServeStale ? (secondsDirective(cc, 'stale-if-error') ?? rule.staleIfError ?? 0) : 0,
  };
}

function newPolicy(path: string, requestHeaders: HeaderMap, status: number, headers: HeaderMap, rule: CacheRule): CachePolicy {
  return new CachePolicy(
    // Credentials were judged above (and by Bouncer's own auth): the policy sees the request without them.
    { url: path, method: 'GET', headers: withoutCredentials(requestHeaders) },
    { status, headers: headers as CachePolicy.Headers },
    { shared: true, cacheHeuristic: rule.heuristic ?? 0, immutableMinTimeToLive: 0 },
  );
}

function withoutCredentials(headers: HeaderMap): CachePolicy.Headers {
  const { authorization: _authorization, cookie: _cookie, ...rest } = headers;
  return rest as CachePolicy.Headers;
}

function hasValidators(headers: HeaderMap): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined;
}

/** Purge labels of a response: Surrogate-Key (space-separated) and Cache-Tag (comma-separated). */
export function tagsOf(headers: HeaderMap): string[] {
  const tags: string[] = [];
  for (const [name, separator] of [['surrogate-key', /\s+/], ['cache-tag', /\s*,\s*/]] as const) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const tag of (Array.isArray(value) ? value.join(' ') : value).trim().split(separator)) if (tag) tags.push(tag);
  }
  return tags;
}
