// Impulse: a cold gateway in front of the slow demo origin (40 ms boot, 8 slots) meets N distinct
// users at once, one request each. What matters: every user served, and how few origin requests.
// Twice: first on a freshly started process, then, on the same process, N other users asking for
// another URL: caches as cold as before, but the runtime has compiled its hot code by then (on Node,
// compiling it takes about half the core during the first impulse).
import { fileURLToPath } from 'node:url';
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { runToEnd } from './lib/processes.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin } from './lib/servers.js';

const IMPULSE_CLIENT = fileURLToPath(new URL('./clients/impulse.js', import.meta.url));
// Sockets each side keeps besides the users' (listeners, origin pool, stdio, the runtime's own).
const FD_HEADROOM = 256;

/** What clients/impulse.ts prints. */
interface ImpulseClientResult {
  users: number;
  connected: number;
  connectErrors: number;
  statuses: Record<string, number>;
  ok: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lastOkMs: number | null;
  allMs: number;
}

export async function benchImpulse(fx: Fixture) {
  const users = Math.min(fx.options.users, fx.fdLimit - FD_HEADROOM);
  if (users < fx.options.users) {
    console.warn(`impulse: fd limit ${fx.fdLimit} allows ${users} users, not ${fx.options.users}`);
  }
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  const impulse = async (path: string, tokensFile: string) => {
    const before = { origin: (await origin.stats()).byPath[path] ?? 0, gateway: await gatewayCounters(gateway.admin) };
    const args = [IMPULSE_CLIENT, gateway.url + path, tokensFile, String(users), '120'];
    const stdout = await runToEnd('impulse client', { command: process.execPath, args, cpu: fx.cpus.client }, 180_000);
    const after = { origin: (await origin.stats()).byPath[path] ?? 0, gateway: await gatewayCounters(gateway.admin) };
    return {
      client: JSON.parse(stdout.trim()) as ImpulseClientResult,
      originRequests: after.origin - before.origin,
      signatureVerifications: after.gateway.verifications - before.gateway.verifications,
    };
  };
  try {
    const fresh = await impulse('/api/v1/feed', await fx.validTokensFile(users));
    const warm = await impulse('/api/v1/news', await fx.validTokensFile(users, users));
    return { usersRequested: fx.options.users, fdLimit: fx.fdLimit, fresh, warm };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

type ImpulseRun = Awaited<ReturnType<typeof benchImpulse>>['fresh'];

export function impulseRows(r: Awaited<ReturnType<typeof benchImpulse>>): Row[] {
  const both = (cell: (run: ImpulseRun) => unknown) => `${String(cell(r.fresh))} | ${String(cell(r.warm))}`;
  return [
    ['process', 'freshly started | warm (other users, other URL)'],
    ['users (distinct tokens)', both((run) => run.client.users)],
    ['statuses', both((run) => JSON.stringify(run.client.statuses))],
    ['all served after ms', both((run) => run.client.lastOkMs)],
    ['per-user p50 / p99 ms', both((run) => `${run.client.p50Ms} / ${run.client.p99Ms}`)],
    ['origin requests', both((run) => run.originRequests)],
    ['signature verifications', both((run) => run.signatureVerifications)],
  ];
}
