// `workers: 2` under the runtime being tested: one shared public port in the ready line, every
// request answered, metrics aggregated over the workers, a killed worker replaced, and SIGTERM
// stopping every worker (no orphans) with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { startGateway, tempDir } from '../helpers/gateway.js';
import { startOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const started = Date.now(); !(await condition()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
  }
}

test('workers: 2 share one port, answer every request, are replaced when killed and stop on SIGTERM', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], workers: 2 });
  try {
    const port = Number(new URL(gateway.url).port);
    assert.ok(port > 0, gateway.url);
    const workers = childPids(gateway.child.pid!);
    assert.equal(workers.length, 2, `two workers under the primary: ${workers}`);

    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const token = await hs256();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => get(`${gateway.url}/api/item-${i % 10}`, bearer(token), { agent })));
    agent.destroy();
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.equal(await gateway.metric('bouncer_requests_total'), 200, 'the primary sums every worker\'s counters');

    process.kill(workers[0]!, 'SIGKILL');
    await until(() => childPids(gateway.child.pid!).filter((pid) => !workers.includes(pid)).length === 1, 10_000);
    await until(async () => ((await (await fetch(`${gateway.adminUrl}/healthz`)).json()) as { workers: number }).workers === 2, 10_000);
    const again = await Promise.all(Array.from({ length: 20 }, () => get(`${gateway.url}/api/item-0`, bearer(token))));
    assert.deepEqual(new Set(again.map((r) => r.status)), new Set([200]));

    const all = childPids(gateway.child.pid!);
    assert.equal(await gateway.stop(), 0);
    for (const pid of all) assert.ok(!alive(pid), `worker ${pid} is gone`);
  } finally {
    if (gateway.child.exitCode === null) await gateway.stop();
    await origin.close();
  }
});

test('workers: 2: a revocation reaches every worker, and the primary reports it once, not once per worker', async () => {
  const origin = await startOrigin();
  const secret = 'admin-secret-for-worker-tests';
  const gateway = await startGateway({
    upstream: origin.url,
    jwt: jwtConfig(),
    routes: [{ path: '/api/' }],
    workers: 2,
    stateDir: join(tempDir(), 'state'),
    admin: { listen: '127.0.0.1:0', secret },
  });
  try {
    const alice = bearer(await hs256({ sub: 'alice', jti: 'alice-1' }));
    const revoked = await get(`${gateway.adminUrl}/revoke`, { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ jti: 'alice-1' }) });
    assert.deepEqual(JSON.parse(revoked.body), { revoked: 1 });
    // Fresh connections, so the kernel spreads them over both workers.
    const replies = await Promise.all(Array.from({ length: 40 }, () => get(`${gateway.url}/api/page`, { ...alice, connection: 'close' })));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([401]));
    assert.equal(await gateway.metric('bouncer_revocations', { kind: 'jti' }), 1, 'each worker holds the same set: reported once');
    const stats = JSON.parse((await get(`${gateway.adminUrl}/stats`, { authorization: `Bearer ${secret}` })).body) as { revocations: { total: number } };
    assert.equal(stats.revocations.total, 1);
  } finally {
    await gateway.stop();
    await origin.close();
  }
});

test('workers that keep dying are replaced every time, after a back-off that grows; the gateway stays up', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], workers: 2, log: { level: 'info' } });
  const primary = gateway.child.pid!;
  try {
    const killed = new Set<number>();
    const replaced = () => gateway.output().split('\n').filter((line) => line.includes('worker replaced')).length;
    for (let round = 0; round < 6; round++) {
      // One worker at a time, once the last one killed is replaced: a worker is always listening.
      await until(() => replaced() === round, 15_000);
      for (const pid of childPids(primary)) {
        if (killed.has(pid)) continue;
        killed.add(pid);
        process.kill(pid, 'SIGKILL');
        break;
      }
    }
    assert.equal(gateway.child.exitCode, null, 'the primary does not give up');
    await until(async () => ((await (await fetch(`${gateway.adminUrl}/healthz`)).json()) as { workers: number }).workers === 2, 15_000);
    assert.equal((await get(`${gateway.url}/api/x`, bearer(await hs256()))).status, 200);
    const deaths = gateway.output().split('\n').filter((line) => line.includes('worker died')).map((line) => JSON.parse(line).restartInMs as number);
    assert.equal(deaths.length, 6);
    assert.ok(deaths.at(-1)! > deaths[0]!, `the back-off grows: ${deaths}`);
  } finally {
    await gateway.stop();
    await origin.close();
  }
});

