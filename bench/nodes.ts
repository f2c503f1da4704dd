// Several nodes and Redis (issue "every node at once"): how long a logout on one node takes to be
// enforced on the two others; the hot path with and without 10,000 active revocations (two
// gateways, rounds alternating); a hit from the shared Redis tier next to a memory hit; and new
// connections per second with `workers: 2` against 1 (every request on a fresh connection).
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';
import { startGateway, startOrigin, type Gateway } from './lib/servers.js';
import { median, pairedRatio } from './lib/stats.js';
import { mintValid } from './lib/tokens.js';
import { runWrk } from './lib/wrk.js';
import { startRedis } from '../test/helpers/redis.js';

const ADMIN_SECRET = 'bench-admin-secret-0123456789';
const FEED = '/api/v1/feed';

export async function benchNodes(fx: Fixture) {
  const { durationS, rounds, tokens } = fx.options;
  const runtime = fx.options.runtime;
  const origin = await startOrigin({ bootMs: 40, slots: 8, cpu: fx.cpus.client });
  const redis = await startRedis();
  const started: Gateway[] = [];
  const gateway = async (name: string, extra: Record<string, unknown>, workers = 1) => {
    const config = await fx.gatewayConfig(origin.url, { admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET }, logout: { paths: ['/logout'], answer: true }, ...extra }, name);
    const g = await startGateway(config, { workers, cpu: fx.cpus.server, runtime });
    started.push(g);
    return g;
  };
  try {
    // ── revoke-to-enforced across three nodes ──
    const nodes = await Promise.all([0, 1, 2].map((i) => gateway(`node${i}`, { redis: { url: redis.url } })));
    const [sample] = await mintValid(fx.validKey, 1, 900_000);
    await fetch(`${nodes[1]!.url}${FEED}`, { headers: { authorization: `Bearer ${sample}` } }).then((r) => r.arrayBuffer());
    const latencies: number[] = [];
    const leavers = await mintValid(fx.validKey, 50, 800_000);
    for (const token of leavers) {
      const auth = { authorization: `Bearer ${token}` };
      for (const node of nodes.slice(1)) await fetch(`${node.url}${FEED}`, { headers: auth }).then((r) => r.arrayBuffer());
      const from = performance.now();
      await fetch(`${nodes[0]!.url}/logout`, { headers: auth }).then((r) => r.arrayBuffer());
      for (const node of nodes.slice(1)) {
        for (let i = 0; i < 5_000; i++) {
          const status = await fetch(`${node.url}${FEED}`, { headers: auth }).then(async (r) => (await r.arrayBuffer(), r.status));
          if (status === 401) break;
        }
        latencies.push(performance.now() - from);
      }
    }
    latencies.sort((a, b) => a - b);
    const propagation = { medianMs: round(latencies[Math.floor(latencies.length / 2)]!), p99Ms: round(latencies[Math.floor(latencies.length * 0.99)]!), samples: latencies.length };
    await Promise.all(nodes.map((n) => n.stop()));

    // ── hot path with and without 10,000 revocations ──
    const tokensFile = await fx.validTokensFile(tokens);
    const plain = await gateway('plain', {});
    const revoked = await gateway('revoked', {});
    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => post(revoked.admin, '/revoke', { jti: `bench-${i + j}` })));
    }
    const load = (g: Gateway, seconds: number, headers: string[] = []) => runWrk({ url: g.url + FEED, tokensFile, durationS: seconds, connections: 64, cpu: fx.cpus.client, headers });
    for (const g of [plain, revoked]) await load(g, Math.max(3, Math.ceil(durationS / 3)));
    const hot = { plain: [] as number[], revoked: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      hot.plain.push((await load(plain, durationS)).rps);
      hot.revoked.push((await load(revoked, durationS)).rps);
    }
    await Promise.all([plain.stop(), revoked.stop()]);

    // ── a hit from the shared Redis tier next to a memory hit ──
    // The memory tier of the second gateway is too small to hold the page, so every hit comes from Redis.
    const memory = await gateway('memory-tier', { redis: { url: redis.url, sharedCache: true } });
    const l2 = await gateway('redis-tier', { redis: { url: redis.url, sharedCache: true }, cache: { maxBytes: 1024 } });
    for (const g of [memory, l2]) await load(g, Math.max(3, Math.ceil(durationS / 3)));
    const tiers = { memory: [] as number[], redis: [] as number[], redisP99: [] as number[], memoryP99: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const m = await load(memory, durationS);
      const d = await load(l2, durationS);
      tiers.memory.push(m.rps);
      tiers.memoryP99.push(m.p99Ms);
      tiers.redis.push(d.rps);
      tiers.redisP99.push(d.p99Ms);
    }
    await Promise.all([memory.stop(), l2.stop()]);

    // ── new connections per second: workers 2 against 1 ──
    // Every request on a fresh connection (Connection: close): the impulse's shape, accept-bound.
    const one = await gateway('workers-1', {}, 1);
    const two = await gateway('workers-2', {}, 2);
    const close = ['Connection: close'];
    for (const g of [one, two]) await load(g, Math.max(3, Math.ceil(durationS / 3)), close);
    const connects = { one: [] as number[], two: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      connects.one.push((await load(one, durationS, close)).rps);
      connects.two.push((await load(two, durationS, close)).rps);
    }
    return {
      propagation,
      hot: { plainRps: median(hot.plain), revokedRps: median(hot.revoked), ratio: pairedRatio(hot.revoked, hot.plain), rounds: hot },
      tiers: { memoryRps: median(tiers.memory), redisRps: median(tiers.redis), memoryP99Ms: median(tiers.memoryP99), redisP99Ms: median(tiers.redisP99), rounds: tiers },
      connects: { workers1: median(connects.one), workers2: median(connects.two), ratio: pairedRatio(connects.two, connects.one), rounds: connects },
    };
  } finally {
    await Promise.all(started.map((g) => g.stop().catch(() => undefined)));
    await origin.stop();
    await redis.kill();
  }
}

async function post(admin: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${admin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
}

/** Milliseconds to one decimal. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function nodesRows(r: Awaited<ReturnType<typeof benchNodes>>): Row[] {
  return [
    ['logout on A → 401 on B and C, ms: median | p99 (samples)', `${r.propagation.medianMs} | ${r.propagation.p99Ms} (${r.propagation.samples})`],
    ['hot req/s: no revocations | 10,000 revocations | ratio', `${r.hot.plainRps} | ${r.hot.revokedRps} | ${r.hot.ratio}`],
    ['hit req/s: memory | Redis tier (p99 ms: memory | Redis)', `${r.tiers.memoryRps} | ${r.tiers.redisRps} (${r.tiers.memoryP99Ms} | ${r.tiers.redisP99Ms})`],
    ['new connection per request, req/s: workers 1 | 2 | ratio', `${r.connects.workers1} | ${r.connects.workers2} | ${r.connects.ratio}`],
  ];
}
