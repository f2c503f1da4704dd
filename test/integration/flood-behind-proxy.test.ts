// The flood defence behind nginx: with clientHeader X-Forwarded-For and the proxy trusted, two clients
// behind the one proxy address are limited separately, and a client cannot escape its count by
// prepending addresses; when the peer is not a trusted proxy its header is ignored (everyone behind
// it is one client). The test process plays the proxy on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearer, get } from '../helpers/http.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const flood = (trustedProxies: string[]) => ({ failuresPerMinute: 3, block: '60s', clientHeader: 'X-Forwarded-For', trustedProxies });
const forged = () => hs256({}, { secret: 'another-secret-another-secret-another' });

/** Sends bad tokens as the client `forwardedFor` until one more would be over the limit. */
async function useUpFailures(url: string, forwardedFor: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await get(`${url}/api/x`, { ...bearer(await forged()), 'x-forwarded-for': forwardedFor })).status);
  return statuses;
}

describe('behind a trusted proxy: one limit per client address', () => {
  const { origin, gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig({ flood: flood(['127.0.0.1/8']) }),
    routes: [{ path: '/api/' }],
  }));

  test('two clients behind one proxy are limited separately', async () => {
    assert.deepEqual(await useUpFailures(gateway.url, '198.51.100.1'), [401, 401, 401, 401], 'the fourth failure blocks');
    const blocked = await get(`${gateway.url}/api/x`, { ...bearer(await hs256()), 'x-forwarded-for': '198.51.100.1' });
    assert.equal(blocked.status, 429, 'blocked, even with a valid token');
    const spoofing = await get(`${gateway.url}/api/x`, { ...bearer(await hs256()), 'x-forwarded-for': '203.0.113.99, 198.51.100.1' });
    assert.equal(spoofing.status, 429, 'an address prepended by the client changes nothing');
    const other = await get(`${gateway.url}/api/x`, { ...bearer(await hs256()), 'x-forwarded-for': '198.51.100.2' });
    assert.equal(other.status, 200, 'the other client behind the same proxy is served');
    assert.equal((await get(`${gateway.url}/api/x`, { ...bearer(await forged()), 'x-forwarded-for': '198.51.100.2' })).status, 401, 'and has its own count');
    assert.equal(origin.seen.length, 1);
    assert.match(gateway.output(), /"client":"198\.51\.100\.1".*client blocked/);
  });
});

describe('behind a proxy that is not trusted: its header is ignored', () => {
  const { gateway } = originAndGateway((origin) => ({
    upstream: origin.url,
    jwt: jwtConfig({ flood: flood(['10.0.0.0/8']) }),
    routes: [{ path: '/api/' }],
  }));

  test('every client behind it is the peer, 127.0.0.1', async () => {
    assert.deepEqual(await useUpFailures(gateway.url, '198.51.100.1'), [401, 401, 401, 401]);
    const other = await get(`${gateway.url}/api/x`, { ...bearer(await hs256()), 'x-forwarded-for': '198.51.100.2' });
    assert.equal(other.status, 429, 'a different X-Forwarded-For does not make a different client');
  });
});