for (const workers of [1, 2]) {
  test(`SIGHUP (workers: ${workers}): a new route takes effect with no failed request; a broken file keeps the old configuration`, async () => {
    const origin = await startOrigin();
    origin.on('/new/', (_req, res) => void res.end('new route'));
    const base = { upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], workers, listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0' }, log: { level: 'info' } };
    const gateway = await startGateway(base);
    const token = bearer(await hs256());
    try {
      assert.equal((await get(`${gateway.url}/new/x`)).status, 200, 'unmatched: no auth');
      let failures = 0;
      let loading = true;
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const load = (async () => {
        for (let i = 0; loading && i < 50_000; i++) {
          const reply = await get(`${gateway.url}/api/steady`, token, { agent }).catch(() => ({ status: 0 }));
          if (reply.status !== 200) failures++;
        }
      })();
      const config = JSON.parse(readFileSync(gateway.configFile, 'utf8'));
      writeFileSync(gateway.configFile, JSON.stringify({ ...config, routes: [{ path: '/new/', auth: 'required' }, ...config.routes] }));
      process.kill(gateway.child.pid!, 'SIGHUP');
      await until(async () => (await get(`${gateway.url}/new/x`)).status === 401, 10_000);
      writeFileSync(gateway.configFile, '{ "upstream": 12, ');
      process.kill(gateway.child.pid!, 'SIGHUP');
      await until(() => gateway.output().includes('reload refused'), 10_000);
      assert.equal((await get(`${gateway.url}/new/x`)).status, 401, 'the last good configuration still serves');
      assert.equal((await get(`${gateway.url}/new/x`, token)).body, 'new route');
      loading = false;
      await load;
      agent.destroy();
      assert.equal(failures, 0);
      assert.equal(gateway.child.exitCode, null);
    } finally {
      await gateway.stop();
      await origin.close();
    }
  });
}

test('workers: 2 — a purge and a warm on the primary\'s admin API reach every worker\'s cache', async () => {
  const origin = await startOrigin();
  const secret = 'admin-secret-for-worker-tests-01';
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), admin: { listen: '127.0.0.1:0', secret }, routes: [{ path: '/api/' }], workers: 2 });
  const admin = async (path: string, body: unknown) =>
    (await (await fetch(`${gateway.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: JSON.stringify(body) })).json()) as Record<string, number>;
  try {
    const token = await hs256();
    const warmed = await admin('/warm', { urls: ['/api/shared'] });
    assert.equal(warmed.warmed, 1);
    assert.equal(origin.hits('/api/shared'), 2, 'each worker warmed its own cache');
    // Fresh connections spread over both workers: every one of them is a hit.
    const replies = await Promise.all(Array.from({ length: 40 }, () => get(`${gateway.url}/api/shared`, bearer(token))));
    assert.deepEqual(new Set(replies.map((r) => r.headers['cache-status'])), new Set(['Bouncer; hit']));
    assert.deepEqual(await admin('/purge', { url: '/api/shared' }), { purged: 2 });
    assert.deepEqual(await admin('/purge', { url: '/api/shared' }), { purged: 0 });
    const after = await get(`${gateway.url}/api/shared`, bearer(token));
    assert.equal(after.headers['cache-status'], 'Bouncer; fwd=miss; stored');
  } finally {
    await gateway.stop();
    await origin.close();
  }
});
