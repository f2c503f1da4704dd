// Whether an origin response may be stored as shared content (RFC 9111 §3, §3.5), and Bouncer's own
// invariants on top: Set-Cookie, private, no-store and Vary: * are never stored, whatever a route
// says. The same rules run on a fresh response and on a stored one updated by a 304.
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import type { Governing } from './directives.js';
import { hasExplicitFreshness, HEURISTIC_STATUSES, lifetimeOf, type FreshnessRule, type Lifetime, type Timing } from './freshness.js';
import { parseVary } from './vary.js';

// not-shareable: RFC 9111 §3.5 forbids it (credentials on the request, no public/s-maxage/must-revalidate).
export type NotStorableReason = 'set-cookie' | 'private' | 'no-store' | 'vary-star' | 'status' | 'not-shareable' | 'not-fresh' | 'too-big';

/** Each refusal as an operator reads it (`bouncer explain`), in the order refusal() checks them. */
export const NOT_STORABLE_RULES: Readonly<Record<NotStorableReason, string>> = {
  'set-cookie': 'response had Set-Cookie (never stored)',
  private: 'response said Cache-Control: private (never stored by a shared cache)',
  'no-store': 'response said no-store',
  'vary-star': 'response said Vary: * (matches no later request)',
  status: 'its status is not one a cache may store here (or must-understand did not understand it)',
  'not-shareable': 'the request carried credentials and the response did not say public, s-maxage or must-revalidate (RFC 9111 §3.5; a route opts in with cache.ttl or cache.shareAuthenticated)',
  'not-fresh': 'response had no freshness and no validator (nothing to reuse or revalidate)',
  'too-big': 'response body was larger than cache.maxObjectBytes',
};

/** A route's caching rules, as the store rules read them. */
export interface StoreRule extends FreshnessRule {
  /** Opt-in: share responses to credentialed requests that do not say public / s-maxage. */
  readonly shareAuthenticated: boolean;
}

export interface StoreInput {
  readonly status: number;
  /** The response's fields, repeated lines combined. */
  readonly headers: HeaderMap;
  readonly governing: Governing;
  /** The client's request carried credentials (a token, Authorization): RFC 9111 §3.5 applies. */
  readonly credentialed: boolean;
  readonly rule: StoreRule;
  readonly timing: Timing;
}

export type Assessment =
  | { readonly storable: true; readonly lifetime: Lifetime; readonly vary: readonly string[] | null }
  | { readonly storable: false; readonly reason: NotStorableReason };

// RFC 9111 §5.2.2.3: statuses this cache understands, for must-understand.
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 451, 501]);

export function assess(input: StoreInput): Assessment {
  const reason = refusal(input);
  if (reason !== undefined) return { storable: false, reason };
  const lifetime = lifetimeOf(input.governing, input.headers, input.status, input.rule, input.timing);
  if (lifetime.freshMs <= 0 && !hasValidator(input.headers)) return { storable: false, reason: 'not-fresh' };
  return { storable: true, lifetime, vary: parseVary(fieldValue(input.headers, 'vary')) as readonly string[] | null };
}

/** The first rule that forbids storing, in the order a reader would check them. */
function refusal({ status, headers, governing, credentialed, rule }: StoreInput): NotStorableReason | undefined {
  const d = governing.directives;
  if (headers['set-cookie'] !== undefined) return 'set-cookie';
  if (d.has('private')) return 'private'; // §5.2.2.7: a shared cache never stores it (qualified or not)
  if (d.has('must-understand')) {
    if (!UNDERSTOOD_STATUSES.has(status)) return 'status';
  } else if (d.has('no-store')) {
    return 'no-store'; // §5.2.2.5; must-understand with an understood status overrides it (§5.2.2.3)
  }
  if (parseVary(fieldValue(headers, 'vary')) === '*') return 'vary-star'; // §4.1: never matches
  if (!isFinalStatus(status)) return 'status';
  if (credentialed && !rule.shareAuthenticated && rule.ttl === undefined && !explicitlyShared(d)) return 'not-shareable';
  if (!(rule.ttl !== undefined && HEURISTIC_STATUSES.has(status)) && !mayStoreStatus(status, governing, headers)) return 'status';
  return undefined;
}

/** RFC 9111 §3: a final status; 206 (Bouncer stores only complete responses) and 304 are not. */
function isFinalStatus(status: number): boolean {
  return status >= 200 && status !== 206 && status !== 304 && status <= 999;
}

/**
 * RFC 9111 §3: a response is storable with an explicit lifetime or `public`, or with a status that is
 * heuristically cacheable (RFC 9110 §15.1).
 */
function mayStoreStatus(status: number, governing: Governing, headers: HeaderMap): boolean {
  return HEURISTIC_STATUSES.has(status) || governing.directives.has('public') || hasExplicitFreshness(governing, headers);
}

/** RFC 9111 §3.5: a response to a credentialed request may be shared only when it says so. */
function explicitlyShared(directives: Governing['directives']): boolean {
  return directives.has('public') || directives.has('s-maxage') || directives.has('must-revalidate');
}

/** RFC 9111 §4.3.1: the response can be revalidated (it carries a validator). */
export function hasValidator(headers: HeaderMap): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined;
}
