// The cluster primary (`workers` > 1): forks the workers that serve the public listener, replaces a
// worker that dies (a bounded number of times), relays bus events between workers, serves the admin
// listener with metrics aggregated over every worker, and on SIGTERM stops every worker gracefully.
//
// Sharing one port: on Node, node:cluster shares node:http's listener (port 0 included). Bun 1.4.5
// runs node:cluster (fork, IPC, exit events) but shares no listener through it: two workers' listen(0)
// get two ports, and a second Bun.serve on a taken port fails with EADDRINUSE. So on Bun each worker
// binds with SO_REUSEPORT (the kernel spreads connections: 23/17 over 40 in a probe): the first binds
// the configured port (maybe 0), the others are told the port it got. Either way the first worker
// starts alone, then the rest.
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { startAdmin } from '../admin/server.js';
import { adminActionsOverBus } from './admin-relay.js';
import { createPrimaryBus } from '../cluster/ipc-bus.js';
import { readAdminSecret } from '../config/secrets.js';
import type { Config } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { revocationActions, startRevocationOwner } from './revocation-owner.js';
import { announceReady, urlSigner } from './start.js';
import { WORKER_PORT_ENV, type WorkerCommand, type WorkerMessage } from './worker.js';

/**
 * A dead worker is replaced after a back-off that doubles with each death in the last minute (from
 * 100 ms, at most 10 s): a worker that keeps crashing costs little, and the primary never stops
 * replacing workers (giving up would let whatever kills them take the whole gateway down).
 */
const RESTART_WINDOW_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

export class WorkerStartError extends Error {
  readonly code = 'BOUNCER_WORKER_START';
  constructor(readonly exitCode: number) {
    super(`a worker exited with code ${exitCode} before it was ready`);
  }
}

export async function runPrimary(config: Config, log: Logger, count: number, reloadConfig: () => Config): Promise<number> {
  const live = new Set<Worker>();
  const deaths: number[] = [];
  // Restarts apply once every worker has started; a failure before that stops the start-up.
  let started = false;
  let stopping = false;
  let sharedPort: number | undefined;
  // On Node each worker accepts its own connections (the kernel spreads them), instead of the
  // primary accepting every one and handing it on: one core's work for the whole box in an impulse.
  // Bun workers bind with SO_REUSEPORT instead.
  if (bunRuntime() === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;

  // Relays the workers' events to every worker; the bus the admin listener is to publish purges on.
  const bus = createPrimaryBus(live, (error) => log.error({ err: error }, 'bus subscriber failed'));
  cluster.on('message', (_worker, message: unknown) => void bus.receive(message));

  const fork = (): Worker => {
    const worker = cluster.fork(bunRuntime() !== undefined && sharedPort !== undefined ? { [WORKER_PORT_ENV]: String(sharedPort) } : {});
    live.add(worker);
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping || !started) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift();
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (deaths.length - 1));
      log.error({ pid: worker.process.pid, code, signal, deathsLastMinute: deaths.length, restartInMs: backoff }, 'worker died; replacing it');
      setTimeout(() => {
        if (!stopping) ready(fork()).then((w) => log.info({ pid: w.process.pid }, 'worker replaced'), () => undefined);
      }, backoff).unref();
    });
    return worker;
  };

  // Revocations are owned here: the journal, and the answers to workers' logouts on the bus.
  const owner = await startRevocationOwner(config, log, bus);
  try {
    const first = await ready(fork());
    sharedPort = first.port;
    await Promise.all(Array.from({ length: count - 1 }, () => ready(fork())));
    started = true;
    const front = { host: first.host, port: first.port };
    const aggregator = new AggregatorRegistry();
    const workerActions = adminActionsOverBus(bus, () => live.size, 10_000);
    const admin = await startAdmin({
      ...config.admin.listen,
      metrics: async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() }),
      health: () => ({ workers: live.size }),
      stats: () => workerActions.stats(),
      secret: readAdminSecret(config.admin),
      signer: urlSigner(config),
      actions: { ...workerActions, purge: (target) => workerActions.purge(target).then(async (purged) => (await owner.purgeEverywhere(target), purged)), ...revocationActions(owner) },
    });
    announceReady(config, log, front, admin, count);

    // SIGHUP: a configuration that validates goes to every worker; a broken one changes nothing.
    const onHangup = () => {
      try {
        reloadConfig();
      } catch (error) {
        log.error({ err: error }, 'reload refused: the configuration does not validate; the running one stays');
        return;
      }
      for (const worker of live) worker.send({ type: 'bouncer:reload' } satisfies WorkerCommand);
      log.info({ workers: live.size }, 'reload sent to every worker');
    };
    process.on('SIGHUP', onHangup);
    const code = await signalled(log);
    process.off('SIGHUP', onHangup);
    stopping = true;
    await stopWorkers(live, config.timeouts.shutdown);
    await admin.close();
    await owner.close();
    return code;
  } catch (error) {
    stopping = true;
    await stopWorkers(live, config.timeouts.shutdown);
    await owner.close();
    if (error instanceof WorkerStartError) return error.exitCode;
    throw error;
  }
}

/** Resolves with the port the worker listens on, or rejects if it exits first. */
function ready(worker: Worker): Promise<{ host: string; port: number; process: Worker['process'] }> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message?.type !== 'bouncer:ready') return;
      worker.off('exit', onExit);
      worker.off('message', onMessage);
      resolve({ host: message.host, port: message.port, process: worker.process });
    };
    const onExit = (code: number | null) => {
      worker.off('message', onMessage);
      reject(new WorkerStartError(code ?? 1));
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

function signalled(log: Logger): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve(0);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** SIGTERM to every worker; whoever is still there after the grace period (+1 s) is killed. */
async function stopWorkers(workers: Set<Worker>, graceMs: number): Promise<void> {
  const exits = [...workers].map((worker) => (worker.process.exitCode === null && worker.process.signalCode === null ? once(worker, 'exit') : undefined));
  for (const worker of workers) worker.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const worker of workers) worker.process.kill('SIGKILL');
  }, graceMs + 1_000);
  await Promise.all(exits);
  clearTimeout(timer);
}
