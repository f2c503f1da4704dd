// Wiring: builds every part from the validated configuration, starts the front and the admin
// listener, and stops them in order on shutdown. Owns no policy.
import type { Logger } from 'pino';
import { startAdmin } from '../admin/server.js';
import { createAuthenticator, type AuthHooks } from '../auth/authenticator.js';
import { createAppAuth } from '../auth/delegate.js';
import { FailureLimiter } from '../auth/flood.js';
import { MemoryStore } from '../cache/memory-store.js';
import { SingleFlight } from '../cache/single-flight.js';
import type { Config } from '../config/schema.js';
import { startNodeFront } from '../fronts/node.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createUndiciClient } from '../upstream/undici-client.js';
import { createPipeline } from './pipeline.js';
import { compileRoutes } from './routes.js';
import { createServe } from './serve.js';

export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  /** Graceful stop: no new connections, in-flight requests finish (up to timeouts.shutdown). */
  close(): Promise<void>;
}

export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const metrics = createMetrics();
  const authenticator = await createAuthenticator(config.jwt, { hooks: authHooks(metrics, log) });
  const routes = compileRoutes(config.routes, (endpoint) =>
    createAppAuth({ ...endpoint, now: Date.now, onAnswer: (answer) => metrics.appAuth.labels(answer).inc() }),
  );
  const { flood } = config.jwt;
  const upstream = new URL(config.upstream);
  const origin = createUndiciClient(upstream.origin, config.timeouts);
  const store = new MemoryStore(config.cache);
  const serve = createServe({
    store,
    flights: new SingleFlight(),
    origin,
    originHost: upstream.host,
    reserved: routes.identityHeaderNames,
    maxObjectBytes: config.cache.maxObjectBytes,
    uncacheableTtl: config.cache.uncacheableTtl,
    metrics,
    log,
    now: Date.now,
  });
  const handler = createPipeline({
    routes,
    decider: authenticator,
    cookieName: config.jwt.cookie,
    serve,
    metrics,
    log,
    flood: flood && new FailureLimiter({ failuresPerMinute: flood.failuresPerMinute, blockMs: flood.block, clients: flood.clients, now: Date.now }),
  });

  const front = await startNodeFront(handler, { ...config.listen, backlog: 8192 });
  const admin = await startAdmin({
    ...config.admin.listen,
    registry: metrics.registry,
    health: () => ({ cachedObjects: store.size, cachedBytes: store.bytes }),
  });
  const url = `http://${hostForUrl(front.host)}:${front.port}`;
  const adminUrl = `http://${hostForUrl(admin.host)}:${admin.port}`;
  // The ready line is written whatever the log level: supervisors, tests and benches wait for it.
  log.child({}, { level: 'info' }).info({ url, admin: adminUrl, upstream: upstream.origin, routes: config.routes.length }, 'listening');

  return {
    url,
    adminUrl,
    async close() {
      await front.close(config.timeouts.shutdown);
      await Promise.all([admin.close(), origin.close(), authenticator.close()]);
    },
  };
}

/** Verifications and JWKS fetches counted; a failed JWKS fetch (old keys stay in use) logged. */
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

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
