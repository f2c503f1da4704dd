// Invalid-token flood: distinct forged, expired, alg-none, foreign-key and garbage tokens rotated like
// the hot path, against a gateway whose cache holds the content. None of them may reach the origin.
// With --token-bytes N: instead, every request carries a token never sent before, "AAAA.AAAA.<random>"
// of N characters (issue 14: it passes the syntax check and fails before any signature check), and
// the gateway's resident memory is read before and after.
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { residentBytes } from './lib/processes.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin } from './lib/servers.js';
import { mintValid } from './lib/tokens.js';
import { runWrk } from './lib/wrk.js';

const MIB = 1024 * 1024;

export async function benchFlood(fx: Fixture) {
  const { durationS, tokens, tokenBytes } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const load = tokenBytes === undefined ? { tokensFile: await fx.invalidTokensFile(tokens) } : { distinctTokenBytes: tokenBytes };
    const [valid] = await mintValid(fx.validKey, 1);
    const warm = await fetch(`${gateway.url}/api/v1/feed`, { headers: { authorization: `Bearer ${valid}` } });
    await warm.arrayBuffer();

    const before = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats(), rss: await residentBytes(gateway.pid) };
    const flood = await runWrk({ url: `${gateway.url}/api/v1/feed`, ...load, durationS, connections: 64, cpu: fx.cpus.client });
    const after = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats(), rss: await residentBytes(gateway.pid) };
    const stillServed = await fetch(`${gateway.url}/api/v1/feed`, { headers: { authorization: `Bearer ${valid}` } });
    await stillServed.arrayBuffer();
    const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
    return {
      tokens: tokenBytes === undefined ? `${tokens} rotating (mixed)` : `distinct, ${tokenBytes} characters`,
      warmStatus: warm.status,
      flood,
      // wrk counts every non-2xx answer; all of them should be 401s.
      allRefused: flood.non2xx === flood.requests,
      rssBeforeMiB: mib(before.rss),
      rssAfterMiB: mib(after.rss),
      validAfterwards: stillServed.status,
      originRequests: after.origin.requests - before.origin.requests,
      gatewayOriginRequests: after.gateway.originRequests - before.gateway.originRequests,
      signatureVerifications: after.gateway.verifications - before.gateway.verifications,
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

export function floodRows(r: Awaited<ReturnType<typeof benchFlood>>): Row[] {
  return [
    ['tokens', r.tokens],
    ['req/s | p50 ms | p99 ms', `${r.flood.rps} | ${r.flood.p50Ms} | ${r.flood.p99Ms}`],
    ['requests / refused', `${r.flood.requests} / ${r.flood.non2xx}`],
    ['gateway RSS before / after MiB', `${r.rssBeforeMiB} / ${r.rssAfterMiB}`],
    ['a valid user afterwards', r.validAfterwards],
    ['origin requests during flood', r.originRequests],
    ['signature verifications', r.signatureVerifications],
  ];
}
