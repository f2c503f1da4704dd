// Logs an operator can use: an access line per request (log.access; off by default, sampled on
// request) with method, path, status, Cache-Status, how auth was decided, duration and origin time;
// and a start-up banner in plain words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway.js';
import { startOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

function accessLines(output: string): Array<Record<string, any>> {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"access"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
  }
}

test('log.access: one line per request, whatever log.level says', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], log: { level: 'warn', access: { enabled: true } } });
  try {
    const token = await hs256();
    assert.equal((await get(`${gateway.url}/api/page?x=1`, bearer(token))).status, 200);
    assert.equal((await get(`${gateway.url}/api/page?x=1`, bearer(token))).status, 200);
    assert.equal((await get(`${gateway.url}/api/page`)).status, 401);
    await until(() => accessLines(gateway.output()).length === 3);
    const [miss, hit, refused] = accessLines(gateway.output());
    assert.deepEqual(
      { method: miss!.method, path: miss!.path, status: miss!.status, cache: miss!.cache, access: miss!.access, decision: miss!.decision },
      { method: 'GET', path: '/api/page?x=1', status: 200, cache: 'miss', access: 'user', decision: 'checked' },
    );
    assert.equal(miss!.cacheStatus, 'Bouncer; fwd=miss; stored');
    assert.ok(miss!.ms > 0 && miss!.originMs > 0 && miss!.originMs <= miss!.ms, JSON.stringify(miss));
    assert.deepEqual([hit!.cache, hit!.decision, hit!.originMs], ['hit', 'cached', undefined]);
    assert.deepEqual([refused!.status, refused!.cache, refused!.access, refused!.decision, refused!.reason], [401, 'denied', 'refused', 'none', 'no_token']);
    assert.doesNotMatch(gateway.output(), /Bouncer on /, 'no banner below log level info');
  } finally {
    await gateway.stop();
    await origin.close();
  }
});

test('the access log is off by default; the banner states routes, stores, Redis and workers', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/', partitionBy: ['tenant'] }, { path: '/me', cache: { enabled: false } }], log: { level: 'info' } });
  try {
    assert.equal((await get(`${gateway.url}/api/x`, bearer(await hs256()))).status, 200);
    await until(() => /workers/.test(gateway.output()));
    const output = gateway.output();
    assert.equal(accessLines(output).length, 0);
    assert.match(output, /^ {2}routes {3}\/api\/: auth required, refused tokens get 401\/403; cached, one copy per tenant$/m);
    assert.match(output, /^ {11}\/me: auth required, refused tokens get 401\/403; not cached$/m);
    assert.match(output, /^ {2}store {4}memory, 256 MiB \(objects up to 8 MiB\); no shared tier$/m);
    assert.match(output, /^ {2}redis {4}none: one machine; revocations journaled in /m);
    assert.match(output, /^ {2}workers {2}one process serves every request$/m);
    assert.match(output, new RegExp(`^ {2}admin {4}${gateway.adminUrl}: /dashboard, /stats`, 'm'));
  } finally {
    await gateway.stop();
    await origin.close();
  }
});
