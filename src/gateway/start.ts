// Starts the assembled gateway: the public front (Bun.serve on Bun, node:http on Node), the admin
// listener, scheduled warming, and the ordered graceful stop. Owns no policy.
import type { Logger } from 'pino';
import { startAdmin } from '../admin/server.js';
import { snapshotOf, type WorkerSnapshot } from '../admin/stats.js';
import { answerAdminEvents } from './admin-relay.js';
import type { RevokeRequest } from '../auth/revocation-authority.js';
import { RevocationJournal } from '../auth/revocation-journal.js';
import type { RevocationSet } from '../auth/revocations.js';
import { createUrlSigner, loadSigningKeys, type UrlSigner } from '../auth/signed-url.js';
import { createLocalBus, type Bus } from '../cluster/bus.js';
import { applyRevocations, revokeOverBus } from '../cluster/revocation-events.js';
import type { Config } from '../config/schema.js';
import { readAdminSecret } from '../config/secrets.js';
import { listenerUrl } from '../config/units.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { startBunFront } from '../fronts/bun.js';
import type { Front } from '../fronts/front.js';
import { startNodeFront } from '../fronts/node.js';
import { assembleGateway, type Gateway } from './assemble.js';
import { banner } from './banner.js';
import type { Handler } from '../http/exchange.js';
import { revocationActions, startRevocationOwner } from './revocation-owner.js';
import { warmUpRuntime } from './warm-up.js';

export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  /** Carries revoke and purge events to every process serving requests. */
  readonly bus: Bus;
  /** SIGHUP: see Serving.reload. */
  reload(config: Config): Promise<void>;
  /** Graceful stop: no new connections, in-flight requests finish (up to timeouts.shutdown). */
  close(): Promise<void>;
}

/** The part of a gateway that answers the public listener: all of it but the admin listener. */
export interface Serving {
  readonly front: Front;
  /** The gateway now answering (a reload replaces it). */
  readonly gateway: Gateway;
  readonly bus: Bus;
  health(): Record<string, unknown>;
  /** This process's counters for GET /stats. */
  snapshot(): WorkerSnapshot;
  /**
   * SIGHUP: the new configuration answers every request from now on; requests in flight finish with
   * the old one, no connection is dropped. The cache, the revocations and the metrics carry over.
   */
  reload(config: Config): Promise<void>;
  close(): Promise<void>;
}

export interface ServingOptions {
  readonly bus: Bus;
  /** This process's revocation set (the owner's own in a single process). */
  readonly revocations: RevocationSet;
  /** A cluster worker reads what the owner's journal holds, once it listens for what comes after. */
  readonly readJournal?: boolean;
  /** Overrides config.listen.port (a worker joining the port the first worker bound). */
  readonly port?: number;
  /** Bun workers share the port through SO_REUSEPORT (node:cluster shares node:http's itself). */
  readonly reusePort?: boolean;
}

/** How long a logout waits for the revocation owner's answer. */
const REVOKE_TIMEOUT_MS = 10_000;
/** What a reload cannot change in a running process (a restart can). */
const NEEDS_RESTART = ['listen', 'workers', 'admin', 'stateDir', 'redis', 'cache', 'warmUpRequests', 'revocation'] as const;

