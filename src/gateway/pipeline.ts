// The request pipeline: route → token → decide → serve (key → lookup → fetch → store → deliver).
// It knows nothing of node:http or Bun; fronts hand it a GatewayRequest and write what it returns.
// The hot path (cached decision, fresh hit) stays synchronous: no promise, no crypto, no parsing
// beyond the request-target.
import type { Logger } from 'pino';
import type { Decision, Identity } from '../auth/types.js';
import { extractToken } from '../auth/token.js';
import { partitionValues } from '../auth/identity.js';
import { withoutParam } from '../cache/key.js';
import type { Metrics } from '../observability/metrics.js';
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler } from './exchange.js';
import { parseTarget } from './path.js';
import { BAD_REQUEST, CACHE_STATUS, INTERNAL_ERROR, UNAUTHORIZED_BAD_TOKEN, UNAUTHORIZED_NO_TOKEN, upstreamFailure } from './responses.js';
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
}

// Partition of an anonymous request on an auth: optional route; cannot equal an encoded claim set.
const ANONYMOUS_PARTITION = '\u0000anonymous';

export function createPipeline(deps: PipelineDeps): Handler {
  const { routes, decider, serve, metrics } = deps;
  const auth = {
    none: metrics.auth.labels('none'),
    allow: metrics.auth.labels('allow'),
    deny: metrics.auth.labels('deny'),
  };
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

    const token = extractToken(request.headers, deps.cookieName, param === undefined ? undefined : { param, search: target.query });
    if (token === undefined) {
      auth.none.inc();
      if (policy.auth === 'optional') return serveAs(request, policy, target.path, query, null);
      return deny(request, policy, target.path, query, UNAUTHORIZED_NO_TOKEN);
    }
    const decision = decider.decide(token);
    if (isPromise(decision)) {
      return decision.then((settled) => decided(request, policy, target.path, query, settled));
    }
    return decided(request, policy, target.path, query, decision);
  }

  function decided(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, decision: Decision) {
    if (!decision.ok) {
      auth.deny.inc();
      return deny(request, policy, path, query, UNAUTHORIZED_BAD_TOKEN);
    }
    auth.allow.inc();
    return serveAs(request, policy, path, query, decision.identity);
  }

  /** onDenied: reject answers 401; pass forwards the request untouched (no identity) and uncached. */
  function deny(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, rejection: GatewayResponse) {
    if (policy.onDenied === 'reject') {
      denied.inc();
      return rejection;
    }
    return serve.pass({ request, route: policy, path, query, claims: null, partition: '', credentialed: true }, CACHE_STATUS.unauthenticated);
  }

  /** key → lookup → fetch → store → deliver, or a plain forward when the request is not cacheable. */
  function serveAs(request: GatewayRequest, policy: RoutePolicy, path: string, query: string, identity: Identity | null) {
    const exchange: Exchange = {
      request,
      route: policy,
      path,
      query,
      claims: identity === null ? null : identity.claims,
      credentialed: identity !== null || request.headers.authorization !== undefined,
      partition:
        policy.partitionBy.length === 0 ? '' : identity === null ? ANONYMOUS_PARTITION : partitionValues(identity.claims, policy.partitionBy),
    };
    if (!isCacheable(request, policy)) return serve.pass(exchange, CACHE_STATUS.bypass);
    return serve.cached(exchange);
  }

  function failed(error: unknown): GatewayResponse {
    errors.inc();
    if (error instanceof UpstreamError) return upstreamFailure(error.status);
    deps.log.error({ err: error }, 'request failed');
    return INTERNAL_ERROR;
  }

  return handle;
}

/** Only GET and HEAD without a body, on a route that caches, are served from or stored in the cache. */
function isCacheable(request: GatewayRequest, policy: RoutePolicy): boolean {
  return policy.cache.enabled && (request.method === 'GET' || request.method === 'HEAD') && request.body === null;
}
