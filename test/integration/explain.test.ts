// `bouncer explain` (admin POST /explain) against a running gateway: it tells apart no route, each
// denial, each bypass, each reason a response was not stored, stored and fresh, and stale, and it
// neither reaches the origin nor counts anywhere (metrics, flood limiter, decision cache).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const ADMIN_SECRET = 'admin-secret-for-explain-tests-0123';
let origin: TestOrigin;
let gateway: GatewayProcess;
let token: string;

const PAGES: Record<string, Record<string, string>> = {
  '/api/fresh': { 'cache-control': 'public, s-maxage=60' },
  '/api/swr': { 'cache-control': 'public, max-age=1, stale-while-revalidate=60' },
  '/api/stale': { 'cache-control': 'public, s-maxage=1', etag: '"v1"' },
  '/api/set-cookie': { 'cache-control': 'public, s-maxage=60', 'set-cookie': 'session=1' },
  '/api/private': { 'cache-control': 'private, max-age=60' },
  '/api/no-store': { 'cache-control': 'no-store' },
  '/api/vary-star': { 'cache-control': 'public, s-maxage=60', vary: '*' },
  '/api/not-shareable': { 'cache-control': 'max-age=60' },
  '/api/not-fresh': { 'cache-control': 'public, max-age=0' },
};

before(async () => {
  origin = await startOrigin();
  for (const [path, headers] of Object.entries(PAGES)) origin.on(path, fixed({ 'content-type': 'text/plain', ...headers }, `page ${path}`));
  origin.on('/api/status', (_req, res) => {
    res.writeHead(206, { 'cache-control': 'public, s-maxage=60', 'content-range': 'bytes 0-3/10' });
    res.end('part');
  });
  origin.on('/auth', (req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer opaque-session-1' ? 200 : 401, { 'x-user-id': 'app-user' });
    res.end();
  });
  origin.on('/api/too-big', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, 'x'.repeat(4096)));
  gateway = await startGateway({
    upstream: origin.url,
    jwt: jwtConfig({ flood: { failuresPerMinute: 5, block: '60s', clients: 1000 } }),
    admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET },
    cache: { maxObjectBytes: '1KiB' },
    routes: [
      { path: '/scoped/', require: { scope: 'admin' } },
      { path: '/nocache/', cache: { enabled: false } },
      { path: '/open/', onDenied: 'pass' },
      { path: '/legacy/', auth: 'delegate', delegate: { url: `${origin.url}/auth`, identityHeaders: ['X-User-Id'] } },
      { path: '/api/' },
    ],
  });
  token = await hs256();
});

after(async () => {
  await gateway.stop();
  await origin.close();
});

