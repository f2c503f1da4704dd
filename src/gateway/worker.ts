// A cluster worker: serves the public listener, reports to the primary, and stops gracefully on
// SIGTERM or when the primary goes away (its IPC channel closes), so no worker outlives it.
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { RevocationSet } from '../auth/revocations.js';
import { createWorkerBus } from '../cluster/ipc-bus.js';
import type { Config } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';
import { startServing } from './start.js';

/** Environment variable through which the primary tells later workers the port the first one bound. */
export const WORKER_PORT_ENV = 'BOUNCER_WORKER_PORT';

/** The messages a worker sends the primary. */
export type WorkerMessage = { readonly type: 'bouncer:ready'; readonly host: string; readonly port: number };
/** What the primary tells a worker: read the configuration again (it validated there). */
export type WorkerCommand = { readonly type: 'bouncer:reload' };

export async function runWorker(config: Config, log: Logger, reloadConfig: () => Config): Promise<number> {
  const bus = createWorkerBus(process, (error) => log.error({ err: error }, 'bus subscriber failed'));
  const port = process.env[WORKER_PORT_ENV];
  const serving = await startServing(config, log, {
    bus,
    revocations: new RevocationSet(config.revocation),
    readJournal: true,
    ...(port === undefined ? {} : { port: Number(port) }),
    reusePort: bunRuntime() !== undefined,
  });
  // prom-client answers the primary's AggregatorRegistry.clusterMetrics() over IPC from this registry.
  AggregatorRegistry.setRegistries([serving.gateway.metrics.registry]);
  new AggregatorRegistry();
  process.send!({ type: 'bouncer:ready', host: serving.front.host, port: serving.front.port } satisfies WorkerMessage);
  // The primary reloads on SIGHUP and tells the workers; one sent to the whole group must not end them.
  process.on('SIGHUP', () => undefined);
  process.on('message', (message: unknown) => {
    if ((message as WorkerCommand | null)?.type !== 'bouncer:reload') return;
    Promise.resolve()
      .then(() => serving.reload(reloadConfig()))
      .catch((error: unknown) => log.error({ err: error }, 'reload failed; the running configuration stays'));
  });

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    process.once('disconnect', resolve);
  });
  await serving.close();
  return 0;
}
