// Builds the runtime-neutral gateway from validated configuration: auth, routes, store, origin
// client, serve stage, pipeline and warmer. start.ts adds the listeners; tests use this directly
// with their own clock.
import type { Logger } from 'pino';
import { createAuthenticator, type AuthHooks } from '../auth/authenticator.js';
import { createAppAuth, type AppAuth } from '../auth/delegate.js';
import { clientAddressOf } from '../auth/client-address.js';
import { FailureLimiter } from '../auth/flood.js';
import { MemoryStore } from '../cache/memory-store.js';
import { SingleFlight } from '../cache/single-flight.js';
import type { Config } from '../config/schema.js';
import { createMetrics, registerDecisionCacheGauges, type CacheReading, type Metrics } from '../observability/metrics.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { createFetchClient } from '../upstream/fetch-client.js';
import type { OriginClient, OriginTimeouts } from '../upstream/origin.js';
import type { Handler } from './exchange.js';
import { createPipeline } from './pipeline.js';
import { compileRoutes } from './routes.js';
import { createServe, type Serve } from './serve.js';
import { createWarmer, type WarmList, type WarmSummary } from './warm.js';

export interface Gateway {
  readonly handler: Handler;
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
  const appAuths: AppAuth[] = [];
  const routes = compileRoutes(config.routes, (endpoint) => {
    const app = createAppAuth({ ...endpoint, now, onAnswer: (answer) => metrics.appAuth.labels(answer).inc() });
    appAuths.push(app);
    return app;
  });
  registerDecisionCacheGauges(metrics, () => ({ jwt: authenticator.remembered(), app: sumOf(appAuths.map((app) => app.remembered())) }));
  const { flood } = config.jwt;
  const upstream = new URL(config.upstream);
  const origin = await createOriginClient(upstream.origin, config.timeouts);
  const store = new MemoryStore(config.cache);
  const serve = createServe({
    store,
    flights: new SingleFlight(),
    origin,
    originHost: upstream.host,
    reserved: routes.identityHeaderNames,
    maxObjectBytes: config.cache.maxObjectBytes,
    uncacheableTtl: config.cache.uncacheableTtl,
    refreshAhead: config.cache.refreshAhead,
    metrics,
    log,
    now,
  });
  const handler = createPipeline({
    routes,
    decider: authenticator,
    cookieName: config.jwt.cookie,
    serve,
    metrics,
    log,
    flood:
      flood &&
      new FailureLimiter({
        failuresPerMinute: flood.failuresPerMinute,
        blockMs: flood.block,
        clients: flood.clients,
        clientOf: clientAddressOf({ header: flood.clientHeader, trustedProxies: flood.trustedProxies }),
        now,
      }),
  });
  const warmer = createWarmer(routes, serve);

  return {
    handler,
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
