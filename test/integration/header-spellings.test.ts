// Header hygiene by spelling: every header Bouncer removes or reserves, sent by a client in the
// spellings an origin that folds "_" into "-" (CGI, PHP-FPM) reads as the same variable, is absent at
// the origin. The origin here records every header it receives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearer, get } from '../helpers/http.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const { origin, gateway } = originAndGateway((origin) => ({
  upstream: origin.url,
  jwt: jwtConfig(),
  routes: [
    { path: '/keyed/', cache: { keyHeaders: ['X_Forwarded_Host'] }, identityHeaders: { sub: 'X-User-Id' } },
    // Not stored: its requests carry the full identity (a shared fill would carry none of it).
    { path: '/api/', cache: { enabled: false }, identityHeaders: { sub: 'X-User-Id', tenant: 'X_Tenant_Id' } },
  ],
}));

const fold = (name: string) => name.toLowerCase().replaceAll('_', '-');

/** What reached the origin for `path`, by folded header name. */
function seenFolded(path: string): Map<string, string[]> {
  const seen = origin.seen.filter((request) => request.url === path);
  assert.equal(seen.length, 1, `${path} reached the origin once`);
  const folded = new Map<string, string[]>();
  for (const [name, value] of Object.entries(seen[0]!.headers)) {
    const list = folded.get(fold(name)) ?? [];
    list.push(`${name}: ${String(value)}`);
    folded.set(fold(name), list);
  }
  return folded;
}

// Each: [spelling sent, folded name that must be absent at the origin].
const REMOVED: [string, string][] = [
  ['X_User_Id', 'x-user-id'],
  ['x_user_id', 'x-user-id'],
  ['X-User_Id', 'x-user-id'],
  ['X-Tenant-Id', 'x-tenant-id'],
  ['x_forwarded_host', 'x-forwarded-host'],
  ['X_Forwarded_Host', 'x-forwarded-host'],
  ['X-Forwarded-Host', 'x-forwarded-host'],
  ['X_Forwarded_Server', 'x-forwarded-server'],
  ['X_Original_URL', 'x-original-url'],
  ['X_Rewrite_Url', 'x-rewrite-url'],
  ['X_HTTP_Method_Override', 'x-http-method-override'],
  ['X-Forwarded-Scheme', 'x-forwarded-scheme'],
  ['X_Forwarded_Scheme', 'x-forwarded-scheme'],
  ['X-Forwarded-Ssl', 'x-forwarded-ssl'],
  ['x_forwarded_ssl', 'x-forwarded-ssl'],
  ['Front-End-Https', 'front-end-https'],
  ['Front_End_Https', 'front-end-https'],
  ['X-Real-IP', 'x-real-ip'],
  ['X_Real_IP', 'x-real-ip'],
  ['True-Client-IP', 'true-client-ip'],
  ['True_Client_IP', 'true-client-ip'],
];

describe('every spelling of a removed or reserved header is absent at the origin', () => {
  let n = 0;
  for (const [spelling, folded] of REMOVED) {
    test(spelling, async () => {
      const path = `/api/spelling-${++n}`;
      const reply = await get(`${gateway.url}${path}`, { ...bearer(await hs256({ sub: 'real-user' })), [spelling]: 'evil' });
      assert.equal(reply.status, 200);
      const headers = seenFolded(path);
      if (folded === 'x-user-id') {
        assert.deepEqual(headers.get(folded), ['x-user-id: real-user'], 'only the identity Bouncer set');
      } else {
        assert.equal(headers.get(folded), undefined, `${spelling} reached the origin`);
      }
    });
  }

  test("spellings of the headers Bouncer sets itself (X-Forwarded-For, X-Forwarded-Proto, Host) carry only Bouncer's values", async () => {
    const path = '/api/spelling-set-by-bouncer';
    await get(`${gateway.url}${path}`, { ...bearer(await hs256()), X_Forwarded_For: '6.6.6.6', x_forwarded_proto: 'https', X_Host: 'evil' });
    const headers = seenFolded(path);
    assert.deepEqual(headers.get('x-forwarded-for'), ['x-forwarded-for: 127.0.0.1']);
    assert.deepEqual(headers.get('x-forwarded-proto'), ['x-forwarded-proto: http']);
    assert.equal(headers.get('x-host'), undefined);
    assert.deepEqual(headers.get('host'), [`host: 127.0.0.1:${origin.port}`]);
  });

  test('a route keying on X_Forwarded_Host forwards the keyed spelling, and no other', async () => {
    const token = await hs256();
    await get(`${gateway.url}/keyed/a`, { ...bearer(token), 'X-Forwarded-Host': 'tenant.example' });
    assert.deepEqual(seenFolded('/keyed/a').get('x-forwarded-host'), ['x-forwarded-host: tenant.example']);
    await get(`${gateway.url}/keyed/b`, { ...bearer(token), x_forwarded_host: 'evil.example' });
    assert.equal(seenFolded('/keyed/b').get('x-forwarded-host'), undefined, 'the key never saw it, so the origin does not either');
    const clean = await get(`${gateway.url}/keyed/b`, bearer(token));
    assert.equal(clean.headers['cache-status'], 'Bouncer; hit', 'the unkeyed spelling made no variant of its own');
  });
});
