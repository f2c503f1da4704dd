// Several gateway processes ("nodes") sharing one real redis-server: logout, revocation and purge
// take effect on every node within a fraction of a second, survive restarts and a Redis outage, and
// with sharedCache three nodes in front of a cold crowd ask the origin once. Runs under Node and Bun.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, tempDir, type GatewayProcess } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { startRedis, startRedisCluster, type RedisServer } from '../helpers/redis.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';
import { join } from 'node:path';

const ADMIN_SECRET = 'admin-secret-for-the-node-tests';
const SHARED = { 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' };

/** Polls `check` until it holds (at most `withinMs`); resolves with the milliseconds it took. */
async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`not within ${withinMs} ms`);
}

function nodeConfig(origin: TestOrigin, redis: Record<string, unknown>, stateDir: string) {
  return {
    upstream: origin.url,
    jwt: jwtConfig(),
    stateDir,
    redis,
    admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET },
    logout: { paths: ['/logout'], answer: true },
    routes: [{ path: '/api/' }],
  };
}

const adminPost = (node: GatewayProcess, path: string, body: unknown) =>
  get(`${node.adminUrl}${path}`, { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify(body) });

describe('three nodes, one Redis', () => {
  let origin: TestOrigin;
  let redis: RedisServer;
  let nodes: GatewayProcess[] = [];
  const stateDirs = [0, 1, 2].map(() => join(tempDir(), 'state'));
  const startNodes = async (extra: Record<string, unknown> = {}) => {
    nodes = await Promise.all(stateDirs.map((dir) => startGateway({ ...nodeConfig(origin, { url: redis.url, ...extra }, dir) })));
  };

  before(async () => {
    origin = await startOrigin();
    origin.on('/api/', fixed(SHARED, 'shared page'));
    redis = await startRedis();
    await startNodes();
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.kill();
    await origin.close();
  });

  test('logout on node A: nodes B and C reject that token within 2 s; the same for a revocation by subject and a purge', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const token = bearer(await hs256({ sub: `leaver-${round}` }));
      for (const node of [b, c]) assert.equal((await get(`${node.url}/api/page`, token)).status, 200);
      assert.equal((await get(`${a.url}/logout`, token)).status, 204);
      for (const node of [b, c]) latencies.push(await within(2_000, async () => (await get(`${node.url}/api/page`, token)).status === 401));
    }
    latencies.sort((x, y) => x - y);
    console.log(`# revoke-to-enforced across nodes (ms): median ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)}, max ${latencies.at(-1)!.toFixed(1)}`);

    const subject = bearer(await hs256({ sub: 'by-subject', iat: Math.floor(Date.now() / 1000) - 5 }));
    assert.equal((await get(`${c.url}/api/page`, subject)).status, 200);
    assert.deepEqual(JSON.parse((await adminPost(a, '/revoke', { sub: 'by-subject' })).body), { revoked: 1 });
    await within(2_000, async () => (await get(`${c.url}/api/page`, subject)).status === 401);

    const user = bearer(await hs256({ sub: 'reader' }));
    await get(`${b.url}/api/purged`, user);
    assert.equal((await get(`${b.url}/api/purged`, user)).headers['cache-status'], 'Bouncer; hit');
    await adminPost(a, '/purge', { url: '/api/purged' });
    await within(2_000, async () => (await get(`${b.url}/api/purged`, user)).headers['cache-status'] !== 'Bouncer; hit');
  });

  test('Redis killed mid-load: cached content keeps being served, no failed request; a revocation made meanwhile is acknowledged and reaches every node once Redis is back', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const reader = bearer(await hs256({ sub: 'steady-reader' }));
    for (const node of nodes) await get(`${node.url}/api/steady`, reader);
    let failures = 0;
    let served = 0;
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading && i < 20_000; i++) {
        const reply = await get(`${nodes[i % 3]!.url}/api/steady`, reader).catch(() => ({ status: 0 }));
        if (reply.status === 200) served++;
        else failures++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await redis.kill();
    const victim = bearer(await hs256({ sub: 'revoked-during-outage' }));
    for (const node of nodes) assert.equal((await get(`${node.url}/api/page`, victim)).status, 200);
    assert.equal((await get(`${a.url}/logout`, victim)).status, 204, 'acknowledged: journaled on node A');
    assert.equal((await get(`${a.url}/api/page`, victim)).status, 401, 'enforced on A at once');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.start();
    for (const node of [b, c]) await within(10_000, async () => (await get(`${node.url}/api/page`, victim)).status === 401);
    loading = false;
    await load;
    assert.equal(failures, 0, `${failures} failed of ${served + failures}`);
    assert.ok(served > 10);
  });

  test('every node and Redis restarted (Redis with no data left): revocations are still enforced everywhere, and Redis is refilled', async () => {
    const token = bearer(await hs256({ sub: 'remembered' }));
    assert.equal((await get(`${nodes[0]!.url}/logout`, token)).status, 204);
    await within(2_000, async () => (await get(`${nodes[2]!.url}/api/page`, token)).status === 401);
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.kill();
    await redis.start(); // started empty: --save '' keeps nothing
    await startNodes();
    for (const node of nodes) assert.equal((await get(`${node.url}/api/page`, token)).status, 401);
    assert.ok(Number(redis.cli('hlen', 'bouncer:{revocations}:entries')) >= 1, 'the nodes wrote their journals back to Redis');
  });

  test('sharedCache: three nodes, a cold key, 3 × 1,000 concurrent users: one origin request', async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await startNodes({ sharedCache: true });
    origin.on('/api/crowd', fixed(SHARED, 'the crowd page', 300));
    const tokens = await Promise.all(Array.from({ length: 3000 }, (_, i) => hs256({ sub: `crowd-${i}` })));
    const replies = await Promise.all(tokens.map((token, i) => get(`${nodes[i % 3]!.url}/api/crowd`, bearer(token), { timeoutMs: 60_000 })));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.deepEqual(new Set(replies.map((r) => r.body)), new Set(['the crowd page']));
    assert.equal(origin.hits('/api/crowd'), 1);
    // A node that never saw the key answers from the shared tier.
    const l2 = await get(`${nodes[1]!.url}/api/crowd`, bearer(tokens[0]!));
    assert.equal(l2.body, 'the crowd page');
    assert.equal(origin.hits('/api/crowd'), 1);
  });
});