export async function startServing(config: Config, log: Logger, options: ServingOptions): Promise<Serving> {
  const startedAt = Date.now();
  const stopApplying = applyRevocations(options.bus, options.revocations, Date.now);
  if (options.readJournal === true) for (const entry of await RevocationJournal.read(config.stateDir)) options.revocations.add(entry, Date.now());
  const revoke: (request: RevokeRequest) => Promise<number> = revokeOverBus(options.bus, REVOKE_TIMEOUT_MS);
  let current = await assembleGateway(config, log, { revocations: options.revocations, revoke });
  let running = config;
  if (config.warmUpRequests > 0) {
    // Only ever a head start: if it cannot run, the gateway starts cold.
    await warmUpRuntime(config.warmUpRequests, (handler) => startFront(handler, { host: '127.0.0.1', port: 0, backlog: 511, reusePort: false }), log).then(
      (ms) => log.info({ requests: config.warmUpRequests, ms: Math.round(ms) }, 'warmed up'),
      (error: unknown) => log.warn({ err: error }, 'warm-up failed; starting cold'),
    );
  }
  const snapshot = () => snapshotOf(current.metrics, startedAt);
  let unsubscribe = answerAdminEvents(options.bus, current, snapshot);
  const front = await startFront(current.handler, {
    host: config.listen.host,
    port: options.port ?? config.listen.port,
    backlog: 8192,
    reusePort: options.reusePort ?? false,
  });
  let stopWarming = scheduleWarming(config, log, current);
  return {
    front,
    get gateway() {
      return current;
    },
    bus: options.bus,
    health: () => ({ cachedObjects: current.store.size, cachedBytes: current.store.bytes, revocations: current.revocations.size }),
    snapshot,
    async reload(next) {
      const unchanged = NEEDS_RESTART.filter((key) => JSON.stringify(next[key]) !== JSON.stringify(running[key]));
      if (unchanged.length > 0) log.warn({ keys: unchanged }, 'reload: these keys change only with a restart; the running values stay');
      const effective = { ...next, ...Object.fromEntries(NEEDS_RESTART.map((key) => [key, running[key]])) } as Config;
      const old = current;
      const fresh = await assembleGateway(effective, log, { revocations: options.revocations, revoke, store: old.store, metrics: old.metrics });
      stopWarming();
      unsubscribe();
      current = fresh;
      running = effective;
      front.setHandler(fresh.handler);
      unsubscribe = answerAdminEvents(options.bus, fresh, snapshot);
      stopWarming = scheduleWarming(effective, log, fresh);
      log.info({ routes: effective.routes.length }, 'configuration reloaded');
      // The old gateway's origin pool lets the requests it still serves finish before it closes.
      await old.close();
    },
    async close() {
      stopWarming();
      unsubscribe();
      stopApplying();
      await front.close(running.timeouts.shutdown);
      await current.close();
    },
  };
}

/** One process: serving, the admin listener and a local bus. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const bus = createLocalBus((error) => log.error({ err: error }, 'bus subscriber failed'));
  const owner = await startRevocationOwner(config, log, bus);
  const serving = await startServing(config, log, { bus, revocations: owner.set }).catch(async (error: unknown) => {
    await owner.close();
    throw error;
  });
  const admin = await startAdmin({
    ...config.admin.listen,
    metrics: async () => ({ contentType: serving.gateway.metrics.registry.contentType, text: await serving.gateway.metrics.registry.metrics() }),
    health: serving.health,
    stats: async () => [serving.snapshot()],
    secret: readAdminSecret(config.admin),
    signer: urlSigner(config),
    // One process: act on the cache directly, with exact counts.
    actions: {
      purge: async (target) => {
        const purged = await serving.gateway.serve.purge(target);
        await owner.purgeEverywhere(target);
        return purged;
      },
      warm: (request) => serving.gateway.warm(request),
      explain: async (request) => [await serving.gateway.explain(request)],
      ...revocationActions(owner),
    },
  });
  const url = announceReady(config, log, serving.front, admin);
  return {
    url,
    adminUrl: admin.url,
    bus,
    reload: (next) => serving.reload(next),
    async close() {
      await serving.close();
      await admin.close();
      await owner.close();
    },
  };
}

/**
 * The ready line, written whatever the log level: supervisors, tests and benches wait for it. Then
 * the banner on stderr for the person watching (at log level info and more talkative).
 */
export function announceReady(config: Config, log: Logger, front: { host: string; port: number }, admin: { url: string }, workers = 1): string {
  const url = listenerUrl(front.host, front.port);
  log.child({}, { level: 'info' }).info({ url, admin: admin.url, upstream: new URL(config.upstream).origin, routes: config.routes.length, workers }, 'listening');
  if (log.isLevelEnabled('info')) process.stderr.write(banner(config, { url, adminUrl: admin.url, workers }));
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
