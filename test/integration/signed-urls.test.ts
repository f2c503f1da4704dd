// Signed URLs against a real gateway process and origin: what `bouncer sign` and POST /sign print is
// served until it expires, every change to it is refused, the signature never reaches the origin, and
// a crowd on one signed URL is one origin request. Expiry is checked in-process on a moved clock.
// Runs under Node and under Bun.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUrlSigner, loadSigningKeys } from '../../src/auth/signed-url.js';
import { validateConfig } from '../../src/config/load.js';
import { runCli, startGateway, writeConfig } from '../helpers/gateway.js';
import { bearer, get } from '../helpers/http.js';
import { fixed } from '../helpers/origin.js';
import { fakeClock, inProcessGateway } from '../helpers/pipeline.js';
import { originAndGateway } from '../helpers/suite.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

const K1 = 'k1-secret-of-at-least-thirty-two-bytes!!';
const K2 = 'k2-secret-of-at-least-thirty-two-bytes!!';
const ADMIN_SECRET = 'admin-secret-for-signing';
const ROUTES = [{ path: '/files/', signedUrls: true, partitionBy: ['tenant'], identityHeaders: { tenant: 'X-Tenant-Id' } }];

function configFor(upstream: string, keys: { id: string; secret: string }[]): Record<string, unknown> {
  return { upstream, jwt: jwtConfig(), signing: { keys }, routes: ROUTES, admin: { listen: '127.0.0.1:0', secret: ADMIN_SECRET } };
}

/** `bouncer sign`, the command itself. */
async function signCli(config: Record<string, unknown>, path: string, ...flags: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(['sign', path, '--ttl', '10m', '--config', writeConfig(config), ...flags]);
  assert.equal(code, 0, stderr);
  return stdout.trim();
}

/** The same signer in this process (what the command runs), to spare a process per URL. */
function sign(config: Record<string, unknown>, path: string, options: { key?: string; claims?: Record<string, unknown>; ttlMs?: number } = {}): string {
  const { signing } = validateConfig(config, 'test');
  return createUrlSigner(loadSigningKeys(signing!), signing!.params).sign(path, options.ttlMs ?? 600_000, options).url;
}

