// The app auth client against a real endpoint on a controlled clock: max-age and no-store honoured
// for delegate, a fixed period for recheck, redirects and odd statuses are failures.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { allowedTtl, createAppAuth, type AppAuthOptions } from '../../../src/auth/delegate.js';
import { isRejectedOnSight } from '../../../src/auth/rejected.js';
import { AppAuthError } from '../../../src/auth/errors.js';
import type { Decision } from '../../../src/auth/types.js';
import { clock } from './fixtures.js';

let url = '';
let calls = 0;
const answers: Record<string, [number, Record<string, string>]> = {
  'max-age': [200, { 'cache-control': 'private, max-age=20', 'x-user-id': 'u' }],
  'max-age-year': [200, { 'cache-control': 'max-age=31536000' }],
  'no-store': [200, { 'cache-control': 'no-store', 'x-user-id': 'u' }],
  plain: [200, {}],
  redirect: [302, { location: '/login' }],
  teapot: [418, {}],
};
const server = createServer((req, res) => {
  calls++;
  const credential = (req.headers.authorization ?? '').slice(7);
  // "pathwise": the app allows its profile and nothing else.
  if (credential === 'pathwise') return void res.writeHead(String(req.headers['x-original-uri']).startsWith('/legacy/profile') ? 200 : 403).end();
  const [status, headers] = answers[credential] ?? [401, {}];
  res.writeHead(status, headers).end();
});
before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => ((url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`), resolve()))));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(extra: Partial<AppAuthOptions> = {}) {
  const time = clock();
  const app = createAppAuth({
    url, forwardHeaders: ['authorization'], identityHeaders: ['x-user-id'], timeoutMs: 2_000, allowedTtlMs: 300_000,
    honourMaxAge: true, maxAllowedTtlMs: 300_000, deniedTtlMs: 30_000, per: 'route', maxCredentialBytes: 4096, max: 100,
    maxBytes: 1024 * 1024, now: time.now, ...extra,
  });
  const ask = (credential: string, path = '/x', method = 'GET') => app.decide(credential, { method, headers: { authorization: `Bearer ${credential}` } }, path, '');
  return { time, ask, app };
}

test('allowedTtl reads max-age and no-store; max-age is capped', () => {
  const cap = 300_000;
  assert.equal(allowedTtl(null, 5, cap), 5);
  assert.equal(allowedTtl('private, max-age=20', 5, cap), 20_000);
  assert.equal(allowedTtl('max-age="7"', 5, cap), 7_000);
  assert.equal(allowedTtl('s-maxage=20', 5, cap), 5);
  assert.equal(allowedTtl('no-store, max-age=20', 5, cap), 0);
  assert.equal(allowedTtl('no-storex', 5, cap), 5);
  assert.equal(allowedTtl('max-age=31536000', 5, cap), cap);
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

test("maxAllowedTtl caps what an answer's max-age grants", async () => {
  const { time, ask } = client({ maxAllowedTtlMs: 60_000 });
  const from = calls;
  await ask('max-age-year');
  time.advance(59_999);
  assert.ok(!(ask('max-age-year') instanceof Promise));
  time.advance(1);
  await ask('max-age-year');
  assert.equal(calls - from, 2, 'asked again after the cap, not after a year');
});

test('per: request keys the answer by method and path; per: route by the credential alone', async () => {
  const perRequest = client({ per: 'request' });
  const from = calls;
  assert.equal(((await perRequest.ask('pathwise', '/legacy/profile')) as Decision).ok, true);
  const admin = (await perRequest.ask('pathwise', '/legacy/admin/users/1', 'DELETE')) as Decision;
  assert.equal(admin.ok ? 'ok' : admin.reason, 'app_denied', 'the allow for the profile does not reach the admin path');
  assert.equal(calls - from, 2);
  assert.equal((perRequest.ask('pathwise', '/legacy/profile') as Decision).ok, true, 'each answer remembered under its own key');
  assert.ok(perRequest.ask('pathwise', '/legacy/profile', 'POST') instanceof Promise, 'another method asks');
  const perRoute = client({ per: 'route' });
  assert.equal(((await perRoute.ask('pathwise', '/legacy/profile')) as Decision).ok, true);
  assert.equal((perRoute.ask('pathwise', '/legacy/admin') as Decision).ok, true, 'per route: one answer for the credential');
});

test('an oversize or malformed credential is refused on sight: no call, nothing remembered', async () => {
  const { ask, app } = client({ maxCredentialBytes: 64 });
  const from = calls;
  for (const credential of ['x'.repeat(65), 'a b', 'a;b', 'a,b', 'a"b', 'a\\b', 'caf\u00e9', 'tab\there']) {
    const decision = ask(credential);
    assert.ok(!(decision instanceof Promise) && isRejectedOnSight(decision), JSON.stringify(credential));
  }
  assert.equal(calls - from, 0);
  assert.deepEqual(app.remembered(), { entries: 0, bytes: 0 });
  const fine = 'AZaz09-._~+/=!#$%&\'()*<>?@[]^`{|}';
  assert.ok(ask(fine) instanceof Promise, 'every cookie-octet and b64token character is fine');
  assert.ok(ask('x'.repeat(64)) instanceof Promise);
});
