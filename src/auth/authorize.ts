// authorize: route → token → decide (verify or ask the app → claim rules) → a Verdict; on a
// signedUrls route a signed URL stands in for the token (signed-url.ts). It knows
// nothing of the cache: the verdict says who is asking and what the cache key may hold about them,
// and serve (cache/) takes it from there. The hot path (a remembered decision) stays synchronous:
// no promise, no crypto, no parsing beyond the request-target.
import type { Logger } from 'pino';
import type { GatewayRequest, GatewayResponse } from '../http/exchange.js';
import { isPromise } from '../http/exchange.js';
import { withoutParam } from '../http/query.js';
import { BAD_REQUEST, FORBIDDEN_SCOPE, FORBIDDEN_SIGNATURE, tooManyRequests, UNAUTHORIZED_BAD_TOKEN, UNAUTHORIZED_NO_TOKEN } from '../http/responses.js';
import type { RouteMatcher } from '../http/route-match.js';
import { parseTarget } from '../http/target.js';
import type { Access, Allowed, Refused, Verdict } from '../http/verdict.js';
import type { CounterCell } from '../observability/fast-metrics.js';
import { AUTH_OUTCOMES, type AuthOutcome, type Metrics } from '../observability/metrics.js';
import type { AppAuth } from './delegate.js';
import type { FailureLimiter } from './flood.js';
import { isRejectedOnSight } from './rejected.js';
import { RememberedAllow } from './remembered.js';
import type { RevocableClaims } from './revocations.js';
import { identityHeaders, partitionValues } from './identity.js';
import { UNMATCHED, type RouteAuth } from './route-auth.js';
import type { SignedUrlCheck, SignedUrlVerifier } from './signed-url.js';
import { extractToken, mayCarryToken } from './token.js';
import type { Decision, Identity } from './types.js';

/** What authorize needs from the verifier: a decision per token, synchronous when remembered. */
export interface Decider {
  decide(token: string): Decision | Promise<Decision>;
}

/** The revocation set as authorize reads it (revocations.ts). */
export interface RevocationCheck {
  /** Moves with every revocation; 0 while there never was one. */
  readonly epoch: number;
  covers(credential: string, claims: RevocableClaims, now: number): boolean;
}

export interface AuthorizeDeps {
  readonly match: RouteMatcher;
  /** The auth half of each route, by route index. */
  readonly routes: readonly RouteAuth[];
  readonly decider: Decider;
  /** Logout paths (exact): their tokens are read and verified even where the route reads none. */
  readonly logoutPaths: ReadonlySet<string>;
  /** jwt.cookie: the token cookie where a route names none of its own. */
  readonly cookieName: string;
  /** Flood defence (jwt.flood), or undefined when it is off. */
  readonly flood: Pick<FailureLimiter, 'retryAfter' | 'failed'> | undefined;
  readonly revocations: RevocationCheck;
  readonly now: () => number;
  /** Signed URLs (the signing section), or undefined when none are configured. */
  readonly signedUrls: SignedUrlVerifier | undefined;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export interface Authorizer {
  authorize(request: GatewayRequest): Verdict | Promise<Verdict>;
  /** A verdict for Bouncer's own service identity (warming): these claims, on the route the path picks. */
  service(request: GatewayRequest, claims: Readonly<Record<string, unknown>>): Verdict;
}

const NO_HEADERS: ReadonlyArray<readonly [string, string]> = [];
/** A logout path no token-reading route covers: its token is read (to be revoked), nothing required. */
const LOGOUT: RouteAuth = Object.freeze({ ...UNMATCHED, auth: 'optional', onDenied: 'pass' });
/** The stamp of a decision found revoked: revocations are never taken back while the token lives. */
const REVOKED = -1;

/** An allowed request as serve sees it; claims are read only when the origin is asked or a key partitioned. */
class AllowedVerdict implements Allowed {
  readonly kind = 'allowed';
  readonly partition: string;

  constructor(
    readonly request: GatewayRequest,
    readonly route: number,
    readonly path: string,
    readonly query: string,
    readonly access: Access,
    private readonly policy: RouteAuth,
    private readonly identity: Identity | null,
    readonly credentialed: boolean,
    readonly tokenCookie: string | undefined,
    readonly credential: string | undefined,
    readonly reason = '',
  ) {
    this.partition = policy.partitionBy.length === 0 || identity === null ? '' : partitionValues(identity.claims, policy.partitionBy);
  }

  identityHeaders(): ReadonlyArray<readonly [string, string]> {
    if (this.identity === null || !hasAny(this.policy.identityHeaders)) return NO_HEADERS;
    return identityHeaders(this.identity.claims, this.policy.identityHeaders);
  }

  get keyedIdentity(): ReadonlySet<string> {
    return this.policy.keyedIdentity;
  }

  get claims(): Readonly<Record<string, unknown>> | undefined {
    return this.identity?.claims;
  }

