// Wiring: builds every part from the validated configuration, starts the front and the admin
// listener, and stops them in order on shutdown. Owns no policy. The runtime picks the front and the
// origin client: Bun.serve and Bun's fetch on Bun, node:http and undici on Node.
import type { Logger } from 'pino';
import { startAdmin } from '../admin/server.js';
import { createAuthenticator } from '../auth/authenticator.js';
import { MemoryStore } from '../cache/memory-store.js';
import { SingleFlight } from '../cache/single-flight.js';
import { createLocalBus, type Bus } from '../cluster/bus.js';
import type { Config } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { startBunFront } from '../fronts/bun.js';
import type { Front } from '../fronts/front.js';
import { startNodeFront } from '../fronts/node.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createFetchClient } from '../upstream/fetch-client.js';
import type { OriginClient, OriginTimeouts } from '../upstream/origin.js';
import type { Handler } from './exchange.js';
import { createPipeline } from './pipeline.js';
import { compileRoutes } from './routes.js';
import { createServe } from './serve.js';

export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  /** Carries revoke and purge events to every process serving requests. */
  readonly bus: Bus;
  /** Graceful stop: no new connections, in-flight requests finish (up to timeouts.shutdown). */
  close(): Promise<void>;
}

/** The part of a gateway that answers the public listener: all of it but the admin listener. */
export interface Serving {
  readonly front: Front;
  readonly metrics: Metrics;
  readonly bus: Bus;
  health(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface ServingOptions {
  readonly bus: Bus;
  /** Overrides config.listen.port (a worker joining the port the first worker bound). */
  readonly port?: number;
  /** Bun workers share the port through SO_REUSEPORT (node:cluster shares node:http's itself). */
  readonly reusePort?: boolean;
}

export async function startServing(config: Config, log: Logger, options: ServingOptions): Promise<Serving> {
  const metrics = createMetrics();
  const authenticator = await createAuthenticator(config.jwt, {
    hooks: { onVerify: (decision) => metrics.verifications.labels(decision.ok ? 'valid' : decision.reason).inc() },
  });
  const routes = compileRoutes(config.routes);
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
    metrics,
    log,
    now: Date.now,
  });
  const handler = createPipeline({ routes, decider: authenticator, cookieName: config.jwt.cookie, serve, metrics, log });
  const front = await startFront(handler, {
    host: config.listen.host,
    port: options.port ?? config.listen.port,
    backlog: 8192,
    reusePort: options.reusePort ?? false,
  });
  return {
    front,
    metrics,
    bus: options.bus,
    health: () => ({ cachedObjects: store.size, cachedBytes: store.bytes }),
    async close() {
      await front.close(config.timeouts.shutdown);
      await Promise.all([origin.close(), authenticator.close()]);
    },
  };
}

/** One process: serving, the admin listener and a local bus. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const bus = createLocalBus((error) => log.error({ err: error }, 'bus subscriber failed'));
  const serving = await startServing(config, log, { bus });
  const admin = await startAdmin({ ...config.admin.listen, registry: serving.metrics.registry, health: serving.health });
  const url = announceReady(config, log, serving.front, admin);
  return {
    url,
    adminUrl: admin.url,
    bus,
    async close() {
      await serving.close();
      await admin.close();
    },
  };
}

/** The ready line, written whatever the log level: supervisors, tests and benches wait for it. */
export function announceReady(config: Config, log: Logger, front: { host: string; port: number }, admin: { url: string }, workers = 1): string {
  const url = `http://${hostForUrl(front.host)}:${front.port}`;
  log.child({}, { level: 'info' }).info({ url, admin: admin.url, upstream: new URL(config.upstream).origin, routes: config.routes.length, workers }, 'listening');
  return url;
}

function startFront(handler: Handler, options: { host: string; port: number; backlog: number; reusePort: boolean }): Promise<Front> {
  return bunRuntime() === undefined ? startNodeFront(handler, options) : startBunFront(handler, options);
}

async function createOriginClient(origin: string, timeouts: OriginTimeouts): Promise<OriginClient> {
  if (bunRuntime() !== undefined) return createFetchClient(origin, timeouts);
  // Loaded only on Node: Bun answers `import 'undici'` with a partial built-in whose Pool is unusable.
  const { createUndiciClient } = await import('../upstream/undici-client.js');
  return createUndiciClient(origin, timeouts);
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
