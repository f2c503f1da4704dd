// Cache hit paths side by side on one gateway, in alternating rounds: a plain fresh hit, a hit on a
// response that varies (Vary: Accept-Encoding, looked up through its marker), and a client's own
// revalidation answered 304 from cache (If-None-Match matching the stored ETag). `--against DIR`
// runs every load on another built checkout's gateway too, in the same rounds, and reports the
// median of the rounds' new/previous ratios per load.
import { etagOf, feedBody } from '../src/demo/content.js';
import type { Fixture } from './lib/fixture.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startPrevious } from './lib/previous.js';
import { startGateway, startOrigin, type Gateway } from './lib/servers.js';
import { median, pairedRatio } from './lib/stats.js';
import type { Row } from './lib/table.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const LOADS = {
  plain: { path: '/api/v1/feed', headers: [] as string[] },
  vary: { path: '/api/v1/feed-vary', headers: ['Accept-Encoding: gzip, deflate, br'] },
  revalidate: { path: '/api/v1/feed', headers: [`If-None-Match: ${etagOf(feedBody('/api/v1/feed'))}`] },
};
type Load = keyof typeof LOADS;
const NAMES = Object.keys(LOADS) as Load[];

export async function benchCache(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const gateway = await startGateway(await fx.gatewayConfig(origin.url), { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  const previous = fx.options.against === undefined ? undefined : await startPrevious(fx, origin.url, fx.options.against);
  try {
    const tokensFile = await fx.validTokensFile(tokens);
    const run = (server: Gateway, load: Load, seconds: number) =>
      runWrk({ url: server.url + LOADS[load].path, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client, headers: LOADS[load].headers });
    // Not measured: stores the entries and decides every token once (on each gateway).
    for (const server of previous ? [gateway, previous] : [gateway]) for (const load of NAMES) await run(server, load, Math.max(3, Math.ceil(durationS / 3)));
    const before = await gatewayCounters(gateway.admin);
    const results: Record<Load, WrkResult[]> = { plain: [], vary: [], revalidate: [] };
    const previousResults: Record<Load, WrkResult[]> = { plain: [], vary: [], revalidate: [] };
    for (let round = 0; round < rounds; round++) {
      for (const load of NAMES) {
        results[load].push(await run(gateway, load, durationS));
        if (previous) previousResults[load].push(await run(previous, load, durationS));
      }
    }
    const after = await gatewayCounters(gateway.admin);
    const side = (of: Record<Load, WrkResult[]>, load: Load) => ({ rps: median(of[load].map((r) => r.rps)), p99Ms: median(of[load].map((r) => r.p99Ms)) });
    const ratio = (a: WrkResult[], b: WrkResult[]) => pairedRatio(a.map((r) => r.rps), b.map((r) => r.rps));
    return {
      plain: side(results, 'plain'),
      vary: { ...side(results, 'vary'), ratio: ratio(results.vary, results.plain) },
      revalidate: { ...side(results, 'revalidate'), ratio: ratio(results.revalidate, results.plain) },
      previous: previous && {
        against: fx.options.against!,
        ...Object.fromEntries(NAMES.map((load) => [load, { ...side(previousResults, load), ratio: ratio(results[load], previousResults[load]) }])) as Record<Load, { rps: number; p99Ms: number; ratio: number }>,
        rounds: previousResults,
      },
      originRequestsWhileMeasured: after.originRequests - before.originRequests,
      rounds: results,
    };
  } finally {
    await Promise.all([previous?.stop(), gateway.stop(), origin.stop()]);
  }
}

export function cacheRows(r: Awaited<ReturnType<typeof benchCache>>): Row[] {
  return [
    ['plain hit req/s | p99 ms', `${r.plain.rps} | ${r.plain.p99Ms}`],
    ['Vary hit req/s | p99 ms | ratio to plain', `${r.vary.rps} | ${r.vary.p99Ms} | ${r.vary.ratio}`],
    ['client revalidation (304) req/s | p99 ms | ratio', `${r.revalidate.rps} | ${r.revalidate.p99Ms} | ${r.revalidate.ratio}`],
    ...(r.previous
      ? NAMES.map((load): Row => [`previous (${r.previous!.against}) ${load} req/s | p99 ms | ratio new/previous`, `${r.previous![load].rps} | ${r.previous![load].p99Ms} | ${r.previous![load].ratio}`])
      : []),
    ['origin requests while measured', r.originRequestsWhileMeasured],
  ];
}