describe('signed URLs', () => {
  let config: Record<string, unknown>;
  const { origin, gateway } = originAndGateway((origin) => {
    origin.on('/files/', (req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
        res.end(`file ${req.url} for ${req.headers['x-tenant-id'] ?? 'anyone'}`);
      }, 100);
    });
    config = configFor(origin.url, [{ id: 'k2', secret: K2 }, { id: 'k1', secret: K1 }]);
    return config;
  });

  test('a signed URL is served; the origin sees neither exp, kid nor sig; 100 clients make one origin request', async () => {
    const url = await signCli(config, '/files/report.pdf?v=1');
    assert.match(url, /^\/files\/report\.pdf\?v=1&exp=\d+&kid=k2&sig=[A-Za-z0-9_-]{43}$/, 'signed with the first (newest) key');
    const replies = await Promise.all(Array.from({ length: 100 }, () => get(`${gateway.url}${url}`)));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.deepEqual(new Set(replies.map((r) => r.body)), new Set(['file /files/report.pdf?v=1 for anyone']));
    assert.equal(origin.hits('/files/report.pdf'), 1, 'one origin request for the crowd');
    assert.deepEqual(origin.seen.filter((r) => r.url.startsWith('/files/report.pdf')).map((r) => r.url), ['/files/report.pdf?v=1']);
    // Another signature of the same URL (another key and expiry) shares the stored copy of its partition.
    const first = await get(`${gateway.url}${sign(config, '/files/report.pdf?v=1', { claims: { tenant: 'acme' } })}`);
    assert.equal(first.body, 'file /files/report.pdf?v=1 for acme');
    const later = await get(`${gateway.url}${await signCli(config, '/files/report.pdf?v=1', '--key', 'k1', '--ttl', '20m', '--claim', 'tenant=acme')}`);
    assert.equal(later.headers['cache-status'], 'Bouncer; hit');
  });

  test('a changed path, query, expiry or signature, or a parameter added or removed: 403; nothing signed and no token: 401', async () => {
    const url = sign(config, '/files/secret.txt?a=1&b=2');
    const exp = Number(/exp=(\d+)/.exec(url)![1]);
    const sig = /sig=([^&]+)/.exec(url)![1]!;
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    const forged = [
      url.replace('/files/secret.txt', '/files/secret2.txt'),
      url.replace('a=1', 'a=2'),
      url.replace('a=1&', 'b=2&a=1&').replace('&b=2&exp', '&exp'), // reordered
      url.replace('?a=1&', '?a=1&c=3&'),
      url.replace('a=1&', ''),
      url.replace(`exp=${exp}`, `exp=${exp + 3600}`),
      url.replace(sig, flipped),
      url.replace('kid=k2', 'kid=k1'),
      url.replace('kid=k2', 'kid=k3'),
      `${url}&sig=${sig}`,
      url.replace('exp=', 'exp=0'),
    ];
    for (const attempt of forged) {
      const reply = await get(`${gateway.url}${attempt}`);
      assert.equal(reply.status, 403, attempt);
      assert.ok(!reply.body.includes('file'), attempt);
    }
    assert.equal(origin.hits('/files/secret.txt') + origin.hits('/files/secret2.txt'), 0, 'no forged URL reached the origin');
    assert.equal((await get(`${gateway.url}/files/secret.txt?a=1&b=2`)).status, 401);
    assert.equal((await get(`${gateway.url}${url}`)).status, 200, 'the URL as signed still works');
    // A route with signedUrls still takes tokens.
    assert.equal((await get(`${gateway.url}/files/secret.txt?a=1&b=2`, bearer(await hs256()))).status, 200);
  });

  test('a bound claim partitions the cache like the claim would, and reaches the origin as its identity header', async () => {
    const acme = sign(config, '/files/tenant.txt', { claims: { tenant: 'acme' } });
    const globex = sign(config, '/files/tenant.txt', { claims: { tenant: 'globex' } });
    const acmeAgain = sign(config, '/files/tenant.txt', { claims: { tenant: 'acme' }, key: 'k1' });
    assert.equal((await get(`${gateway.url}${acme}`)).body, 'file /files/tenant.txt for acme');
    assert.equal((await get(`${gateway.url}${globex}`)).body, 'file /files/tenant.txt for globex');
    const again = await get(`${gateway.url}${acmeAgain}`);
    assert.equal(again.body, 'file /files/tenant.txt for acme');
    assert.equal(again.headers['cache-status'], 'Bouncer; hit');
    assert.equal(origin.hits('/files/tenant.txt'), 2, 'one copy per tenant');
    assert.equal((await get(`${gateway.url}${acme.replace(/claims=[^&]+/, `claims=${Buffer.from('{"tenant":"globex"}').toString('base64url')}`)}`)).status, 403);
  });

  test('POST /sign on the admin listener signs with the admin secret, and refuses without it', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.adminUrl}/sign`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ path: '/files/admin.txt', ttl: '5m', claims: { tenant: 'acme' } }) });
    assert.equal((await post({})).status, 401);
    const answer = (await (await post({ authorization: `Bearer ${ADMIN_SECRET}` })).json()) as { url: string; expires: number };
    assert.ok(answer.expires > Date.now() / 1000 + 290 && answer.expires <= Date.now() / 1000 + 300);
    assert.equal((await get(`${gateway.url}${answer.url}`)).body, 'file /files/admin.txt for acme');
  });

  test('a key removed from the configuration no longer verifies after a restart', async () => {
    const withOld = sign(config, '/files/rotated.txt', { key: 'k1' });
    const withNew = sign(config, '/files/rotated.txt');
    const rotated = await startGateway(configFor(origin.url, [{ id: 'k2', secret: K2 }]));
    try {
      assert.equal((await get(`${rotated.url}${withOld}`)).status, 403);
      assert.equal((await get(`${rotated.url}${withNew}`)).status, 200);
    } finally {
      await rotated.stop();
    }
  });

  test('secrets shorter than 32 bytes are a configuration error (exit 2)', async () => {
    const short = configFor(origin.url, [{ id: 'k1', secret: 'too-short' }]);
    const checked = await runCli(['check-config', writeConfig(short)]);
    assert.equal(checked.code, 2);
    assert.match(checked.stderr, /signing\.keys\[0\]\.secret: must be at least 32 bytes/);
    const fromFile = writeConfig({ ...short, signing: { keys: [{ id: 'k1', secretEnv: 'BOUNCER_TEST_NOT_SET_ANYWHERE' }] } });
    const started = await runCli(['start', '--config', fromFile]);
    assert.equal(started.code, 2);
    assert.match(started.stderr, /signing\.keys\[0\]/);
  });
});

describe('signed URL expiry (in process, on a moved clock)', () => {
  test('200 until exp, 403 from exp on: no leeway', async () => {
    const { startOrigin } = await import('../helpers/origin.js');
    const origin = await startOrigin();
    origin.on('/files/', fixed({ 'content-type': 'text/plain', 'cache-control': 'max-age=3600' }, 'file'));
    const clock = fakeClock();
    const config = configFor(origin.url, [{ id: 'k1', secret: K1 }]);
    const gateway = await inProcessGateway(config, clock);
    try {
      const parsed = validateConfig(config, 'test');
      const signer = createUrlSigner(loadSigningKeys(parsed.signing!), parsed.signing!.params, () => clock.now);
      const { url, expires } = signer.sign('/files/expiring.txt', 60_000);
      assert.equal((await gateway.request(url)).status, 200);
      clock.now = expires * 1000 - 1;
      const last = await gateway.request(url);
      assert.equal(last.status, 200);
      assert.equal(last.headers['cache-status'], 'Bouncer; hit');
      clock.now = expires * 1000;
      const expired = await gateway.request(url);
      assert.equal(expired.status, 403, 'the stored copy does not answer an expired URL');
      assert.equal(expired.body, 'invalid or expired signed URL\n');
    } finally {
      await gateway.close();
      await origin.close();
    }
  });
});
