// RFC 9111 §4.2: how old a response already is when it arrives, how long it stays fresh, and the
// windows in which it may be served stale (§4.2.4, RFC 5861). Small predicates, each naming the
// section it implements; the store rules (storable.ts) and revalidation (revalidate.ts) use them.
import { secondsDirective, type Directives } from '../http/cache-control.js';
import type { HeaderMap } from '../http/exchange.js';
import { parseHttpDate } from '../http/date.js';
import { fieldValue, firstMember } from '../http/fields.js';
import type { Governing } from './directives.js';

/** When the request that produced a response was sent and its response received (epoch ms). */
export interface Timing {
  readonly requestTime: number;
  readonly responseTime: number;
}

/** What a route adds to the origin's word (see route-cache.ts). */
export interface FreshnessRule {
  /** Fresh this long whatever the origin said (but no-cache), for the statuses ROUTE_TTL_STATUSES. */
  readonly ttl: number | undefined;
  readonly staleWhileRevalidate: number | undefined;
  readonly staleIfError: number | undefined;
  /** Heuristic freshness as a fraction of the time since Last-Modified; off when undefined. */
  readonly heuristic: number | undefined;
  /** Stale-if-error when neither the origin nor the route says (cache.staleOnError; 0: off). */
  readonly staleOnError: number;
}

export interface Lifetime {
  /** The response's age when received, in seconds (§4.2.3 corrected_initial_age). */
  readonly initialAge: number;
  /** How long from its arrival the response is fresh (0: usable only after revalidation). */
  readonly freshMs: number;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
}

// RFC 9110 §15.1: statuses a cache may store with heuristic freshness; a route's ttl applies to these.
export const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

/** RFC 9110 §5.6.7: an HTTP-date in epoch ms; NaN when invalid, undefined when absent. */
export function httpDate(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseHttpDate(value);
}

/**
 * RFC 9111 §5.1: the Age field in seconds. A list keeps its first member; a value that is not a
 * non-negative integer is ignored (0).
 */
export function ageValue(headers: HeaderMap): number {
  const value = firstMember(fieldValue(headers, 'age'));
  return value !== undefined && /^\d+$/.test(value) ? Math.min(Number(value), 2 ** 31) : 0;
}

/** RFC 9111 §4.2.3: corrected_initial_age, in whole seconds. */
export function initialAge(headers: HeaderMap, timing: Timing): number {
  const date = httpDate(fieldValue(headers, 'date'));
  const apparentAge = date === undefined || Number.isNaN(date) ? 0 : Math.max(0, Math.floor((timing.responseTime - date) / 1000));
  const responseDelay = Math.max(0, Math.floor((timing.responseTime - timing.requestTime) / 1000));
  return Math.max(apparentAge, ageValue(headers) + responseDelay);
}

/** RFC 9111 §3: the response says how long it is fresh (rather than leaving it to a heuristic). */
export function hasExplicitFreshness(governing: Governing, headers: HeaderMap): boolean {
  const d = governing.directives;
  return d.has('s-maxage') || d.has('max-age') || (governing.field === 'cache-control' && headers.expires !== undefined);
}

/**
 * RFC 9111 §4.2.1: the freshness lifetime in ms, from the response's Date. s-maxage (a shared cache),
 * then max-age, then Expires − Date; an invalid value means already stale (§1.2.2, §5.3: an invalid
 * Expires, "0" included, is a time in the past). Targeted fields replace Cache-Control and Expires
 * (RFC 9213 §2.2). Heuristic freshness only where the route configures it (§4.2.2).
 */
export function freshnessLifetime(governing: Governing, headers: HeaderMap, status: number, heuristic: number | undefined, timing: Timing): number {
  const d = governing.directives;
  for (const name of ['s-maxage', 'max-age'] as const) {
    const seconds = secondsDirective(d, name);
    if (seconds !== undefined) return seconds ?? 0;
  }
  const date = httpDate(fieldValue(headers, 'date'));
  const dateValue = date === undefined || Number.isNaN(date) ? timing.responseTime : date;
  if (governing.field === 'cache-control' && headers.expires !== undefined) {
    const expires = httpDate(fieldValue(headers, 'expires'))!;
    return Number.isNaN(expires) ? 0 : Math.max(0, expires - dateValue);
  }
  if (heuristic !== undefined && HEURISTIC_STATUSES.has(status)) {
    const lastModified = httpDate(fieldValue(headers, 'last-modified'));
    if (lastModified !== undefined && !Number.isNaN(lastModified)) return Math.max(0, Math.floor((dateValue - lastModified) * heuristic));
  }
  return 0;
}

/** RFC 9111 §5.2.2.4: no-cache — stored, but used only after revalidation (lifetime 0). */
export function mustRevalidateEachUse(directives: Directives): boolean {
  return directives.has('no-cache');
}

/**
 * RFC 9111 §4.2.4: must-revalidate, proxy-revalidate and no-cache forbid serving stale at all
 * (§5.2.2.2, .8, .4), explicit stale-* directives (RFC 5861) included.
 */
export function staleForbidden(directives: Directives): boolean {
  return directives.has('must-revalidate') || directives.has('proxy-revalidate') || directives.has('no-cache');
}

/**
 * Whether cache.staleOnError, the stale-if-error nobody stated, may apply: not when s-maxage is
 * present, which implies proxy-revalidate for a shared cache (§5.2.2.10). A route's own
 * staleWhileRevalidate / staleIfError are the operator's explicit word for this cache and apply
 * beside s-maxage, as an explicit stale-* directive does.
 */
export function implicitStaleAllowed(directives: Directives): boolean {
  return !staleForbidden(directives) && !directives.has('s-maxage');
}

export function lifetimeOf(governing: Governing, headers: HeaderMap, status: number, rule: FreshnessRule, timing: Timing): Lifetime {
  const d = governing.directives;
  const age = initialAge(headers, timing);
  let freshMs: number;
  if (mustRevalidateEachUse(d)) freshMs = 0;
  else if (rule.ttl !== undefined && HEURISTIC_STATUSES.has(status)) freshMs = rule.ttl;
  else freshMs = Math.max(0, freshnessLifetime(governing, headers, status, rule.heuristic, timing) - age * 1000);
  if (staleForbidden(d)) return { initialAge: age, freshMs, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 };
  const swr = secondsDirective(d, 'stale-while-revalidate');
  const sie = secondsDirective(d, 'stale-if-error');
  return {
    initialAge: age,
    freshMs,
    staleWhileRevalidateMs: typeof swr === 'number' ? swr : (rule.staleWhileRevalidate ?? 0),
    staleIfErrorMs: typeof sie === 'number' ? sie : (rule.staleIfError ?? (implicitStaleAllowed(d) ? rule.staleOnError : 0)),
  };
}
