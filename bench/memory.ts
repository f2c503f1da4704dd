// Memory: the gateway's resident size before and after deciding N distinct valid users (HS256) on a
// cached URL, i.e. what the decision cache costs per remembered token.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { residentBytes, runToEnd } from './lib/processes.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin } from './lib/servers.js';
import { mintValid } from './lib/tokens.js';

const SWEEP_CLIENT = fileURLToPath(new URL('./clients/sweep.js', import.meta.url));
const MIB = 1024 * 1024;
const SETTLE_MS = 5_000;

/** What clients/sweep.ts prints. */
interface SweepResult {
  sent: number;
  statuses: Record<string, number>;
  ms: number;
  rps: number;
}

export async function benchMemory(fx: Fixture) {
  const count = fx.options.memoryTokens;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  // What a decision costs, so the decision cache's byte bound (128 MiB by default: ~250,000 typical
  // users) is lifted for the million.
  const config = await fx.gatewayConfig(origin.url, { jwt: { decisions: { maxBytes: '4GiB' } } });
  const gateway = await startGateway(config, { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const [warmToken] = await mintValid(fx.hsKey, 1, count);
    await (await fetch(`${gateway.url}/api/v1/feed`, { headers: { authorization: `Bearer ${warmToken}` } })).arrayBuffer();
    const rssBefore = await residentBytes(gateway.pid);

    const args = [SWEEP_CLIENT, `${gateway.url}/api/v1/feed`, fx.hsKey.secret, String(count), '64'];
    // Bounded: a million users at a pessimistic 2,000/s is ~8 minutes.
    const timeoutMs = Math.max(60_000, (count / 2_000) * 1000);
    const stdout = await runToEnd('sweep client', { command: process.execPath, args, cpu: fx.cpus.client }, timeoutMs);
    const sweep = JSON.parse(stdout.trim()) as SweepResult;

    const rssAfter = await residentBytes(gateway.pid);
    // What the process keeps once it is idle: Bun's allocator returns ~50 MiB of the sweep's garbage
    // within two seconds (measured: 460 → 412 MiB), Node's a little.
    await sleep(SETTLE_MS);
    const rssSettled = await residentBytes(gateway.pid);
    const counters = await gatewayCounters(gateway.admin);
    const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
    return {
      decisions: count,
      sweep,
      rssBeforeMiB: mib(rssBefore),
      rssAfterMiB: mib(rssAfter),
      rssSettledMiB: mib(rssSettled),
      bytesPerDecision: Math.round((rssAfter - rssBefore) / count),
      bytesPerDecisionSettled: Math.round((rssSettled - rssBefore) / count),
      signatureVerifications: counters.verifications,
      originRequests: (await origin.stats()).requests,
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

export function memoryRows(r: Awaited<ReturnType<typeof benchMemory>>): Row[] {
  return [
    ['decisions', r.decisions],
    ['statuses', JSON.stringify(r.sweep.statuses)],
    ['sweep req/s', r.sweep.rps],
    ['RSS before / right after / 5 s later MiB', `${r.rssBeforeMiB} / ${r.rssAfterMiB} / ${r.rssSettledMiB}`],
    ['bytes per decision right after / 5 s later', `${r.bytesPerDecision} / ${r.bytesPerDecisionSettled}`],
  ];
}
