// Invalid-token flood: distinct forged, expired, alg-none, foreign-key and garbage tokens rotated like
// the hot path, against a gateway whose cache holds the content. None of them may reach the origin.
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin } from './lib/servers.js';
import { mintValid } from './lib/tokens.js';
import { runWrk } from './lib/wrk.js';

export async function benchFlood(fx: Fixture) {
  const { durationS, tokens } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const tokensFile = await fx.invalidTokensFile(tokens);
    const [valid] = await mintValid(fx.validKey, 1);
    const warm = await fetch(`${gateway.url}/api/v1/feed`, { headers: { authorization: `Bearer ${valid}` } });
    await warm.arrayBuffer();

    const before = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats() };
    const flood = await runWrk({ url: `${gateway.url}/api/v1/feed`, tokensFile, durationS, connections: 64, cpu: fx.cpus.client });
    const after = { gateway: await gatewayCounters(gateway.admin), origin: await origin.stats() };
    return {
      warmStatus: warm.status,
      flood,
      // wrk counts every non-2xx answer; all of them should be 401s.
      allRefused: flood.non2xx === flood.requests,
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
    ['req/s | p50 ms | p99 ms', `${r.flood.rps} | ${r.flood.p50Ms} | ${r.flood.p99Ms}`],
    ['requests / refused', `${r.flood.requests} / ${r.flood.non2xx}`],
    ['origin requests during flood', r.originRequests],
    ['signature verifications', r.signatureVerifications],
  ];
}
