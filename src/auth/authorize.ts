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
import { SYNTAX_REJECTED } from './authenticator.js';
import type { AppAuth } from './delegate.js';
import type { FailureLimiter } from './flood.js';
import { identityHeaders, partitionValues } from './identity.js';
import { UNMATCHED, type RouteAuth } from './route-auth.js';
import type { SignedUrlCheck, SignedUrlVerifier } from './signed-url.js';
import { extractToken } from './token.js';
import type { Decision, Identity } from './types.js';

/** What authorize needs from the verifier: a decision per token, synchronous when remembered. */
export interface Decider {
  decide(token: string): Decision | Promise<Decision>;
}

export interface AuthorizeDeps {
  readonly match: RouteMatcher;
  /** The auth half of each route, by route index. */
  readonly routes: readonly RouteAuth[];
  readonly decider: Decider;
  /** jwt.cookie: the token cookie where a route names none of its own. */
  readonly cookieName: string;
  /** Flood defence (jwt.flood), or undefined when it is off. */
  readonly flood: FailureLimiter | undefined;
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
  const { decider, flood } = deps;
  const auth = Object.fromEntries(AUTH_OUTCOMES.map((outcome) => [outcome, deps.metrics.auth.labels(outcome)])) as Record<AuthOutcome, CounterCell>;

  /** The request-target, and the route its normalised path picks. */
  function route(request: GatewayRequest) {
    const target = parseTarget(request.url);
    if (typeof target === 'string') return undefined;
    const index = deps.match(target.path);
    const policy = index === -1 ? UNMATCHED : deps.routes[index]!;
    const param = policy.tokenQueryParam;
    return { index, policy, path: target.path, query: param === undefined ? target.query : withoutParam(target.query, param), rawQuery: target.query };
  }
  type Routed = NonNullable<ReturnType<typeof route>>;

  function authorize(request: GatewayRequest): Verdict | Promise<Verdict> {
    const routed = route(request);
    if (routed === undefined) return refuse(request, -1, BAD_REQUEST, 'bad_request');
    const { policy } = routed;
    const hasAuthorization = request.headers.authorization !== undefined;
    if (policy.auth === 'off') return allow(request, routed, 'public', null, hasAuthorization);
    if (policy.signedUrls && deps.signedUrls !== undefined) {
      const signed = deps.signedUrls.check(request.method, routed.path, routed.rawQuery);
      if (signed !== undefined) return signedUrl(request, routed, signed, deps.signedUrls);
    }

    const param = policy.tokenQueryParam;
    const token = extractToken(request.headers, cookieOf(policy), param === undefined ? undefined : { param, search: routed.rawQuery });
    if (token === undefined) {
      auth.none.inc();
      if (policy.auth === 'optional') return allow(request, routed, 'anonymous', null, hasAuthorization);
      return deny(request, routed, UNAUTHORIZED_NO_TOKEN, 'no_token');
    }
    if (flood !== undefined) {
      const wait = flood.retryAfter(request.remoteAddress);
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
      auth[decision === SYNTAX_REJECTED ? 'malformed' : remembered ? 'cached_deny' : 'verified_deny'].inc();
      return refused(request, routed, decision.reason);
    }
    auth[remembered ? 'cached_allow' : 'verified_allow'].inc();
    const { policy } = routed;
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, routed);
    if (policy.app !== undefined) return askApp(request, routed, token, decision.identity);
    return allow(request, routed, 'user', decision.identity, true);
  }

  /** auth: delegate (verified is null) or a recheck of a verified token: the app's remembered or fresh answer. */
  function askApp(request: GatewayRequest, routed: Routed, token: string, verified: Identity | null): Verdict | Promise<Verdict> {
    const decision = (routed.policy.app as AppAuth).decide(token, request, routed.path, routed.query);
    if (isPromise(decision)) return decision.then((settled) => answered(request, routed, settled, verified));
    return answered(request, routed, decision, verified);
  }

  function answered(request: GatewayRequest, routed: Routed, decision: Decision, verified: Identity | null): Verdict {
    if (!decision.ok) {
      auth.app_deny.inc();
      return refused(request, routed, decision.reason);
    }
    if (verified !== null) return allow(request, routed, 'user', verified, true);
    auth.app_allow.inc();
    const { policy } = routed;
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, routed);
    return allow(request, routed, 'user', decision.identity, true);
  }

  /**
   * A signed URL: its bound claims are the identity (they partition the cache and pass the claim
   * rules like a token's), its exp the identity's end. The signature's parameters leave the query
   * (the cache key and the origin never see them). Credentialed only by an Authorization header:
   * the fill carries no credential, so the origin's answer may be shared as for any anonymous request.
   */
  function signedUrl(request: GatewayRequest, routed: Routed, signed: SignedUrlCheck, verifier: SignedUrlVerifier): Verdict {
    if (flood !== undefined) {
      const wait = flood.retryAfter(request.remoteAddress);
      if (wait > 0) {
        auth.rate_limited.inc();
        return refuse(request, routed.index, tooManyRequests(wait), 'rate_limited');
      }
    }
    if (!signed.ok) {
      auth.signed_deny.inc();
      if (flood !== undefined && flood.failed(request.remoteAddress)) deps.log.warn({ client: request.remoteAddress }, 'client blocked: too many bad signed URLs');
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
    if (flood !== undefined && flood.failed(request.remoteAddress)) deps.log.warn({ client: request.remoteAddress }, 'client blocked: too many bad tokens');
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
    return new AllowedVerdict(request, routed.index, routed.path, routed.query, 'unauthenticated', routed.policy, null, true, cookieOf(routed.policy), reason);
  }

  function allow(request: GatewayRequest, routed: Routed, access: Access, identity: Identity | null, credentialed: boolean): Allowed {
    const readsTokens = routed.policy.auth !== 'off';
    return new AllowedVerdict(request, routed.index, routed.path, routed.query, access, routed.policy, identity, credentialed, readsTokens ? cookieOf(routed.policy) : undefined);
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
