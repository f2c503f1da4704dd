// The request pipeline: route → token → decide (verify or ask the app → claim rules) → serve
// (key → lookup → fetch → store → deliver).
// It knows nothing of node:http or Bun; fronts hand it a GatewayRequest and write what it returns.
// The hot path (cached decision, fresh hit) stays synchronous: no promise, no crypto, no parsing
// beyond the request-target.
import type { Logger } from 'pino';
import type { CounterCell } from '../observability/fast-metrics.js';
import type { AppAuth } from '../auth/delegate.js';
import { AppAuthError } from '../auth/errors.js';
import { isRejectedOnSight } from '../auth/rejected.js';
import type { FailureLimiter } from '../auth/flood.js';
import type { Decision, Identity } from '../auth/types.js';
import { extractToken, mayCarryToken } from '../auth/token.js';
import { partitionValues } from '../auth/identity.js';
import { withoutParam } from '../cache/key.js';
import { AUTH_OUTCOMES, type AuthOutcome, type Metrics } from '../observability/metrics.js';
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler } from './exchange.js';
import { parseTarget } from './path.js';
import {
  AUTH_UNAVAILABLE, BAD_REQUEST, CACHE_STATUS, FORBIDDEN_SCOPE, INTERNAL_ERROR, UNAUTHORIZED_BAD_TOKEN, UNAUTHORIZED_NO_TOKEN,
  tooManyRequests, upstreamFailure,
} from './responses.js';
import type { RoutePolicy, RouteTable } from './routes.js';
import type { Exchange, Serve } from './serve.js';
import { UpstreamError } from '../upstream/origin.js';

/** What the pipeline needs from auth: a decision per token, synchronous when remembered. */
export interface Decider {
  decide(token: string): Decision | Promise<Decision>;
}

export interface PipelineDeps {
  readonly routes: RouteTable;
  readonly decider: Decider;
  readonly cookieName: string;
  readonly serve: Serve;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Flood defence (jwt.flood), or undefined when it is off. */
  readonly flood: FailureLimiter | undefined;
}

// Partition of an anonymous request on an auth: optional route; cannot equal an encoded claim set.
const ANONYMOUS_PARTITION = '\u0000anonymous';

