// What authorising a request decides, handed from auth (authorize) to the cache (serve): a small
// value per request. The nginx companion answers from a verdict alone; fragment includes authorise
// and serve again with the same identity.
import type { GatewayRequest, GatewayResponse } from './exchange.js';

export type Verdict = Allowed | Refused;

/** Bouncer answers the request itself: 400, 401, 403 or 429. */
export interface Refused {
  readonly kind: 'refused';
  readonly request: GatewayRequest;
  /** Index of the route that matched (-1: none). */
  readonly route: number;
  readonly response: GatewayResponse;
  /** Why, in the words of the auth metrics and logs (no_token, bad_request, forbidden, rate_limited, a DenyReason…). */
  readonly reason: string;
}

/**
 * user: a valid identity; public: the route does not look at tokens; anonymous: an optional route
 * without a token; unauthenticated: refused, and passed on untouched (onDenied: pass).
 */
export type Access = 'user' | 'public' | 'anonymous' | 'unauthenticated';

/** The request goes on to the cache or the origin. */
export interface Allowed {
  readonly kind: 'allowed';
  readonly request: GatewayRequest;
  /** Index of the route that matched (-1: none). */
  readonly route: number;
  /** The normalised path: the one that chose the route, the one the origin gets. */
  readonly path: string;
  /** The query as forwarded (a token parameter removed). */
  readonly query: string;
  readonly access: Access;
  /** The partition claims' values, "" for an unpartitioned route. */
  readonly partition: string;
  /** The request carried credentials (a token in any place, or Authorization): RFC 9111 §3.5 applies. */
  readonly credentialed: boolean;
  /** The token (or delegate credential) the request was allowed with; undefined without one. */
  readonly credential: string | undefined;
  /** The cookie that carries tokens on this route; undefined when the route does not read tokens. */
  readonly tokenCookie: string | undefined;
  /** Every identity header the route sends for this identity, [lower-case name, value] (claims decoded on first use). */
  identityHeaders(): ReadonlyArray<readonly [string, string]>;
  /** The route's identity header names whose values the cache key holds (those of partition claims). */
  readonly keyedIdentity: ReadonlySet<string>;
  /** The verified claims (or the app's identity headers on a delegate route); undefined without an identity. */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
  /** Epoch ms after which the identity must not be used; Infinity without one. */
  readonly expiresAt: number;
  /** For an unauthenticated request, why it was refused; "" otherwise. */
  readonly reason: string;
}
