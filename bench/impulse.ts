// Impulse: a cold gateway in front of the slow demo origin (40 ms boot, 8 slots) meets N distinct
// users at once, one request each. What matters: every user served, and how few origin requests.
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
  const tokensFile = await fx.validTokensFile(users);
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const args = [IMPULSE_CLIENT, `${gateway.url}/api/v1/feed`, tokensFile, String(users), '120'];
    const stdout = await runToEnd('impulse client', { command: process.execPath, args, cpu: fx.cpus.client }, 180_000);
    const client = JSON.parse(stdout.trim()) as ImpulseClientResult;
    const originStats = await origin.stats();
    const counters = await gatewayCounters(gateway.admin);
    return {
      usersRequested: fx.options.users,
      fdLimit: fx.fdLimit,
      client,
      originRequests: originStats.requests,
      originByPath: originStats.byPath,
      gatewayOriginRequests: counters.originRequests,
      signatureVerifications: counters.verifications,
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

export function impulseRows(r: Awaited<ReturnType<typeof benchImpulse>>): Row[] {
  return [
    ['users (distinct tokens)', r.client.users],
    ['statuses', JSON.stringify(r.client.statuses)],
    ['all served after ms', r.client.lastOkMs],
    ['per-user p50 / p99 ms', `${r.client.p50Ms} / ${r.client.p99Ms}`],
    ['origin requests', r.originRequests],
    ['signature verifications', r.signatureVerifications],
  ];
}
