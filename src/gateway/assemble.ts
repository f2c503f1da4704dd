// Builds the runtime-neutral gateway from validated configuration: the route matcher, auth
// (authorize), the cache (store, serve), the origin client, the pipeline and the warmer. start.ts
// adds the listeners; tests use this directly with their own clock.
import type { Logger } from 'pino';
import { createCompanion } from '../admin/companion.js';
import { createAuthenticator, type AuthHooks } from '../auth/authenticator.js';
import { createAuthorizer, type AuthorizeDeps, type Authorizer } from '../auth/authorize.js';
import { clientAddressOf } from '../auth/client-address.js';
import { createAppAuth, type AppAuth } from '../auth/delegate.js';
import { createAuthExplainer } from '../auth/explain.js';
import { FailureLimiter } from '../auth/flood.js';
import type { RevokeRequest } from '../auth/revocation-authority.js';
import { RevocationSet } from '../auth/revocations.js';
import { compileRouteAuth, identityHeaderNames } from '../auth/route-auth.js';
import { createUrlVerifier, loadSigningKeys } from '../auth/signed-url.js';
import { MemoryStore } from '../cache/memory-store.js';
import { RedisStore } from '../cache/redis-store.js';
import { TieredStore } from '../cache/tiered-store.js';
import { connectRedis } from '../cluster/redis-client.js';
import { compileRouteCaches } from '../cache/route-cache.js';
import { createServe, type Serve } from '../cache/serve.js';
import { SingleFlight } from '../cache/single-flight.js';
import { createComposer } from '../compose/composer.js';
import type { Config } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import type { GatewayRequest, Handler } from '../http/exchange.js';
import { compileMatcher } from '../http/route-match.js';
import { createAccessLog } from '../observability/access-log.js';
import { createMetrics, type CacheReading, type Metrics } from '../observability/metrics.js';
import { createFetchClient } from '../upstream/fetch-client.js';
import type { OriginClient, OriginTimeouts } from '../upstream/origin.js';
import type { ExplainRequest, Explanation } from '../admin/explain.js';
import { createExplain } from './explain.js';
import { createPipeline } from './pipeline.js';
import type { WarmSummary } from '../admin/server.js';
import { createWarmer, type WarmList } from './warm.js';

export interface Gateway {
  readonly handler: Handler;
  readonly authorizer: Authorizer;
  readonly serve: Serve;
  readonly store: MemoryStore;
  readonly revocations: RevocationSet;
  readonly metrics: Metrics;
  /** What this gateway would do with a request and why, without doing it (nothing fetched or counted). */
  explain(request: ExplainRequest): Promise<Explanation>;
  /** Warms the given URLs, or the configured warm list. */
  warm(request?: { urls?: string[]; partitions?: WarmList['partitions'] }): Promise<WarmSummary>;
  close(): Promise<void>;
}

export interface AssembleOptions {
  /** Epoch ms; injectable so tests control time. */
  readonly now?: () => number;
  /** The process's revocation set (kept across reloads); a new empty one by default. */
  readonly revocations?: RevocationSet;
  /** A reload keeps the cache and the metrics of the gateway it replaces. */
  readonly store?: MemoryStore;
  readonly metrics?: Metrics;
  /** Where logout paths send their revocations (the process that owns revocations); without it logout paths are refused (503). */
  readonly revoke?: (request: RevokeRequest) => Promise<number>;
}

export async function assembleGateway(config: Config, log: Logger, options: AssembleOptions = {}): Promise<Gateway> {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createMetrics();
  const authenticator = await createAuthenticator(config.jwt, { now, hooks: authHooks(metrics, log) });
  const match = compileMatcher(config.routes.map((route) => route.path));
  const appAuths: AppAuth[] = [];
  const routeAuth = compileRouteAuth(config.routes, (endpoint) => {
    const app = createAppAuth({ ...endpoint, now, onAnswer: (answer) => metrics.appAuth.labels(answer).inc() });
    appAuths.push(app);
    return app;
  });
  metrics.sources.decisions = () => ({ jwt: authenticator.remembered(), app: sumOf(appAuths.map((app) => app.remembered())) });
  const { flood } = config.jwt;
  const revocations = options.revocations ?? new RevocationSet(config.revocation);
  const authorizeDeps: AuthorizeDeps = {
    match,
    routes: routeAuth,
    decider: authenticator,
    logoutPaths: new Set(config.logout?.paths.map((entry) => entry.path) ?? []),
    cookieName: config.jwt.cookie,
    flood:
      flood &&
      new FailureLimiter({
        failuresPerMinute: flood.failuresPerMinute,
        blockMs: flood.block,
        clients: flood.clients,
        clientOf: clientAddressOf({ header: flood.clientHeader, trustedProxies: flood.trustedProxies }),
        now,
      }),
    revocations,
    now,
    signedUrls: config.signing && createUrlVerifier(loadSigningKeys(config.signing), config.signing.params, now),
    metrics,
    log,
  };
  const authorizer = createAuthorizer(authorizeDeps);
  const upstream = new URL(config.upstream);
  const origin = await createOriginClient(upstream.origin, config.timeouts);
  const store = options.store ?? new MemoryStore(config.cache);
  // redis.sharedCache: a second tier every node shares, and one fetch per key across nodes.
  const shared = config.redis?.sharedCache === true ? sharedTier(config.redis, log, now) : undefined;
  metrics.sources.revocations = () => revocations.counts();
  metrics.sources.cache = () => ({ entries: store.size, bytes: store.bytes });
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
    store: shared === undefined ? store : new TieredStore(store, shared.store),
    crossNode: shared && { flight: shared.store, waitMs: config.redis!.lockTtl },
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
  const handler = createPipeline({
    authorizer,
    serve,
    metrics,
    log,
    companion,
    logout: config.logout && { paths: new Map(config.logout.paths.map((entry) => [entry.path, entry])), answer: config.logout.answer, revoke: options.revoke },
    accessLog: config.log.access.enabled ? createAccessLog(log, config.log.access.sample) : undefined,
  });
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
    revocations,
    metrics,
    explain: createExplain(createAuthExplainer(authorizeDeps, authenticator), serve, config.routes),
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
      shared?.close();
    },
  };
}

function sharedTier(redis: NonNullable<Config['redis']>, log: Logger, now: () => number) {
  const connection = connectRedis(redis, 'cache');
  const subscriber = connectRedis(redis, 'cache-landed');
  for (const link of [connection, subscriber]) link.on('error', (error: Error) => log.debug({ err: error }, 'redis (shared cache)'));
  const store = new RedisStore({ connection, subscriber, prefix: redis.prefix, maxObjectBytes: redis.maxObjectBytes, lockTtlMs: redis.lockTtl, now, log });
  return {
    store,
    close() {
      subscriber.disconnect();
      connection.disconnect();
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

function sumOf(readings: readonly CacheReading[]): CacheReading {
  return readings.reduce((sum, reading) => ({ entries: sum.entries + reading.entries, bytes: sum.bytes + reading.bytes }), { entries: 0, bytes: 0 });
}

/** The fastest client each runtime has: Bun's fetch on Bun, an undici Pool on Node. */
async function createOriginClient(origin: string, timeouts: OriginTimeouts): Promise<OriginClient> {
  if (bunRuntime() !== undefined) return createFetchClient(origin, timeouts);
  // Loaded only on Node: Bun answers `import 'undici'` with a partial built-in whose Pool is unusable.
  const { createUndiciClient } = await import('../upstream/undici-client.js');
  return createUndiciClient(origin, timeouts);
}
