// The start-up banner: what this gateway is about to do, in plain words, for the person who just
// started it (routes, stores, Redis, workers). Written to stderr once the listeners are open, when
// log.level is info or more talkative; the JSON "listening" line on stdout stays the one machines read.
import type { Config, RouteConfig } from '../config/schema.js';
import { bunRuntime } from '../fronts/bun-runtime.js';

export interface BannerFacts {
  readonly url: string;
  readonly adminUrl: string;
  readonly workers: number;
}

export function banner(config: Config, facts: BannerFacts): string {
  const runtime = bunRuntime() === undefined ? `Node ${process.versions.node}` : `Bun ${process.versions.bun}`;
  const hasSecret = config.admin.secret !== undefined || config.admin.secretEnv !== undefined || config.admin.secretFile !== undefined;
  const routes = config.routes.map((route, i) => `${i === 0 ? '  routes   ' : '           '}${route.path}: ${describeRoute(route)}`);
  const redis = config.redis;
  const lines = [
    `Bouncer on ${runtime}, ${facts.workers} ${facts.workers === 1 ? 'process' : 'worker processes'}`,
    `  public   ${facts.url} → origin ${new URL(config.upstream).origin}`,
    `  admin    ${facts.adminUrl}: /dashboard, /stats, /metrics, /healthz; purge, warm, revoke, explain ${hasSecret ? 'with the admin secret' : 'refused (no admin secret configured)'}`,
    ...(routes.length === 0 ? ['  routes   none: every request is proxied as it is'] : routes),
    `           anything else: proxied as it is, no auth, no cache`,
    `  store    memory, ${bytes(config.cache.maxBytes)} (objects up to ${bytes(config.cache.maxObjectBytes)})${redis?.sharedCache === true ? `, then a shared Redis tier (objects up to ${bytes(redis.maxObjectBytes)}; one origin fetch per key across nodes)` : '; no shared tier'}`,
    redis === undefined
      ? `  redis    none: one machine; revocations journaled in ${config.stateDir}${facts.workers > 1 ? ', shared with the workers over IPC' : ''}`
      : `  redis    ${redisWhere(redis)} (prefix ${redis.prefix}): revocations and purges reach every node${redis.startup === 'wait' ? '; listening only after merging revocations with it' : ''}`,
    `  workers  ${facts.workers === 1 ? 'one process serves every request' : `${facts.workers} workers, each accepting its own connections; a dead one is replaced`}`,
    `  log      level ${config.log.level}; access log ${config.log.access.enabled ? `on${config.log.access.sample < 1 ? `, ${config.log.access.sample * 100}% of requests` : ''}` : 'off'}`,
  ];
  return `${lines.join('\n')}\n`;
}

function describeRoute(route: RouteConfig): string {
  const auth =
    route.auth === 'off'
      ? 'no auth'
      : route.auth === 'delegate'
        ? `the app decides (${route.delegate?.url})`
        : `auth ${route.auth}${route.require === undefined ? '' : ' with claim rules'}${route.recheck === undefined ? '' : ', rechecked with the app'}`;
  const denied = route.auth === 'off' ? '' : route.onDenied === 'reject' ? ', refused tokens get 401/403' : ', refused tokens passed on uncached';
  const cache = route.cache?.enabled === false ? 'not cached' : `cached${route.cache?.ttl === undefined ? '' : ` (ttl ${route.cache.ttl / 1000}s)`}${route.partitionBy.length > 0 ? `, one copy per ${route.partitionBy.join(' + ')}` : ', one shared copy'}`;
  return `${auth}${denied}; ${cache}`;
}

function redisWhere(redis: NonNullable<Config['redis']>): string {
  if (redis.url !== undefined) return new URL(redis.url).host;
  if (redis.cluster !== undefined) return `cluster of ${redis.cluster.length} start-up nodes`;
  return `sentinels for ${redis.name}`;
}

function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${n / 1024 ** 3} GiB` : n >= 1024 ** 2 ? `${n / 1024 ** 2} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}
