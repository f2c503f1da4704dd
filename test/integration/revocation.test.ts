// Logout and revocation on one machine, through a running gateway: a revoked token gets 401 on every
// route (cached content or not), other users are untouched, and what was acknowledged survives a
// restart (the journal under stateDir). Runs under Node and under Bun.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, startGateway, tempDir, type GatewayProcess } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const ADMIN_SECRET = 'admin-secret-for-revocation-tests';
const SHARED = { 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' };
const seconds = () => Math.floor(Date.now() / 1000);

describe('logout and revocation on one machine', () => {
  let origin: TestOrigin;
  let gateway: GatewayProcess;
  const stateDir = join(tempDir(), 'state');
  const config = () => ({
    upstream: origin.url,
    jwt: jwtConfig(),
    stateDir,
    admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET },
    logout: { paths: ['/logout', { path: '/logout-everywhere', all: true }] },
    routes: [{ path: '/api/' }, { path: '/other/', cache: { enabled: false } }, { path: '/logout' }],
  });
  const admin = (path: string, body?: unknown, secret = ADMIN_SECRET) =>
    get(`${gateway.adminUrl}${path}`, { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

  before(async () => {
    origin = await startOrigin();
    origin.on('/api/', fixed(SHARED, 'shared page'));
    origin.on('/other/', fixed({ 'content-type': 'text/plain' }, 'other'));
    origin.on('/logout', fixed({ 'content-type': 'text/plain' }, 'bye from the app'));
    gateway = await startGateway(config());
  });
  after(async () => {
    await gateway.stop();
    await origin.close();
  });

  test('logout revokes that token: 401 invalid_token on every route, the cached page included; others unaffected', async () => {
    const alice = bearer(await hs256({ sub: 'alice' }));
    const aliceOther = bearer(await hs256({ sub: 'alice', jti: 'second-session' }));
    assert.equal((await get(`${gateway.url}/api/page`, alice)).status, 200);
    const out = await get(`${gateway.url}/logout`, alice);
    assert.equal(out.status, 200);
    assert.equal(out.body, 'bye from the app', 'forwarded to the application');
    for (const path of ['/api/page', '/other/x', '/logout']) {
      const refused = await get(`${gateway.url}${path}`, alice);
      assert.equal(refused.status, 401, path);
      assert.equal(refused.headers['www-authenticate'], 'Bearer error="invalid_token"');
    }
    const stillIn = await get(`${gateway.url}/api/page`, aliceOther);
    assert.equal(stillIn.status, 200, "alice's other session stays");
    assert.equal(stillIn.headers['cache-status'], 'Bouncer; hit');
    assert.equal((await get(`${gateway.url}/api/page`, bearer(await hs256({ sub: 'bob' })))).status, 200);
    assert.equal(await gateway.metric('bouncer_auth_decisions_total', { outcome: 'revoked' }), 3);
    assert.equal(await gateway.metric('bouncer_revocations', { kind: 'token' }), 1);
  });

  test('logout with all: true ends every session of the user issued until then; a later login works', async () => {
    const earlier = seconds() - 5;
    const sessions = await Promise.all([1, 2].map((n) => hs256({ sub: 'carol', iat: earlier, jti: `carol-${n}` })));
    for (const token of sessions) assert.equal((await get(`${gateway.url}/api/page`, bearer(token))).status, 200);
    assert.equal((await get(`${gateway.url}/logout-everywhere`, bearer(sessions[0]!))).status, 200);
    for (const token of sessions) assert.equal((await get(`${gateway.url}/api/page`, bearer(token))).status, 401);
    const later = await hs256({ sub: 'carol', iat: seconds() + 2 });
    assert.equal((await get(`${gateway.url}/api/page`, bearer(later))).status, 200);
  });

  test('POST /revoke: the admin secret is required; each form answers how many entries it added', async () => {
    assert.equal((await admin('/revoke', { jti: 'x' }, 'wrong-secret-wrong-secret')).status, 401);
    assert.equal((await get(`${gateway.adminUrl}/revoke`, {}, { method: 'POST', body: '{"jti":"x"}' })).status, 401);
    assert.equal((await admin('/revoke', { nope: 1 })).status, 400);
    const dave = await hs256({ sub: 'dave', jti: 'dave-1' });
    assert.equal((await get(`${gateway.url}/api/page`, bearer(dave))).status, 200);
    assert.deepEqual(JSON.parse((await admin('/revoke', { jti: 'dave-1' })).body), { revoked: 1 });
    assert.deepEqual(JSON.parse((await admin('/revoke', { jti: 'dave-1' })).body), { revoked: 0 }, 'already revoked');
    assert.equal((await get(`${gateway.url}/api/page`, bearer(dave))).status, 401);
    const erin = await hs256({ sub: 'erin', iat: seconds() - 5 });
    assert.deepEqual(JSON.parse((await admin('/revoke', { sub: 'erin', before: seconds() - 1 })).body), { revoked: 1 });
    assert.equal((await get(`${gateway.url}/api/page`, bearer(erin))).status, 401);
    const listed = JSON.parse((await admin('/revocations?limit=2')).body);
    assert.equal(listed.total, 4);
    assert.equal(listed.entries.length, 2);
    assert.equal(listed.next, 2);
    assert.deepEqual(listed.counts, { token: 1, jti: 1, sub: 2, all: 0 });
    const cli = await runCli(['revoke', '--jti', 'from-the-cli', '--admin', gateway.adminUrl, '--secret', ADMIN_SECRET]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'revoked 1');
  });

  test('acknowledged revocations survive a restart (replayed from the journal under stateDir)', async () => {
    const frank = await hs256({ sub: 'frank' });
    await get(`${gateway.url}/logout`, bearer(frank));
    assert.equal((await get(`${gateway.url}/api/page`, bearer(frank))).status, 401);
    assert.equal(await gateway.stop(), 0);
    const journal = readFileSync(join(stateDir, 'revocations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(journal.some((entry) => entry.kind === 'jti' && entry.id === 'from-the-cli'));
    gateway = await startGateway(config());
    assert.equal((await get(`${gateway.url}/api/page`, bearer(frank))).status, 401);
    assert.equal((await get(`${gateway.url}/api/page`, bearer(await hs256({ sub: 'dave', jti: 'dave-1' })))).status, 401);
    assert.equal((await get(`${gateway.url}/api/page`, bearer(await hs256({ sub: 'grace' })))).status, 200);
    assert.equal(await gateway.metric('bouncer_revocations'), 6);
  });

  test('every token issued before a time (the emergency brake), and logout answered by Bouncer', async () => {
    await gateway.stop();
    gateway = await startGateway({ ...config(), logout: { paths: ['/logout'], answer: true } });
    const old = await hs256({ sub: 'henry', iat: seconds() - 10 });
    const out = await get(`${gateway.url}/logout`, bearer(await hs256({ sub: 'ivy' })));
    assert.equal(out.status, 204);
    assert.equal(origin.seen.filter((r) => r.url === '/logout').length, 3, 'not forwarded with answer: true');
    assert.deepEqual(JSON.parse((await admin('/revoke', { before: seconds() - 1 })).body), { revoked: 1 });
    assert.equal((await get(`${gateway.url}/api/page`, bearer(old))).status, 401);
    assert.equal((await get(`${gateway.url}/api/page`, bearer(await hs256({ sub: 'henry' })))).status, 200, 'a token issued now is newer');
  });
});
