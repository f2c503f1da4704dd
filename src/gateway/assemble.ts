// Builds the runtime-neutral gateway from validated configuration: the route matcher, auth
// (authorize), the cache (store, serve), the origin client, the pipeline and the warmer. start.ts
// adds the listeners; tests use this directly with their own clock.
import type { Logger } from 'pino';
import { createCompanion } from '../admin/companion.js';
import { createAuthenticator, type AuthHooks } from '../auth/authenticator.js';
import { createAuthorizer, type Authorizer } from '../auth/authorize.js';
import { createAppAuth } from '../auth/delegate.js';
import { FailureLimiter } from '../auth/flood.js';
import { compileRouteAuth, identityHeaderNames } from '../auth/route-auth.js';
import { createUrlVerifier, loadSigningKeys } from '../auth/signed-url.js';
import { MemoryStore } from '../cache/memory-store.js';
import { compileRouteCaches } from '../cache/route-cache.js';
import { createServe, type Serve } from '../cache/serve.js';
import { SingleFlight } from '../cache/single-flight.js';
import { createComposer } from '../compose/composer.js';
import type { Config } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import type { GatewayRequest, Handler } from '../http/exchange.js';
import { compileMatcher } from '../http/route-match.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createFetchClient } from '../upstream/fetch-client.js';
import type { OriginClient, OriginTimeouts } from '../upstream/origin.js';
import { createPipeline } from './pipeline.js';
import { createWarmer, type WarmList, type WarmSummary } from './warm.js';

export interface Gateway {
  readonly handler: Handler;
  readonly authorizer: Authorizer;
  readonly serve: Serve;
  readonly store: MemoryStore;
  readonly metrics: Metrics;
  /** Warms the given URLs, or the configured warm list. */
  warm(request?: { urls?: string[]; partitions?: WarmList['partitions'] }): Promise<WarmSummary>;
  close(): Promise<void>;
}

export interface AssembleOptions {
  /** Epoch ms; injectable so tests control time. */
  readonly now?: () => number;
}

export async function assembleGateway(config: Config, log: Logger, options: AssembleOptions = {}): Promise<Gateway> {
  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  const authenticator = await createAuthenticator(config.jwt, { now, hooks: authHooks(metrics, log) });
  const match = compileMatcher(config.routes.map((route) => route.path));
  const routeAuth = compileRouteAuth(config.routes, (endpoint) =>
    createAppAuth({ ...endpoint, now, onAnswer: (answer) => metrics.appAuth.labels(answer).inc() }),
  );
  const { flood } = config.jwt;
  const authorizer = createAuthorizer({
    match,
    routes: routeAuth,
    decider: authenticator,
    cookieName: config.jwt.cookie,
    flood: flood && new FailureLimiter({ failuresPerMinute: flood.failuresPerMinute, blockMs: flood.block, clients: flood.clients, now }),
    signedUrls: config.signing && createUrlVerifier(loadSigningKeys(config.signing), config.signing.params, now),
    metrics,
    log,
  });
  const upstream = new URL(config.upstream);
  const origin = await createOriginClient(upstream.origin, config.timeouts);
  const store = new MemoryStore(config.cache);
  const routeCaches = compileRouteCaches(config.routes, config.cache);
  // Includes go through the pipeline, which serves pages through the composer: bound once built.
  let pipeline: Handler | undefined;
  const composer = createComposer({
    handle: (request: GatewayRequest) => pipeline!(request),
    ...config.compose,
    metrics,
    log,
  });
  const serve = createServe({
    store,
    routes: routeCaches,
    flights: new SingleFlight(),
    origin,
    originHost: upstream.host,
    reserved: identityHeaderNames(routeAuth),
    maxObjectBytes: config.cache.maxObjectBytes,
    uncacheableTtl: config.cache.uncacheableTtl,
    refreshAhead: config.cache.refreshAhead,
    composer,
    metrics,
    log,
    now,
  });
  const companion =
    config.companion &&
    createCompanion({ path: config.companion.path, authorizer, maxTtlMs: config.jwt.decisions.maxTtl, deniedTtlMs: config.jwt.decisions.negativeTtl, now, metrics });
  const handler = createPipeline({ authorizer, serve, metrics, log, companion });
  pipeline = handler;
  const warmer = createWarmer(
    authorizer,
    serve,
    (route) => route !== -1 && routeCaches.byRoute[route]!.enabled,
    (route) => route !== -1 && routeAuth[route]!.partitionBy.length > 0,
  );

  return {
    handler,
    authorizer,
    serve,
    store,
    metrics,
    warm: (request = {}) =>
      warmer.warm({
        urls: request.urls ?? config.warm?.urls ?? [],
        partitions: request.partitions ?? config.warm?.partitions ?? [],
        subject: config.warm?.subject ?? 'bouncer-warmer',
        concurrency: config.warm?.concurrency ?? 4,
      }),
    async close() {
      authenticator.close();
      await origin.close();
    },
  };
}

function authHooks(metrics: Metrics, log: Logger): AuthHooks {
  return {
    onVerify: (decision) => metrics.verifications.labels(decision.ok ? 'valid' : decision.reason).inc(),
    onJwksRefresh: (event) => {
      if (event.ok && event.error !== undefined) {
        log.warn({ url: event.url, err: event.error }, 'JWKS key skipped');
        return;
      }
      metrics.jwksRefresh.labels(event.ok ? 'ok' : 'failed').inc();
      if (!event.ok) log.error({ url: event.url, trigger: event.trigger, keys: event.keys, err: event.error }, 'JWKS refresh failed; keeping the last good keys');
    },
  };
}

/** The fastest client each runtime has: Bun's fetch on Bun, an undici Pool on Node. */
async function createOriginClient(origin: string, timeouts: OriginTimeouts): Promise<OriginClient> {
  if (bunRuntime() !== undefined) return createFetchClient(origin, timeouts);
  // Loaded only on Node: Bun answers `import 'undici'` with a partial built-in whose Pool is unusable.
  const { createUndiciClient } = await import('../upstream/undici-client.js');
  return createUndiciClient(origin, timeouts);
}
