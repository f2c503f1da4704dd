// Hot path: a warm 1 KiB cached body behind the gateway, every request from a different valid user,
// next to a bare server of the same runtime (node:http or Bun.serve) answering the same bytes with no
// auth, under the same wrk load. On Node a second bare server writes its answers in batches after the
// poll phase, as Bouncer's node front does: the like-for-like peer (see bare-server.ts).
// Rounds alternate between them; the median round is reported. `--against DIR` adds the gateway of
// another built checkout (the previous commit, say) to every round, with the same config less what it
// cannot read (stateDir), and reports the median of the rounds' new/previous ratios.
import type { BenchOptions, Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startPrevious } from './lib/previous.js';
import { startBare, startGateway, startOrigin } from './lib/servers.js';
import { median, pairedRatio } from './lib/stats.js';
import { cpuSeconds } from './lib/processes.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const FEED = '/api/v1/feed';

interface Round extends WrkResult {
  /** Server CPU time per answered request, in microseconds. */
  cpuUsPerRequest: number;
}

interface HotSide {
  rounds: Round[];
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
}

export async function benchHot(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  const bare = await startBare({ cpu: fx.cpus.server, runtime: fx.options.runtime });
  const coalesced = fx.options.runtime === 'node' ? await startBare({ cpu: fx.cpus.server, coalesce: true }) : undefined;
  const previous = fx.options.against === undefined ? undefined : await startPrevious(fx, origin.url, fx.options.against);
  try {
    const tokensFile = await fx.validTokensFile(tokens);
    const load = (url: string, seconds: number) =>
      runWrk({ url: url + FEED, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client });
    const measure = async (server: { url: string; pid: number }): Promise<Round> => {
      const cpuBefore = await cpuSeconds(server.pid);
      const result = await load(server.url, durationS);
      const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
      return { ...result, cpuUsPerRequest: Math.round((cpu / result.requests) * 1e7) / 10 };
    };

    // Not measured: fills the content cache, decides every token at least once, and lets both
    // servers' JIT settle so neither is measured cold.
    const warmS = Math.max(3, Math.ceil(durationS / 3));
    const warm = await load(gateway.url, warmS);
    if (warm.requests < tokens) console.warn(`hot: warm-up sent ${warm.requests} requests for ${tokens} tokens`);
    await load(bare.url, warmS);
    if (coalesced) await load(coalesced.url, warmS);
    if (previous) await load(previous.url, warmS);

    const before = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats() };
    const bouncerRounds: Round[] = [];
    const bareRounds: Round[] = [];
    const coalescedRounds: Round[] = [];
    const previousRounds: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      bouncerRounds.push(await measure(gateway));
      bareRounds.push(await measure(bare));
      if (coalesced) coalescedRounds.push(await measure(coalesced));
      if (previous) previousRounds.push(await measure(previous));
    }
    const after = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats() };

    const rps = (rounds: Round[]) => rounds.map((r) => r.rps);
    const ratioTo = (peer: Round[]) => pairedRatio(rps(bouncerRounds), rps(peer));
    return {
      bouncer: summarise(bouncerRounds),
      bare: summarise(bareRounds),
      ratio: ratioTo(bareRounds),
      coalesced: coalesced && { ...summarise(coalescedRounds), ratio: ratioTo(coalescedRounds) },
      previous: previous && { against: fx.options.against!, ...summarise(previousRounds), ratio: ratioTo(previousRounds), previousToBare: pairedRatio(rps(previousRounds), rps(bareRounds)) },
      warmUp: warm,
      duringMeasurement: {
        originRequests: after.origin.requests - before.origin.requests,
        gatewayOriginRequests: after.gateway.originRequests - before.gateway.originRequests,
        signatureVerifications: after.gateway.verifications - before.gateway.verifications,
      },
    };
  } finally {
    await Promise.all([bare.stop(), coalesced?.stop(), previous?.stop(), gateway.stop(), origin.stop()]);
  }
}

function summarise(rounds: Round[]): HotSide {
  return {
    rounds,
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
  };
}

const sideRow = (s: HotSide) => `${s.rps} | ${s.p50Ms} | ${s.p99Ms} | ${s.cpuUsPerRequest}`;

export function hotRows(r: Awaited<ReturnType<typeof benchHot>>, o: BenchOptions): Row[] {
  const coalesced: Row[] = r.coalesced
    ? [
        ['bare node:http, batched writes req/s | p50 ms | p99 ms | CPU µs/req', sideRow(r.coalesced)],
        ['ratio bouncer/bare with batched writes (median of rounds)', r.coalesced.ratio],
      ]
    : [];
  const previous: Row[] = r.previous
    ? [
        [`previous (${r.previous.against}) req/s | p50 ms | p99 ms | CPU µs/req`, sideRow(r.previous)],
        ['ratio bouncer/previous (median of rounds)', r.previous.ratio],
        ['ratio previous/bare (median of rounds)', r.previous.previousToBare],
      ]
    : [];
  return [
    ['bouncer req/s | p50 ms | p99 ms | CPU µs/req', sideRow(r.bouncer)],
    [`bare ${o.runtime === 'bun' ? 'Bun.serve' : 'node:http'} req/s | p50 ms | p99 ms | CPU µs/req`, sideRow(r.bare)],
    ['ratio bouncer/bare (median of rounds)', r.ratio],
    ...coalesced,
    ...previous,
    ['origin requests / verifications while measured', `${r.duringMeasurement.originRequests} / ${r.duringMeasurement.signatureVerifications}`],
    ['median of', `${o.runtime}: ${o.rounds} rounds of ${o.durationS}s, ${o.tokens} ${o.alg} users rotating, 64 connections`],
  ];
}
