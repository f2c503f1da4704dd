// Cache hit paths side by side on one gateway, in alternating rounds: a plain fresh hit, a hit on a
// response that varies (Vary: Accept-Encoding, looked up through its marker), and a client's own
// revalidation answered 304 from cache (If-None-Match matching the stored ETag).
import { etagOf, feedBody } from '../src/demo/content.js';
import type { Fixture } from './lib/fixture.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway, startOrigin } from './lib/servers.js';
import { median } from './lib/stats.js';
import type { Row } from './lib/table.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const LOADS = {
  plain: { path: '/api/v1/feed', headers: [] as string[] },
  vary: { path: '/api/v1/feed-vary', headers: ['Accept-Encoding: gzip, deflate, br'] },
  revalidate: { path: '/api/v1/feed', headers: [`If-None-Match: ${etagOf(feedBody('/api/v1/feed'))}`] },
};
type Load = keyof typeof LOADS;

export async function benchCache(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const tokensFile = await fx.validTokensFile(tokens);
    const run = (load: Load, seconds: number) =>
      runWrk({ url: gateway.url + LOADS[load].path, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client, headers: LOADS[load].headers });
    // Not measured: stores both entries and decides every token once.
    for (const load of Object.keys(LOADS) as Load[]) await run(load, Math.max(3, Math.ceil(durationS / 3)));
    const before = await gatewayCounters(gateway.admin);
    const results: Record<Load, WrkResult[]> = { plain: [], vary: [], revalidate: [] };
    for (let round = 0; round < rounds; round++) {
      for (const load of Object.keys(LOADS) as Load[]) results[load].push(await run(load, durationS));
    }
    const after = await gatewayCounters(gateway.admin);
    const side = (load: Load) => ({ rps: median(results[load].map((r) => r.rps)), p99Ms: median(results[load].map((r) => r.p99Ms)) });
    const ratio = (load: Load) => Math.round(median(results[load].map((r, i) => r.rps / results.plain[i]!.rps)) * 1000) / 1000;
    return {
      plain: side('plain'),
      vary: { ...side('vary'), ratio: ratio('vary') },
      revalidate: { ...side('revalidate'), ratio: ratio('revalidate') },
      originRequestsWhileMeasured: after.originRequests - before.originRequests,
      rounds: results,
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

export function cacheRows(r: Awaited<ReturnType<typeof benchCache>>): Row[] {
  return [
    ['plain hit req/s | p99 ms', `${r.plain.rps} | ${r.plain.p99Ms}`],
    ['Vary hit req/s | p99 ms | ratio to plain', `${r.vary.rps} | ${r.vary.p99Ms} | ${r.vary.ratio}`],
    ['client revalidation (304) req/s | p99 ms | ratio', `${r.revalidate.rps} | ${r.revalidate.p99Ms} | ${r.revalidate.ratio}`],
    ['origin requests while measured', r.originRequestsWhileMeasured],
  ];
}