/** POST /explain with the CLI's flags (--token, --method, --header, --body, --client); `bouncer explain` itself is tested below. */
async function explain(url: string, ...flags: string[]): Promise<Record<string, any>> {
  const body: Record<string, unknown> = { url };
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === '--body') body.body = true;
    else if (flag === '--header') {
      const [name, ...value] = flags[++i]!.split(':');
      body.headers = { ...(body.headers as object), [name!.trim()]: value.join(':').trim() };
    } else body[flag.slice(2)] = flags[++i];
  }
  const response = await fetch(`${gateway.adminUrl}/explain`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}` }, body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, any>;
}

/** `bouncer explain … --json`, the command line's own answer. */
async function explainCli(url: string, ...flags: string[]): Promise<Record<string, any>> {
  const run = await runCli(['explain', url, ...flags, '--json', '--admin', gateway.adminUrl, '--secret', ADMIN_SECRET]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, any>;
}

describe('what explain tells apart', () => {
  test('no route: proxied as it is', async () => {
    const answer = await explainCli('/elsewhere/x');
    assert.equal(answer.outcome, 'no-route');
    assert.equal(answer.route, null);
  });

  test('denied, with each reason', async () => {
    const cases: Array<[string, string[], string]> = [
      ['/api/fresh', [], 'no_token'],
      ['/api/fresh', ['--token', 'not-a-jwt'], 'malformed'],
      ['/api/fresh', ['--token', await hs256({}, { expiresIn: -3600 })], 'expired'],
      ['/api/fresh', ['--token', await hs256({}, { secret: 'another-secret-that-is-long-enough-for-hs256' })], 'bad_signature'],
      ['/api/fresh', ['--token', await hs256({ iss: 'https://other.example' })], 'wrong_issuer'],
      ['/scoped/x', ['--token', token], 'forbidden'],
    ];
    for (const [url, flags, reason] of cases) {
      const answer = await explain(url, ...flags);
      assert.equal(answer.outcome, 'denied', `${reason}: ${answer.summary}`);
      assert.equal(answer.reason, reason);
      assert.equal(answer.auth.status, reason === 'forbidden' ? 403 : 401);
      assert.equal(answer.cache, undefined);
    }
    const withToken = await explain('/api/fresh', '--token', token);
    assert.equal(withToken.auth.token, 'authorization');
    const viaCookie = await explainCli('/api/fresh', '--header', `Cookie: token=${token}`);
    assert.equal(viaCookie.auth.token, 'cookie');
  });

  test('bypass: method, body, a route without cache, a refused token passed on', async () => {
    const post = await explain('/api/fresh', '--token', token, '--method', 'POST');
    assert.deepEqual([post.outcome, post.reason], ['bypass', 'method']);
    const body = await explainCli('/api/fresh', '--token', token, '--body');
    assert.deepEqual([body.outcome, body.reason], ['bypass', 'body']);
    const disabled = await explain('/nocache/x', '--token', token);
    assert.deepEqual([disabled.outcome, disabled.reason], ['bypass', 'cache-disabled']);
    const passed = await explain('/open/x', '--token', 'not-a-jwt');
    assert.deepEqual([passed.outcome, passed.reason], ['bypass', 'unauthenticated']);
    assert.equal(passed.auth.reason, 'malformed');
  });

  test('not stored, with each reason and the rule that decided it', async () => {
    const reasons: Record<string, RegExp> = {
      'set-cookie': /not stored: response had Set-Cookie/,
      private: /not stored: response said Cache-Control: private/,
      'no-store': /not stored: response said no-store/,
      'vary-star': /not stored: response said Vary: \*/,
      status: /not stored: its status/,
      'not-shareable': /not stored: the request carried credentials/,
      'not-fresh': /not stored: response had no freshness and no validator/,
      'too-big': /not stored: response body was larger than cache.maxObjectBytes/,
    };
    for (const [reason, rule] of Object.entries(reasons)) {
      const path = `/api/${reason}`;
      assert.equal((await get(`${gateway.url}${path}`, bearer(token))).status, reason === 'status' ? 206 : 200);
      const answer = await explain(path, '--token', token);
      assert.equal(answer.outcome, 'not-stored', `${path}: ${answer.lines.join('\n')}`);
      assert.equal(answer.reason, reason);
      assert.match(answer.rule, rule);
      assert.equal(answer.cache.entry, undefined);
    }
  });

  test('stored and fresh; miss before it', async () => {
    const before = await explain('/api/fresh', '--token', token);
    assert.equal(before.outcome, 'miss');
    assert.equal(before.cache.next, 'fetch');
    await get(`${gateway.url}/api/fresh`, bearer(token));
    const answer = await explain('/api/fresh', '--token', token);
    assert.equal(answer.outcome, 'fresh');
    assert.equal(answer.cache.next, 'hit');
    assert.ok(answer.cache.entry.freshForSeconds > 50 && answer.cache.entry.ageSeconds <= 2, JSON.stringify(answer.cache.entry));
    assert.equal(answer.rule, 'stored: cache-control: public, s-maxage=60');
    assert.match(answer.cache.key, /^GET \/api\/fresh\u0001u$/);
    // The text form, as an operator reads it.
    const text = await runCli(['explain', `${gateway.url}/api/fresh`, '--token', token, '--admin', gateway.adminUrl, '--secret', ADMIN_SECRET]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^route: +#4 \/api\//m);
    assert.match(text.stdout, /^outcome: +fresh: stored and fresh/m);
  });

  test('stale: served stale while revalidating, or revalidated first', async () => {
    await get(`${gateway.url}/api/swr`, bearer(token));
    await get(`${gateway.url}/api/stale`, bearer(token));
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const swr = await explainCli('/api/swr', '--token', token);
    assert.deepEqual([swr.outcome, swr.reason, swr.cache.next], ['stale', 'stale-while-revalidate', 'stale']);
    const stale = await explain('/api/stale', '--token', token);
    assert.deepEqual([stale.outcome, stale.reason, stale.cache.next], ['stale', 'stale', 'revalidate']);
    assert.equal(stale.cache.entry.validators.etag, '"v1"');
  });

  test('asks-app: a delegate route whose answer is not remembered (explain never asks the app)', async () => {
    const asked = origin.hits('/auth');
    const first = await explain('/legacy/page', '--token', 'opaque-session-1');
    assert.equal(first.outcome, 'asks-app');
    assert.equal(origin.hits('/auth'), asked, 'the app was not asked');
    assert.equal((await get(`${gateway.url}/legacy/page`, bearer('opaque-session-1'))).status, 200);
    const remembered = await explain('/legacy/page', '--token', 'opaque-session-1');
    assert.equal(remembered.auth.remembered, true);
    assert.equal(remembered.auth.decision, 'allowed');
    assert.deepEqual(remembered.auth.outcomes, ['app_allow']);
  });

  test('revoked, after POST /revoke', async () => {
    const revokedToken = await hs256({ sub: 'leaving-user' });
    assert.equal((await get(`${gateway.url}/api/fresh`, bearer(revokedToken))).status, 200);
    const response = await fetch(`${gateway.adminUrl}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}` }, body: JSON.stringify({ token: revokedToken }) });
    assert.equal(response.status, 200);
    const answer = await explain('/api/fresh', '--token', revokedToken);
    assert.deepEqual([answer.outcome, answer.reason], ['denied', 'revoked']);
  });
});

describe('explain changes nothing', () => {
  test('no origin request, no metric, no remembered decision, no flood count', async () => {
    const seen = origin.seen.length;
    const metrics = async () => (await (await fetch(`${gateway.adminUrl}/metrics`)).text()).split('\n').filter((line) => /^bouncer_(requests|auth_decisions|signature_verifications|origin_requests|collapsed|cache_stores)_total/.test(line)).join('\n');
    const counted = await metrics();
    const fresh = await hs256({ sub: 'never-seen-before' });
    for (let i = 0; i < 8; i++) await explain('/api/fresh', '--token', 'not-a-jwt', '--client', '127.0.0.1');
    await explain('/api/new-page', '--token', fresh);
    const again = await explain('/api/new-page', '--token', fresh);
    assert.equal(again.auth.remembered, false, 'the explain did not remember its verification');
    assert.deepEqual(again.auth.outcomes, ['verified_allow']);
    assert.equal(origin.seen.length, seen, 'nothing reached the origin');
    assert.equal(await metrics(), counted, 'no counter moved');
    assert.equal((await get(`${gateway.url}/api/fresh`, bearer(token))).status, 200, 'eight bad tokens explained did not block the client');
  });

  test('rate limited: a client blocked by real bad tokens is explained as such', async () => {
    for (let i = 0; i < 6; i++) await get(`${gateway.url}/api/fresh`, bearer('not-a-jwt'));
    const answer = await explain('/api/fresh', '--token', token, '--client', '127.0.0.1');
    assert.deepEqual([answer.outcome, answer.reason, answer.auth.status], ['denied', 'rate_limited', 429]);
    const elsewhere = await explain('/api/fresh', '--token', token, '--client', '10.9.8.7');
    assert.equal(elsewhere.outcome, 'fresh');
  });

  test('the secret is required', async () => {
    const response = await fetch(`${gateway.adminUrl}/explain`, { method: 'POST', body: JSON.stringify({ url: '/api/fresh' }) });
    assert.equal(response.status, 401);
  });
});