describe('three nodes on a Redis Cluster of three masters', () => {
  let origin: TestOrigin;
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  let nodes: GatewayProcess[] = [];

  before(async () => {
    origin = await startOrigin();
    cluster = await startRedisCluster();
    nodes = await Promise.all([0, 1, 2].map(() => startGateway(nodeConfig(origin, { cluster: cluster.urls, sharedCache: true }, join(tempDir(), 'state')))));
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await cluster.kill();
    await origin.close();
  });

  test('a cold crowd makes one origin request; an object and its lock share a slot; revocations and purges reach every node', async () => {
    origin.on('/api/cluster-crowd', fixed(SHARED, 'cluster page', 300));
    const tokens = await Promise.all(Array.from({ length: 600 }, (_, i) => hs256({ sub: `c-${i}` })));
    const replies = await Promise.all(tokens.map((token, i) => get(`${nodes[i % 3]!.url}/api/cluster-crowd?x=1`, bearer(token), { timeoutMs: 60_000 })));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.equal(origin.hits('/api/cluster-crowd'), 1);
    const slot = (key: string) => Number(cluster.nodes[0]!.cli('cluster', 'keyslot', key));
    const url = 'GET /api/cluster-crowd?x=1';
    assert.equal(slot(`bouncer:c:{${url}}\u0001u`), slot(`bouncer:c:{${url}}\u0001u\u0004lock`));

    const token = bearer(await hs256({ sub: 'cluster-leaver' }));
    assert.equal((await get(`${nodes[0]!.url}/logout`, token)).status, 204);
    for (const node of nodes.slice(1)) await within(2_000, async () => (await get(`${node.url}/api/page`, token)).status === 401);
    const purge = await adminPost(nodes[0]!, '/purge', { prefix: '/api/cluster-crowd' });
    assert.equal(purge.status, 200);
    await within(2_000, async () => (await get(`${nodes[2]!.url}/api/cluster-crowd?x=1`, bearer(tokens[0]!))).headers['cache-status'] !== 'Bouncer; hit');
  });
});
