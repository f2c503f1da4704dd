// Fragments and the nginx companion beside the plain hit, on one warm gateway, in alternating rounds
// of wrk rotating valid tokens (one user per token): a plain 1 KiB fresh hit; a 1 KiB ESI page with
// two includes, one shared and one per user (partitionBy: [sub]), all three parts stored; and the
// companion endpoint answering auth_request for the plain page (204 with identity headers).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Fixture } from './lib/fixture.js';
import { startServer } from './lib/processes.js';
import { gatewayCounters } from './lib/prometheus.js';
import { startGateway } from './lib/servers.js';
import { median, pairedRatio } from './lib/stats.js';
import type { Row } from './lib/table.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const ESI_ORIGIN = fileURLToPath(new URL('./esi-origin.js', import.meta.url));
const COMPANION = '/_bouncer/auth';
const LOADS = {
  plain: { path: '/api/v1/feed', headers: [] as string[] },
  page: { path: '/api/v1/page', headers: [] as string[] },
  companion: { path: COMPANION, headers: ['X-Original-URI: /api/v1/feed', 'X-Original-Method: GET'] },
};
type Load = keyof typeof LOADS;

export async function benchFragments(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const origin = await startServer('esi origin', { command: process.execPath, args: [ESI_ORIGIN], cpu: fx.cpus.client }, (line) => line.msg === 'listening');
  const file = await fx.gatewayConfig(String(origin.ready.url), { companion: { path: COMPANION } });
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  config.routes = [
    { path: '/api/', identityHeaders: { sub: 'X-User-Id' } },
    { path: '/me/', partitionBy: ['sub'], identityHeaders: { sub: 'X-User-Id' } },
  ];
  await writeFile(file, JSON.stringify(config, null, 2));
  const gateway = await startGateway(file, { workers: 1, cpu: fx.cpus.server, runtime: fx.options.runtime });
  try {
    const tokensFile = await fx.validTokensFile(tokens);
    const run = (load: Load, seconds: number) =>
      runWrk({ url: gateway.url + LOADS[load].path, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client, headers: LOADS[load].headers });
    // Not measured: stores the page, the shared part and every user's part, and decides every token.
    // wrk starts every run at the first token: the page is first asked for once per user, so that
    // every user's part is stored whatever a measured round reaches.
    await oncePerUser(gateway.url + LOADS.page.path, tokensFile);
    for (const load of Object.keys(LOADS) as Load[]) await run(load, Math.max(3, Math.ceil(durationS / 3)));
    const before = await gatewayCounters(gateway.admin);
    const results: Record<Load, WrkResult[]> = { plain: [], page: [], companion: [] };
    for (let round = 0; round < rounds; round++) {
      for (const load of Object.keys(LOADS) as Load[]) results[load].push(await run(load, durationS));
    }
    const after = await gatewayCounters(gateway.admin);
    const side = (load: Load) => ({
      rps: median(results[load].map((r) => r.rps)),
      p50Ms: median(results[load].map((r) => r.p50Ms)),
      p99Ms: median(results[load].map((r) => r.p99Ms)),
      non2xx: results[load].reduce((sum, r) => sum + r.non2xx, 0),
    });
    const ratio = (load: Load) => pairedRatio(results[load].map((r) => r.rps), results.plain.map((r) => r.rps));
    return {
      plain: side('plain'),
      page: { ...side('page'), ratio: ratio('page') },
      companion: { ...side('companion'), ratio: ratio('companion') },
      originRequestsWhileMeasured: after.originRequests - before.originRequests,
      rounds: results,
    };
  } finally {
    await Promise.all([gateway.stop(), origin.stop()]);
  }
}

/** One GET per token, 64 at a time. */
async function oncePerUser(url: string, tokensFile: string): Promise<void> {
  const tokens = (await readFile(tokensFile, 'utf8')).split('\n').filter(Boolean);
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${tokens[next++]}` } });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

export function fragmentsRows(r: Awaited<ReturnType<typeof benchFragments>>): Row[] {
  return [
    ['plain hit req/s | p50 ms | p99 ms', `${r.plain.rps} | ${r.plain.p50Ms} | ${r.plain.p99Ms}`],
    ['ESI page, 2 includes (shared + per user) req/s | p50 | p99 | ratio', `${r.page.rps} | ${r.page.p50Ms} | ${r.page.p99Ms} | ${r.page.ratio}`],
    ['companion (auth_request) answers/s | p50 | p99 | ratio', `${r.companion.rps} | ${r.companion.p50Ms} | ${r.companion.p99Ms} | ${r.companion.ratio}`],
    ['non-2xx answers (plain, page, companion)', `${r.plain.non2xx}, ${r.page.non2xx}, ${r.companion.non2xx}`],
    ['origin requests while measured', r.originRequestsWhileMeasured],
  ];
}
