// The app auth client against a real endpoint on a controlled clock: max-age and no-store honoured
// for delegate, a fixed period for recheck, redirects and odd statuses are failures.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { allowedTtl, createAppAuth, type AppAuthOptions } from '../../../src/auth/delegate.js';
import { AppAuthError } from '../../../src/auth/errors.js';
import type { Decision } from '../../../src/auth/types.js';
import { clock } from './fixtures.js';

let url = '';
let calls = 0;
const answers: Record<string, [number, Record<string, string>]> = {
  'max-age': [200, { 'cache-control': 'private, max-age=20', 'x-user-id': 'u' }],
  'no-store': [200, { 'cache-control': 'no-store', 'x-user-id': 'u' }],
  plain: [200, {}],
  redirect: [302, { location: '/login' }],
  teapot: [418, {}],
};
const server = createServer((req, res) => {
  calls++;
  const [status, headers] = answers[(req.headers.authorization ?? '').slice(7)] ?? [401, {}];
  res.writeHead(status, headers).end();
});
before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => ((url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`), resolve()))));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(extra: Partial<AppAuthOptions> = {}) {
  const time = clock();
  const app = createAppAuth({
    url, forwardHeaders: ['authorization'], identityHeaders: ['x-user-id'], timeoutMs: 2_000, allowedTtlMs: 300_000,
    honourMaxAge: true, deniedTtlMs: 30_000, max: 100, now: time.now, ...extra,
  });
  const ask = (credential: string) => app.decide(credential, { method: 'GET', headers: { authorization: `Bearer ${credential}` } }, '/x', '');
  return { time, ask };
}

test('allowedTtl reads max-age and no-store', () => {
  assert.equal(allowedTtl(null, 5), 5);
  assert.equal(allowedTtl('private, max-age=20', 5), 20_000);
  assert.equal(allowedTtl('max-age="7"', 5), 7_000);
  assert.equal(allowedTtl('s-maxage=20', 5), 5);
  assert.equal(allowedTtl('no-store, max-age=20', 5), 0);
  assert.equal(allowedTtl('no-storex', 5), 5);
});

test("a 2xx answer's max-age sets how long it is remembered; its identity headers are kept", async () => {
  const { time, ask } = client();
  const from = calls;
  const decision = (await ask('max-age')) as Decision;
  assert.ok(decision.ok);
  assert.deepEqual({ ...decision.identity.claims }, { 'x-user-id': 'u' });
  time.advance(19_999);
  assert.ok(!(ask('max-age') instanceof Promise));
  time.advance(1);
  await ask('max-age');
  assert.equal(calls - from, 2);
});

test('no-store is never remembered; without max-age the configured default holds', async () => {
  const { time, ask } = client({ allowedTtlMs: 1_000 });
  await ask('no-store');
  assert.ok(ask('no-store') instanceof Promise);
  await ask('plain');
  time.advance(999);
  assert.ok(!(ask('plain') instanceof Promise));
});

test('recheck ignores max-age: the period is fixed', async () => {
  const { time, ask } = client({ honourMaxAge: false, allowedTtlMs: 1_000 });
  await ask('max-age');
  time.advance(1_000);
  assert.ok(ask('max-age') instanceof Promise);
});

test('401/403 deny for deniedTtl; redirects and other statuses reject with BOUNCER_APP_AUTH_FAILED', async () => {
  const { time, ask } = client();
  const denied = (await ask('nobody')) as Decision;
  assert.equal(denied.ok ? 'ok' : denied.reason, 'app_denied');
  time.advance(29_999);
  assert.ok(!(ask('nobody') instanceof Promise));
  for (const credential of ['redirect', 'teapot']) {
    await assert.rejects(Promise.resolve(ask(credential)), (error: unknown) => error instanceof AppAuthError && error.code === 'BOUNCER_APP_AUTH_FAILED');
    const again = ask(credential);
    assert.ok(again instanceof Promise, 'a failure is not remembered');
    await assert.rejects(again);
  }
});
