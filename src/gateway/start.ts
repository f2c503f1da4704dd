// Starts the assembled gateway: the public front, the admin listener, scheduled warming, and the
// ordered graceful stop. Owns no policy.
import type { Logger } from 'pino';
import { startAdmin } from '../admin/server.js';
import type { Config } from '../config/schema.js';
import { readSecret } from '../config/secrets.js';
import { startNodeFront } from '../fronts/node.js';
import { assembleGateway } from './assemble.js';

export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  /** Graceful stop: no new connections, in-flight requests finish (up to timeouts.shutdown). */
  close(): Promise<void>;
}

export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const gateway = await assembleGateway(config, log);
  const { metrics, store } = gateway;

  const front = await startNodeFront(gateway.handler, { ...config.listen, backlog: 8192 });
  const admin = await startAdmin({
    ...config.admin.listen,
    metrics: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
    health: () => ({ cachedObjects: store.size, cachedBytes: store.bytes }),
    secret: readSecret(config.admin, 'admin'),
    actions: {
      purge: async (target) => gateway.serve.purge(target),
      warm: (request) => gateway.warm(request),
    },
  });
  const url = `http://${hostForUrl(front.host)}:${front.port}`;
  const adminUrl = `http://${hostForUrl(admin.host)}:${admin.port}`;
  // The ready line is written whatever the log level: supervisors, tests and benches wait for it.
  log.child({}, { level: 'info' }).info({ url, admin: adminUrl, upstream: config.upstream, routes: config.routes.length }, 'listening');

  const warmAll = () =>
    gateway.warm().then(
      (summary) => log.info({ warmed: summary.warmed, failed: summary.failed, bytes: summary.bytes }, 'warmed'),
      (error: unknown) => log.warn({ err: error }, 'warming failed'),
    );
  let warmTimer: NodeJS.Timeout | undefined;
  if (config.warm !== undefined) {
    void warmAll();
    if (config.warm.every !== undefined) warmTimer = setInterval(warmAll, config.warm.every).unref();
  }

  return {
    url,
    adminUrl,
    async close() {
      clearInterval(warmTimer);
      await front.close(config.timeouts.shutdown);
      await Promise.all([admin.close(), gateway.close()]);
    },
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