  get expiresAt(): number {
    return this.identity?.expiresAt ?? Infinity;
  }
}

export function createAuthorizer(deps: AuthorizeDeps): Authorizer {
  const { decider, flood, revocations } = deps;
  // Stamps of decisions that are not RememberedAllow slots (the delegate's answers, unremembered ones).
  const stamps = new WeakMap<object, number>();
  const auth = Object.fromEntries(AUTH_OUTCOMES.map((outcome) => [outcome, deps.metrics.auth.labels(outcome)])) as Record<AuthOutcome, CounterCell>;

  /** The request-target, and the route its normalised path picks. */
  function route(request: GatewayRequest) {
    const target = parseTarget(request.url);
    if (typeof target === 'string') return undefined;
    const index = deps.match(target.path);
    let policy = index === -1 ? UNMATCHED : deps.routes[index]!;
    if (policy.auth === 'off' && deps.logoutPaths.has(target.path)) policy = LOGOUT;
    const param = policy.tokenQueryParam;
    return { index, policy, path: target.path, query: param === undefined ? target.query : withoutParam(target.query, param), rawQuery: target.query };
  }
  type Routed = NonNullable<ReturnType<typeof route>>;

  function authorize(request: GatewayRequest): Verdict | Promise<Verdict> {
    const routed = route(request);
    if (routed === undefined) return refuse(request, -1, BAD_REQUEST, 'bad_request');
    const { policy } = routed;
    // RFC 9111 §3.5: a token in a cookie or the query is a credential as much as Authorization is.
    const credentialed = request.headers.authorization !== undefined || mayCarryToken(request.headers, request.url, cookieOf(policy), policy.tokenQueryParam);
    if (policy.auth === 'off') return allow(request, routed, 'public', null, credentialed);
    if (policy.signedUrls && deps.signedUrls !== undefined) {
      const signed = deps.signedUrls.check(request.method, routed.path, routed.rawQuery);
      if (signed !== undefined) return signedUrl(request, routed, signed, deps.signedUrls);
    }

    const param = policy.tokenQueryParam;
    const token = extractToken(request.headers, cookieOf(policy), param === undefined ? undefined : { param, search: routed.rawQuery });
    if (token === undefined) {
      auth.none.inc();
      if (policy.auth === 'optional') return allow(request, routed, 'anonymous', null, credentialed);
      return deny(request, routed, UNAUTHORIZED_NO_TOKEN, 'no_token');
    }
    if (flood !== undefined) {
      const wait = flood.retryAfter(request);
      if (wait > 0) {
        auth.rate_limited.inc();
        return refuse(request, routed.index, tooManyRequests(wait), 'rate_limited');
      }
    }
    if (policy.auth === 'delegate') return askApp(request, routed, token, null);
    const decision = decider.decide(token);
    if (isPromise(decision)) return decision.then((settled) => decided(request, routed, token, settled, false));
    return decided(request, routed, token, decision, true);
  }

  /** A JWT decision → claim rules → (recheck with the app) → allowed. */
  function decided(request: GatewayRequest, routed: Routed, token: string, decision: Decision, remembered: boolean): Verdict | Promise<Verdict> {
    if (!decision.ok) {
      auth[isRejectedOnSight(decision) ? 'malformed' : remembered ? 'cached_deny' : 'verified_deny'].inc();
      return refused(request, routed, decision.reason);
    }
    auth[remembered ? 'cached_allow' : 'verified_allow'].inc();
    if (revocations.epoch !== 0 && !stillValid(decision, token)) return revoked(request, routed);
    const { policy } = routed;
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, routed);
    if (policy.app !== undefined) return askApp(request, routed, token, decision.identity);
    return allow(request, routed, 'user', decision.identity, true, token);
  }

  /**
   * A valid decision that no revocation since its last check covers. While no revocation arrives
   * this is one comparison (the epoch it was stamped with); when one has, the token is looked up once
   * and stamped again (or REVOKED for good).
   */
  function stillValid(decision: Extract<Decision, { ok: true }>, token: string): boolean {
    const current = revocations.epoch;
    const slot = decision instanceof RememberedAllow ? decision : undefined;
    const stamped = slot !== undefined ? slot.epoch : (stamps.get(decision) ?? 0);
    if (stamped === current) return true;
    if (stamped === REVOKED) return false;
    const valid = !revocations.covers(token, decision.identity.claims, deps.now());
    const stamp = valid ? current : REVOKED;
    if (slot !== undefined) slot.epoch = stamp;
    else stamps.set(decision, stamp);
    return valid;
  }

  /** A revoked token: 401 invalid_token on every route that reads tokens, cached content or not. */
  function revoked(request: GatewayRequest, routed: Routed): Verdict {
    auth.revoked.inc();
    return refused(request, routed, 'revoked');
  }

