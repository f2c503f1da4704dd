// Regression: dropping an origin body nobody will read (a HEAD passed through, a response that is
// not stored in a background refresh) destroyed undici's body stream without an error listener, and
// the resulting "Request aborted" error killed the gateway process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway.js';
import { fixed, startOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

test('HEAD through pass and through a not-storable miss leaves the gateway serving', async () => {
  const origin = await startOrigin();
  origin.on('/api/private', fixed({ 'cache-control': 'private', 'content-length': String(200_000) }, 'p'.repeat(200_000)));
  origin.on('/nocache/', fixed({ 'content-length': String(200_000) }, 'n'.repeat(200_000)));
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/nocache/', cache: { enabled: false } }, { path: '/api/' }] });
  try {
    const token = await hs256();
    for (let i = 0; i < 5; i++) {
      const bypass = await get(`${gateway.url}/nocache/x`, bearer(token), { method: 'HEAD' });
      assert.equal(bypass.status, 200);
      const miss = await get(`${gateway.url}/api/private`, bearer(token), { method: 'HEAD' });
      assert.equal(miss.status, 200);
      assert.equal(miss.body, '');
    }
    const still = await get(`${gateway.url}/api/private`, bearer(token));
    assert.equal(still.body.length, 200_000);
    assert.equal(gateway.child.exitCode, null, gateway.output());
  } finally {
    await gateway.stop();
    await origin.close();
  }
});
