// Starts the assembled gateway: the public front (Bun.serve on Bun, node:http on Node), the admin
// listener, scheduled warming, and the ordered graceful stop. Owns no policy.
import type { Logger } from 'pino';
import { startAdmin } from '../admin/server.js';
import { createUrlSigner, loadSigningKeys, type UrlSigner } from '../auth/signed-url.js';
import { answerAdminEvents } from '../cluster/admin-relay.js';
import { createLocalBus, type Bus } from '../cluster/bus.js';
import type { Config } from '../config/schema.js';
import { readSecret } from '../config/secrets.js';
import { listenerUrl } from '../config/units.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { startBunFront } from '../fronts/bun.js';
import type { Front } from '../fronts/front.js';
import { startNodeFront } from '../fronts/node.js';
import { assembleGateway, type Gateway } from './assemble.js';
import type { Handler } from '../http/exchange.js';
import { warmUpRuntime } from './warm-up.js';

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
  readonly gateway: Gateway;
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
  const gateway = await assembleGateway(config, log);
  if (config.warmUpRequests > 0) {
    // Only ever a head start: if it cannot run, the gateway starts cold.
    await warmUpRuntime(config.warmUpRequests, (handler) => startFront(handler, { host: '127.0.0.1', port: 0, backlog: 511, reusePort: false }), log).then(
      (ms) => log.info({ requests: config.warmUpRequests, ms: Math.round(ms) }, 'warmed up'),
      (error: unknown) => log.warn({ err: error }, 'warm-up failed; starting cold'),
    );
  }
  const unsubscribe = answerAdminEvents(options.bus, gateway);
  const front = await startFront(gateway.handler, {
    host: config.listen.host,
    port: options.port ?? config.listen.port,
    backlog: 8192,
    reusePort: options.reusePort ?? false,
  });
  const stopWarming = scheduleWarming(config, log, gateway);
  return {
    front,
    gateway,
    bus: options.bus,
    health: () => ({ cachedObjects: gateway.store.size, cachedBytes: gateway.store.bytes }),
    async close() {
      stopWarming();
      unsubscribe();
      await front.close(config.timeouts.shutdown);
      await gateway.close();
    },
  };
}

/** One process: serving, the admin listener and a local bus. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const bus = createLocalBus((error) => log.error({ err: error }, 'bus subscriber failed'));
  const serving = await startServing(config, log, { bus });
  const { gateway } = serving;
  const admin = await startAdmin({
    ...config.admin.listen,
    metrics: async () => ({ contentType: gateway.metrics.registry.contentType, text: await gateway.metrics.registry.metrics() }),
    health: serving.health,
    secret: readSecret(config.admin, 'admin'),
    signer: urlSigner(config),
    // One process: act on the cache directly, with exact counts.
    actions: { purge: async (target) => gateway.serve.purge(target), warm: (request) => gateway.warm(request) },
  });
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
  const url = listenerUrl(front.host, front.port);
  log.child({}, { level: 'info' }).info({ url, admin: admin.url, upstream: new URL(config.upstream).origin, routes: config.routes.length, workers }, 'listening');
  return url;
}

/** The signer of POST /sign, when signed URLs are configured. */
export function urlSigner(config: Config): UrlSigner | undefined {
  return config.signing && createUrlSigner(loadSigningKeys(config.signing), config.signing.params);
}

/** Warms the configured list at start and on its schedule; returns the function that stops it. */
function scheduleWarming(config: Config, log: Logger, gateway: Gateway): () => void {
  if (config.warm === undefined) return () => undefined;
  const warmAll = () =>
    gateway.warm().then(
      (summary) => log.info({ warmed: summary.warmed, failed: summary.failed, bytes: summary.bytes }, 'warmed'),
      (error: unknown) => log.warn({ err: error }, 'warming failed'),
    );
  void warmAll();
  const timer = config.warm.every === undefined ? undefined : setInterval(warmAll, config.warm.every).unref();
  return () => clearInterval(timer);
}

function startFront(handler: Handler, options: { host: string; port: number; backlog: number; reusePort: boolean }): Promise<Front> {
  return bunRuntime() === undefined ? startNodeFront(handler, options) : startBunFront(handler, options);
}