  /** auth: delegate (verified is null) or a recheck of a verified token: the app's remembered or fresh answer. */
  function askApp(request: GatewayRequest, routed: Routed, token: string, verified: Identity | null): Verdict | Promise<Verdict> {
    const decision = (routed.policy.app as AppAuth).decide(token, request, routed.path, routed.query);
    if (isPromise(decision)) return decision.then((settled) => answered(request, routed, token, settled, verified));
    return answered(request, routed, token, decision, verified);
  }

  function answered(request: GatewayRequest, routed: Routed, token: string, decision: Decision, verified: Identity | null): Verdict {
    if (!decision.ok) {
      auth[isRejectedOnSight(decision) ? 'malformed' : 'app_deny'].inc();
      return refused(request, routed, decision.reason);
    }
    if (verified !== null) return allow(request, routed, 'user', verified, true, token);
    auth.app_allow.inc();
    if (revocations.epoch !== 0 && !stillValid(decision, token)) return revoked(request, routed);
    const { policy } = routed;
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, routed);
    return allow(request, routed, 'user', decision.identity, true, token);
  }

  /**
   * A signed URL: its bound claims are the identity (they partition the cache and pass the claim
   * rules like a token's), its exp the identity's end. The signature's parameters leave the query
   * (the cache key and the origin never see them). Credentialed only by an Authorization header:
   * the fill carries no credential, so the origin's answer may be shared as for any anonymous request.
   */
  function signedUrl(request: GatewayRequest, routed: Routed, signed: SignedUrlCheck, verifier: SignedUrlVerifier): Verdict {
    if (flood !== undefined) {
      const wait = flood.retryAfter(request);
      if (wait > 0) {
        auth.rate_limited.inc();
        return refuse(request, routed.index, tooManyRequests(wait), 'rate_limited');
      }
    }
    if (!signed.ok) {
      auth.signed_deny.inc();
      const blocked = flood?.failed(request);
      if (blocked !== undefined) deps.log.warn({ client: blocked }, 'client blocked: too many bad signed URLs');
      return deny(request, routed, FORBIDDEN_SIGNATURE, signed.reason);
    }
    auth.signed_allow.inc();
    const { policy } = routed;
    if (policy.allows !== undefined && !policy.allows(signed.claims)) return forbidden(request, routed);
    const identity: Identity = { claims: signed.claims as Identity['claims'], expiresAt: signed.expiresAt };
    return allow(request, { ...routed, query: verifier.strip(routed.query) }, 'user', identity, request.headers.authorization !== undefined);
  }

  /** A token was sent and refused: counted against the client (flood defence), then 401 or pass. */
  function refused(request: GatewayRequest, routed: Routed, reason: string): Verdict {
    const blocked = flood?.failed(request);
    if (blocked !== undefined) deps.log.warn({ client: blocked }, 'client blocked: too many bad tokens');
    return deny(request, routed, UNAUTHORIZED_BAD_TOKEN, reason);
  }

  /** A valid identity the route's claim rules refuse: 403, before the cache is looked at. */
  function forbidden(request: GatewayRequest, routed: Routed): Verdict {
    auth.forbidden.inc();
    return deny(request, routed, FORBIDDEN_SCOPE, 'forbidden');
  }

  /** onDenied: reject answers 401/403; pass forwards the request untouched (no identity) and uncached. */
  function deny(request: GatewayRequest, routed: Routed, rejection: GatewayResponse, reason: string): Verdict {
    if (routed.policy.onDenied === 'reject') return refuse(request, routed.index, rejection, reason);
    return new AllowedVerdict(request, routed.index, routed.path, routed.query, 'unauthenticated', routed.policy, null, true, cookieOf(routed.policy), undefined, reason);
  }

  function allow(request: GatewayRequest, routed: Routed, access: Access, identity: Identity | null, credentialed: boolean, credential?: string): Allowed {
    const readsTokens = routed.policy.auth !== 'off';
    return new AllowedVerdict(request, routed.index, routed.path, routed.query, access, routed.policy, identity, credentialed, readsTokens ? cookieOf(routed.policy) : undefined, credential);
  }

  function cookieOf(policy: RouteAuth): string {
    return policy.cookieName ?? deps.cookieName;
  }

  function service(request: GatewayRequest, claims: Readonly<Record<string, unknown>>): Verdict {
    const routed = route(request);
    if (routed === undefined) return refuse(request, -1, BAD_REQUEST, 'bad_request');
    return allow(request, routed, 'user', { claims, expiresAt: Infinity }, true);
  }

  return { authorize, service };
}

function refuse(request: GatewayRequest, route: number, response: GatewayResponse, reason: string): Refused {
  return { kind: 'refused', request, route, response, reason };
}

/** A route without identity headers sends none, and needs no claims decoded for it. */
function hasAny(mapping: Readonly<Record<string, string>>): boolean {
  for (const _ in mapping) return true;
  return false;
}
