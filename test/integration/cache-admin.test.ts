// Purge, warming and big objects, through the running gateway and its admin API and CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runCli, startGateway, writeConfig, type GatewayProcess } from '../helpers/gateway.js';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const ADMIN_SECRET = 'admin-secret-for-tests-0123456789';
let origin: TestOrigin;
let gateway: GatewayProcess;
let token: string;

before(async () => {
  origin = await startOrigin();
  origin.on('/api/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=300' }, (req) => `page ${req.url}`));
  origin.on('/tenant/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=300' }, (req) => `tenant ${req.headers['x-tenant-id']}`));
  gateway = await startGateway({
    upstream: origin.url,
    jwt: jwtConfig(),
    admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET },
    cache: { maxObjectBytes: '100KiB' },
    warm: { urls: ['/api/warm/one', '/tenant/home'], partitions: [{ tenant: 'acme' }, { tenant: 'globex' }] },
    routes: [
      { path: '/tenant/', partitionBy: ['tenant'], identityHeaders: { tenant: 'X-Tenant-Id' } },
      { path: '/api/' },
    ],
  });
  token = await hs256();
});

after(async () => {
  await gateway.stop();
  await origin.close();
});

async function admin(path: string, body: unknown, secret = ADMIN_SECRET) {
  const response = await fetch(`${gateway.adminUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('warming', () => {
  test('the warm list is fetched at start, once per partition for partitioned routes', async () => {
    await until(() => origin.hits('/api/warm/one') === 1 && origin.hits('/tenant/home') === 2);
    const first = await get(`${gateway.url}/api/warm/one`, bearer(token));
    assert.equal(first.headers['cache-status'], 'Bouncer; hit');
    const acme = await get(`${gateway.url}/tenant/home`, bearer(await hs256({ tenant: 'acme' })));
    assert.equal(acme.headers['cache-status'], 'Bouncer; hit');
    assert.equal(acme.body, 'tenant acme');
    const globex = await get(`${gateway.url}/tenant/home`, bearer(await hs256({ tenant: 'globex' })));
    assert.equal(globex.body, 'tenant globex');
    assert.equal(origin.hits('/tenant/home'), 2);
    const warmed = origin.seen.find((r) => r.url === '/api/warm/one');
    assert.equal(warmed?.headers['x-user-id'], undefined, 'the service identity only sends configured identity headers');
  });

  test('bouncer warm FILE: progress and a summary', async () => {
    const file = writeConfig({});
    writeFileSync(file, '# warm these\n/api/warm/a\n/api/warm/b\n/nowhere/x\n');
    const result = await runCli(['warm', file, '--admin', gateway.adminUrl, '--secret', ADMIN_SECRET]);
    assert.match(result.stdout, /^warmed 2, failed 1, \d+(\.\d)? (B|KiB)\n$/);
    assert.match(result.stderr, /3\/3/);
    assert.match(result.stderr, /\/nowhere\/x: no caching route matches/);
    assert.equal(result.code, 1);
    assert.equal((await get(`${gateway.url}/api/warm/a`, bearer(token))).headers['cache-status'], 'Bouncer; hit');
  });
});

describe('purge', () => {
  test('a wrong or missing admin secret gets 401', async () => {
    assert.equal((await admin('/purge', { url: '/api/x' }, 'wrong-secret-wrong-secret')).status, 401);
    assert.equal((await admin('/purge', { url: '/api/x' }, '')).status, 401);
    assert.equal((await admin('/purge', { nonsense: 1 })).status, 400);
  });

  test('by exact URL: every partition of it, nothing else', async () => {
    await get(`${gateway.url}/api/p/one?b=2&a=1`, bearer(token));
    await get(`${gateway.url}/api/p/two`, bearer(token));
    assert.deepEqual((await admin('/purge', { url: '/api/p/one?a=1&b=2' })).body, { purged: 1 });
    assert.equal((await get(`${gateway.url}/api/p/one?b=2&a=1`, bearer(token))).headers['cache-status'], 'Bouncer; fwd=miss; stored');
    assert.equal((await get(`${gateway.url}/api/p/two`, bearer(token))).headers['cache-status'], 'Bouncer; hit');
    const tenants = await admin('/purge', { url: '/tenant/home' });
    assert.deepEqual(tenants.body, { purged: 2 });
  });

  test('by prefix', async () => {
    for (const name of ['a', 'b', 'c']) await get(`${gateway.url}/api/prefix/${name}`, bearer(token));
    await get(`${gateway.url}/api/prefixed-not`, bearer(token));
    assert.deepEqual((await admin('/purge', { prefix: '/api/prefix/' })).body, { purged: 3 });
    assert.equal((await get(`${gateway.url}/api/prefixed-not`, bearer(token))).headers['cache-status'], 'Bouncer; hit');
  });

  test('by tag (Surrogate-Key and Cache-Tag) drops exactly the tagged entries; the CLI prints the count', async () => {
    origin.on('/api/tagged/', fixed({ 'cache-control': 'public, s-maxage=300', 'surrogate-key': 'news sports' }, 'sports news'));
    origin.on('/api/tagged/weather', fixed({ 'cache-control': 'public, s-maxage=300', 'cache-tag': 'news, weather' }, 'weather'));
    origin.on('/api/tagged/other', fixed({ 'cache-control': 'public, s-maxage=300', 'surrogate-key': 'other' }, 'other'));
    for (const name of ['s1', 's2', 'weather', 'other']) await get(`${gateway.url}/api/tagged/${name}`, bearer(token));
    const delivered = await get(`${gateway.url}/api/tagged/s1`, bearer(token));
    assert.equal(delivered.headers['surrogate-key'], undefined, 'purge labels stay inside the cache');
    assert.deepEqual((await admin('/purge', { tag: 'sports' })).body, { purged: 2 });
    assert.equal((await get(`${gateway.url}/api/tagged/weather`, bearer(token))).headers['cache-status'], 'Bouncer; hit');
    const cli = await runCli(['purge', '--tag', 'news', '--admin', gateway.adminUrl, '--secret', ADMIN_SECRET]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, 'purged 1\n');
    assert.equal((await get(`${gateway.url}/api/tagged/other`, bearer(token))).headers['cache-status'], 'Bouncer; hit');
    assert.equal((await get(`${gateway.url}/api/tagged/weather`, bearer(token))).headers['cache-status'], 'Bouncer; fwd=miss; stored');
  });
});

describe('big objects', () => {
  const big = 'x'.repeat(300 * 1024);

  test('over maxObjectBytes: streamed, not stored, and collapsed waiters are each forwarded', async () => {
    origin.on('/api/big/declared', fixed({ 'cache-control': 'public, s-maxage=300', 'content-length': String(big.length) }, big, 200));
    const replies = await Promise.all(Array.from({ length: 4 }, () => get(`${gateway.url}/api/big/declared`, bearer(token))));
    assert.ok(replies.every((r) => r.status === 200 && r.body.length === big.length));
    assert.equal(origin.hits('/api/big/declared'), 4);
    assert.equal(replies.filter((r) => r.headers['cache-status'] === 'Bouncer; fwd=miss; detail=too-big').length, 4);
  });

  test('over the limit without a declared length: the first client still gets all of it', async () => {
    origin.on('/api/big/chunked', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, s-maxage=300' });
      for (let i = 0; i < 30; i++) res.write('y'.repeat(10 * 1024));
      res.end();
    });
    const first = await get(`${gateway.url}/api/big/chunked`, bearer(token));
    assert.equal(first.body.length, 300 * 1024);
    const second = await get(`${gateway.url}/api/big/chunked`, bearer(token));
    assert.equal(second.body.length, 300 * 1024);
    assert.equal(origin.hits('/api/big/chunked'), 2);
  });

  test('within the limit: streamed to the first client while the origin is still sending, then stored', async () => {
    origin.on('/api/big/slow', (_req, res) => {
      res.writeHead(200, { 'cache-control': 'public, s-maxage=300' });
      res.write('z'.repeat(80 * 1024));
      setTimeout(() => res.end('z'.repeat(10 * 1024)), 600);
    });
    const started = Date.now();
    const firstByte = await timeToFirstByte(`${gateway.url}/api/big/slow`, bearer(token));
    assert.ok(firstByte.ms < 500, `first bytes after ${firstByte.ms} ms, before the origin finished`);
    assert.equal(firstByte.body.length, 90 * 1024);
    assert.ok(Date.now() - started >= 550);
    const second = await get(`${gateway.url}/api/big/slow`, bearer(token));
    assert.equal(second.headers['cache-status'], 'Bouncer; hit');
    assert.equal(second.body.length, 90 * 1024);
  });
});

async function timeToFirstByte(url: string, headers: Record<string, string>): Promise<{ ms: number; body: string }> {
  const started = Date.now();
  const response = await fetch(url, { headers });
  const reader = response.body!.getReader();
  let body = '';
  let ms = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (ms < 0) ms = Date.now() - started;
    body += Buffer.from(value).toString();
  }
  return { ms, body };
}