export function createPipeline(deps: PipelineDeps): Handler {
  const { routes, decider, serve, metrics, flood } = deps;
  const auth = Object.fromEntries(AUTH_OUTCOMES.map((outcome) => [outcome, metrics.auth.labels(outcome)])) as Record<AuthOutcome, CounterCell>;
  const denied = metrics.requests.labels('denied');
  const errors = metrics.requests.labels('error');
  const duration = metrics.duration;

  function handle(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    const started = performance.now();
    let response: GatewayResponse | Promise<GatewayResponse>;
    try {
      response = route(request);
    } catch (error) {
      response = failed(error);
    }
    if (!isPromise(response)) {
      timed(started);
      return response;
    }
    return response.then(
      (settled) => (timed(started), settled),
      (error: unknown) => (timed(started), failed(error)),
    );
  }

  function timed(started: number): void {
    duration.observe((performance.now() - started) / 1000);
  }

  /** route → token → decide */
  function route(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    const target = parseTarget(request.url);
    if (typeof target === 'string') {
      errors.inc();
      return BAD_REQUEST;
    }
    const policy = routes.match(target.path);
    const param = policy.tokenQueryParam;
    const query = param === undefined ? target.query : withoutParam(target.query, param);
    if (policy.auth === 'off') return serveAs(request, policy, target.path, query, null);

    const token = extractToken(request.headers, policy.cookieName ?? deps.cookieName, param === undefined ? undefined : { param, search: target.query });
    if (token === undefined) {
      auth.none.inc();
      if (policy.auth === 'optional') return serveAs(request, policy, target.path, query, null);
      return deny(request, policy, target.path, query, UNAUTHORIZED_NO_TOKEN);
    }
    if (flood !== undefined) {
      const wait = flood.retryAfter(request);
      if (wait > 0) {
        auth.rate_limited.inc();
        return tooManyRequests(wait);
      }
    }
    if (policy.auth === 'delegate') return askApp(request, policy, target.path, query, token, null);
    const decision = decider.decide(token);
    if (isPromise(decision)) {
      return decision.then((settled) => decided(request, policy, target.path, query, token, settled, false));
    }
    return decided(request, policy, target.path, query, token, decision, true);
  }

  /** A JWT decision → claim rules → (recheck with the app) → serve. */
  function decided(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, token: string, decision: Decision, remembered: boolean) {
    if (!decision.ok) {
      auth[isRejectedOnSight(decision) ? 'malformed' : remembered ? 'cached_deny' : 'verified_deny'].inc();
      return refused(request, policy, path, query);
    }
    auth[remembered ? 'cached_allow' : 'verified_allow'].inc();
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, policy, path, query);
    if (policy.app !== undefined) return askApp(request, policy, path, query, token, decision.identity);
    return serveAs(request, policy, path, query, decision.identity);
  }

  /** auth: delegate (verified is null) or a recheck of a verified token: the app's remembered or fresh answer. */
  function askApp(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, token: string, verified: Identity | null) {
    const decision = (policy.app as AppAuth).decide(token, request, path, query);
    if (isPromise(decision)) return decision.then((settled) => answered(request, policy, path, query, settled, verified));
    return answered(request, policy, path, query, decision, verified);
  }

  function answered(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, decision: Decision, verified: Identity | null) {
    if (!decision.ok) {
      auth[isRejectedOnSight(decision) ? 'malformed' : 'app_deny'].inc();
      return refused(request, policy, path, query);
    }
    if (verified !== null) return serveAs(request, policy, path, query, verified);
    auth.app_allow.inc();
    if (policy.allows !== undefined && !policy.allows(decision.identity.claims)) return forbidden(request, policy, path, query);
    return serveAs(request, policy, path, query, decision.identity);
  }

  /** A token was sent and refused: counted against the client (flood defence), then 401 or pass. */
  function refused(request: GatewayRequest, policy: RoutePolicy, path: string, query: string) {
    const blocked = flood?.failed(request);
    if (blocked !== undefined) deps.log.warn({ client: blocked }, 'client blocked: too many bad tokens');
    return deny(request, policy, path, query, UNAUTHORIZED_BAD_TOKEN);
  }

  /** A valid identity the route's claim rules refuse: 403, before the cache is looked at. */
  function forbidden(request: GatewayRequest, policy: RoutePolicy, path: string, query: string) {
    auth.forbidden.inc();
    return deny(request, policy, path, query, FORBIDDEN_SCOPE);
  }

  /** onDenied: reject answers 401/403; pass forwards the request untouched (no identity) and uncached. */
  function deny(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, rejection: GatewayResponse) {
    if (policy.onDenied === 'reject') {
      denied.inc();
      return rejection;
    }
    return serve.pass({ request, route: policy, path, query, identity: null, partition: '', credentialed: true }, CACHE_STATUS.unauthenticated);
  }

  /** key → lookup → fetch → store → deliver, or a plain forward when the request is not cacheable. */
  function serveAs(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, identity: Identity | null) {
    const exchange: Exchange = {
      request,
      route: policy,
      path,
      query,
      identity,
      credentialed:
        identity !== null ||
        request.headers.authorization !== undefined ||
        mayCarryToken(request.headers, request.url, policy.cookieName ?? deps.cookieName, policy.tokenQueryParam),
      partition:
        policy.partitionBy.length === 0 ? '' : identity === null ? ANONYMOUS_PARTITION : partitionValues(identity.claims, policy.partitionBy),
    };
    if (!isCacheable(request, policy)) return serve.pass(exchange, CACHE_STATUS.bypass);
    return serve.cached(exchange);
  }

  function failed(error: unknown): GatewayResponse {
    errors.inc();
    if (error instanceof UpstreamError) return upstreamFailure(error.status);
    if (error instanceof AppAuthError) {
      deps.log.warn({ err: error.cause ?? error, code: error.code }, error.message);
      return AUTH_UNAVAILABLE;
    }
    deps.log.error({ err: error }, 'request failed');
    return INTERNAL_ERROR;
  }

  return handle;
}

/** Only GET and HEAD without a body, on a route that caches, are served from or stored in the cache. */
function isCacheable(request: GatewayRequest, policy: RoutePolicy): boolean {
  return policy.cache.enabled && (request.method === 'GET' || request.method === 'HEAD') && request.body === null;
}
