// The process around the pipeline: bad configuration, an origin that is down or hangs, graceful
// shutdown, and the token command.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { runCli, startGateway, writeConfig } from '../helpers/gateway.js';
import { fixed, startOrigin } from '../helpers/origin.js';
import { bearer, get } from '../helpers/http.js';
import { hs256, jwtConfig, SECRET } from '../helpers/tokens.js';

describe('configuration errors exit with code 2 and name the key', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown key', { upstream: 'http://127.0.0.1:1', jwt: jwtConfig(), cache: { maxByte: 1 } }, /cache: unknown key "maxByte"/],
    ['bad listen', { upstream: 'http://127.0.0.1:1', listen: 'nowhere', jwt: jwtConfig() }, /listen: "nowhere" is not host:port/],
    ['missing upstream', { jwt: jwtConfig() }, /upstream: /],
    ['bad route auth', { upstream: 'http://127.0.0.1:1', jwt: jwtConfig(), routes: [{ path: '/a/', auth: 'maybe' }] }, /routes\[0\]\.auth: /],
    ['key without material', { upstream: 'http://127.0.0.1:1', jwt: { keys: [{ alg: 'HS256' }] } }, /jwt\.keys\[0\]: needs exactly one of/],
    ['bad size', { upstream: 'http://127.0.0.1:1', jwt: jwtConfig(), cache: { maxBytes: 'lots' } }, /cache\.maxBytes: "lots" is not a size/],
    ['unset secret variable', { upstream: 'http://127.0.0.1:1', jwt: { keys: [{ alg: 'HS256', secretEnv: 'BOUNCER_TEST_UNSET_VARIABLE' }] } }, /jwt\.keys\[0\]/],
  ];
  for (const [name, config, expected] of cases) {
    test(name, async () => {
      const result = await runCli(['start', '--config', writeConfig(config)]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, expected);
    });
  }

  test('a file that is not YAML', async () => {
    const file = writeConfig('x');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'listen: [unclosed');
    const result = await runCli(['check-config', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not valid YAML/);
  });

  test('secrets are not echoed in errors', async () => {
    const result = await runCli(['start', '--config', writeConfig({ upstream: 'nope', jwt: { keys: [{ alg: 'HS256', secret: 'very-secret-value' }] } })]);
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stderr + result.stdout, /very-secret-value/);
  });

  test('check-config accepts a good file', async () => {
    const result = await runCli(['check-config', writeConfig({ upstream: 'http://127.0.0.1:1', jwt: jwtConfig() })]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok/);
  });
});

describe('origin failures', () => {
  test('origin down: 502 at once, with a short body', async () => {
    // Take a free port and close it again, so nothing listens there.
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const gateway = await startGateway({ upstream: `http://127.0.0.1:${port}`, jwt: jwtConfig(), routes: [{ path: '/api/' }] });
    try {
      const started = Date.now();
      const reply = await get(`${gateway.url}/api/x`, bearer(await hs256()));
      assert.equal(reply.status, 502);
      assert.match(reply.body, /bad gateway/);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await gateway.stop();
    }
  });

  test('origin hangs: 504 after the headers timeout, for the leader and every collapsed waiter', async () => {
    const origin = await startOrigin();
    origin.on('/api/hang', () => new Promise(() => undefined));
    const gateway = await startGateway({
      upstream: origin.url,
      jwt: jwtConfig(),
      routes: [{ path: '/api/' }],
      timeouts: { headers: '500ms' },
    });
    try {
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 5 }, async (_, i) => get(`${gateway.url}/api/hang`, bearer(await hs256({ sub: `u${i}` })))));
      assert.deepEqual(replies.map((r) => r.status), [504, 504, 504, 504, 504]);
      assert.ok(Date.now() - started < 5_000, 'answered within the timeout, not hung');
      assert.equal(origin.hits('/api/hang'), 1);
    } finally {
      await gateway.stop();
      await origin.close();
    }
  });
});

describe('shutdown', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const step of cleanup) await step();
    cleanup = [];
  });

  test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async () => {
    const origin = await startOrigin();
    cleanup.push(() => origin.close());
    origin.on('/api/slow', fixed({ 'content-type': 'text/plain', 'cache-control': 'no-store' }, 'finished', 700));
    const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }] });
    const inFlight = get(`${gateway.url}/api/slow`, bearer(await hs256()));
    // SIGTERM once the origin has the request: it is in flight.
    for (let i = 0; i < 500 && origin.hits('/api/slow') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(origin.hits('/api/slow'), 1);
    const exited = gateway.stop();
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'finished');
    assert.equal(await exited, 0);
    await assert.rejects(get(`${gateway.url}/api/slow`, bearer(await hs256())));
  });
});

test('the token command mints a token the gateway accepts', async () => {
  const origin = await startOrigin();
  const gateway = await startGateway({ upstream: origin.url, jwt: { keys: [{ alg: 'HS256', secret: SECRET }] }, routes: [{ path: '/api/' }] });
  try {
    const minted = await runCli(['token', '--secret', SECRET, '--sub', 'cli-user', '--claim', 'tenant=acme', '--exp', '10m']);
    assert.equal(minted.code, 0, minted.stderr);
    const reply = await get(`${gateway.url}/api/x`, bearer(minted.stdout.trim()));
    assert.equal(reply.status, 200);
    const payload = JSON.parse(Buffer.from(minted.stdout.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.sub, 'cli-user');
    assert.equal(payload.tenant, 'acme');
    assert.ok(payload.exp - payload.iat === 600);
  } finally {
    await gateway.stop();
    await origin.close();
  }
});

test('the warm-up at start leaves no trace: nothing reaches the origin, the caches and the metrics start empty', async () => {
  const origin = await startOrigin();
  origin.on('/api/', fixed({ 'content-type': 'text/plain', 'cache-control': 'public, s-maxage=60' }, 'real'));
  const gateway = await startGateway({ upstream: origin.url, jwt: jwtConfig(), routes: [{ path: '/api/' }], warmUpRequests: 300, log: { level: 'info' } });
  try {
    assert.match(gateway.output(), /"requests":300,"ms":\d+,"msg":"warmed up"/);
    assert.equal(origin.seen.length, 0, 'the warm-up went to its own stub');
    assert.equal(await gateway.metric('bouncer_requests_total'), 0);
    assert.equal(await gateway.metric('bouncer_signature_verifications_total'), 0);
    const token = await hs256();
    const first = await get(`${gateway.url}/api/feed`, bearer(token));
    assert.equal(first.status, 200);
    assert.equal(first.body, 'real');
    assert.match(String(first.headers['cache-status']), /fwd=miss/, 'the real cache was empty');
    assert.equal(await gateway.metric('bouncer_signature_verifications_total'), 1, 'and so were the real decisions');
  } finally {
    await gateway.stop();
    await origin.close();
  }
});
