// The dashboard's cost on the hot path: the `hot` workload (warm 1 KiB entry, wrk rotating distinct
// valid tokens) with the dashboard closed, and open: a client asking GET /stats every second, as the
// page does. Rounds alternate the order (closed first, then open first) on one gateway; the figure is
// the median of each round's open/closed ratio (target: within 2%).
import type { BenchOptions, Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { startGateway, startOrigin } from './lib/servers.js';
import { median, pairedRatio } from './lib/stats.js';
import { cpuSeconds } from './lib/processes.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

interface Round extends WrkResult {
  /** Gateway CPU time per answered request, µs (what a shared, noisy machine distorts least). */
  cpuUsPerRequest: number;
}

const FEED = '/api/v1/feed';
const POLL_MS = 1_000;

export async function benchDashboard(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const tokensFile = await fx.validTokensFile(tokens);
    const load = (seconds: number) => runWrk({ url: gateway.url + FEED, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client });
    const measure = async (): Promise<Round> => {
      const before = await cpuSeconds(gateway.pid);
      const result = await load(durationS);
      return { ...result, cpuUsPerRequest: Math.round((((await cpuSeconds(gateway.pid)) - before) / result.requests) * 1e7) / 10 };
    };
    let polls = 0;
    let bytes = 0;
    const open = async (): Promise<Round> => {
      // What the page does: one GET /stats a second, read whole.
      const timer = setInterval(() => {
        void fetch(`${gateway.admin}/stats`).then(async (response) => {
          bytes += (await response.text()).length;
          polls++;
        });
      }, POLL_MS);
      try {
        return await measure();
      } finally {
        clearInterval(timer);
      }
    };
    await load(Math.max(3, Math.ceil(durationS / 3))); // warm: cache, decisions, JIT
    const closedRounds: Round[] = [];
    const openRounds: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        closedRounds.push(await measure());
        openRounds.push(await open());
      } else {
        openRounds.push(await open());
        closedRounds.push(await measure());
      }
    }
    const side = (list: Round[]) => ({ rounds: list, rps: median(list.map((r) => r.rps)), p99Ms: median(list.map((r) => r.p99Ms)), cpuUsPerRequest: median(list.map((r) => r.cpuUsPerRequest)) });
    return {
      closed: side(closedRounds),
      open: side(openRounds),
      ratio: pairedRatio(openRounds.map((r) => r.rps), closedRounds.map((r) => r.rps)),
      polls,
      statsBytes: polls === 0 ? 0 : Math.round(bytes / polls),
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

export function dashboardRows(r: Awaited<ReturnType<typeof benchDashboard>>, o: BenchOptions): Row[] {
  return [
    ['dashboard closed req/s | p99 ms | CPU µs/req', `${r.closed.rps} | ${r.closed.p99Ms} | ${r.closed.cpuUsPerRequest}`],
    ['dashboard open (GET /stats every 1 s) req/s | p99 ms | CPU µs/req', `${r.open.rps} | ${r.open.p99Ms} | ${r.open.cpuUsPerRequest}`],
    ['ratio open/closed (median of rounds)', r.ratio],
    ['polls answered | bytes per /stats', `${r.polls} | ${r.statsBytes}`],
    ['median of', `${o.runtime}: ${o.rounds} rounds of ${o.durationS}s each side, ${o.tokens} ${o.alg} users rotating, 64 connections`],
  ];
}
