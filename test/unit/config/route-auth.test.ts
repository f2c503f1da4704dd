// The route's auth options (require, delegate, recheck) are checked together at start-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeSchema } from '../../../src/config/schema.js';

const delegate = { url: 'http://127.0.0.1:9000/auth' };
const problems = (route: Record<string, unknown>) => {
  const result = routeSchema.safeParse({ path: '/x/', ...route });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

test('consistent routes parse, with the documented defaults', () => {
  const route = routeSchema.parse({ path: '/x/', auth: 'delegate', delegate: { ...delegate, identityHeaders: ['X-User-Id'] }, require: { claim: 'x-user-id', pattern: '^u' } });
  assert.deepEqual(route.delegate, {
    ...delegate, forwardHeaders: ['authorization', 'cookie'], timeout: 5_000, deniedTtl: 30_000, max: 100_000, maxBytes: 32 * 1024 * 1024,
    identityHeaders: ['x-user-id'], allowedTtl: 300_000, maxAllowedTtl: 300_000, per: 'route', maxCredentialBytes: 4096,
  });
  const perRequest = routeSchema.parse({ path: '/x/', auth: 'delegate', delegate: { ...delegate, per: 'request', maxAllowedTtl: '1m', maxCredentialBytes: '1KiB' } });
  assert.deepEqual([perRequest.delegate?.per, perRequest.delegate?.maxAllowedTtl, perRequest.delegate?.maxCredentialBytes], ['request', 60_000, 1024]);
  assert.ok(problems({ auth: 'delegate', delegate: { ...delegate, per: 'method' } }).length > 0);
  assert.equal(routeSchema.parse({ path: '/x/', recheck: { ...delegate, every: '2m' } }).recheck?.every, 120_000);
});

test('inconsistent combinations are refused with the option named', () => {
  assert.deepEqual(problems({ auth: 'delegate' }), ['delegate: auth: delegate and a delegate block go together']);
  assert.deepEqual(problems({ delegate }), ['delegate: auth: delegate and a delegate block go together']);
  assert.deepEqual(problems({ auth: 'delegate', delegate, identityHeaders: { sub: 'X-User-Id' } }), [
    'identityHeaders: a delegate route takes its identity headers from delegate.identityHeaders',
  ]);
  assert.deepEqual(problems({ auth: 'off', recheck: delegate }), ['recheck: recheck needs auth: required or optional']);
  assert.deepEqual(problems({ auth: 'off', require: { scope: 'a' } }), ['require: require needs a route that looks at tokens (auth is off)']);
  assert.equal(problems({ require: { scope: '' } }).length > 0, true);
  assert.equal(problems({ auth: 'delegate', delegate: { url: 'ftp://x' } }).length > 0, true);
});
