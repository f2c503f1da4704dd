// `workers: 2` under the runtime being tested: one shared public port in the ready line, every
// request answered, metrics aggregated over the workers, a killed worker replaced, and SIGTERM
// stopping every worker (no orphans) with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Agent } from 'node:http';
import { startGateway } from '../helpers/gateway.js';
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

test('workers that keep dying: after 5 restarts within a minute the primary gives up with exit 1', async () => {
  const gateway = await startGateway({ upstream: 'http://127.0.0.1:9', jwt: jwtConfig(), workers: 2 });
  const primary = gateway.child.pid!;
  const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
  const seen = new Set<number>();
  for (let round = 0; round < 20 && gateway.child.exitCode === null; round++) {
    for (const pid of childPids(primary)) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      process.kill(pid, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(await exited, 1);
  assert.ok(seen.size >= 6 && seen.size <= 8, `killed ${seen.size} workers`);
  await until(() => [...seen].every((pid) => !alive(pid)), 5_000);
});

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
