// Impulse: a cold gateway in front of the slow demo origin (40 ms boot, 8 slots) meets N distinct
// users at once, one request each. What matters: every user served, and how few origin requests.
// Three times: on a freshly started process; then, on the same process, N other users asking for
// another URL (caches as cold as before, but the runtime has compiled its hot code by then: on Node,
// compiling it takes about half the core during the first impulse); then on a second fresh process
// started with `warmUpRequests` (src/gateway/warm-up.ts), N more users.
import { fileURLToPath } from 'node:url';
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { runToEnd } from './lib/processes.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin, type Gateway } from './lib/servers.js';

const IMPULSE_CLIENT = fileURLToPath(new URL('./clients/impulse.js', import.meta.url));
const WARM_UP_REQUESTS = 2_000;
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
  const start = async (extra?: Record<string, unknown>) =>
    startGateway(await fx.gatewayConfig(origin.url, extra), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  const impulse = async (gateway: Gateway, path: string, tokensFile: string) => {
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
    const gateway = await start();
    let fresh: ImpulseRun;
    let warm: ImpulseRun;
    try {
      fresh = await impulse(gateway, '/api/v1/feed', await fx.validTokensFile(users));
      warm = await impulse(gateway, '/api/v1/news', await fx.validTokensFile(users, users));
    } finally {
      await gateway.stop();
    }
    const warmedUp = await start({ warmUpRequests: WARM_UP_REQUESTS });
    try {
      const warmedUpRun = await impulse(warmedUp, '/api/v1/sport', await fx.validTokensFile(users, 2 * users));
      return { usersRequested: fx.options.users, fdLimit: fx.fdLimit, fresh, warm, warmedUp: warmedUpRun };
    } finally {
      await warmedUp.stop();
    }
  } finally {
    await origin.stop();
  }
}

interface ImpulseRun {
  client: ImpulseClientResult;
  originRequests: number;
  signatureVerifications: number;
}

export function impulseRows(r: Awaited<ReturnType<typeof benchImpulse>>): Row[] {
  const each = (cell: (run: ImpulseRun) => unknown) => [r.fresh, r.warm, r.warmedUp].map((run) => String(cell(run))).join(' | ');
  return [
    ['process', `freshly started | warm (other users, other URL) | fresh, warmUpRequests ${WARM_UP_REQUESTS}`],
    ['users (distinct tokens)', each((run) => run.client.users)],
    ['statuses', each((run) => JSON.stringify(run.client.statuses))],
    ['all served after ms', each((run) => run.client.lastOkMs)],
    ['per-user p50 / p99 ms', each((run) => `${run.client.p50Ms} / ${run.client.p99Ms}`)],
    ['origin requests', each((run) => run.originRequests)],
    ['signature verifications', each((run) => run.signatureVerifications)],
  ];
}
