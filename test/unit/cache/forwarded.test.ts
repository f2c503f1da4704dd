// The request the origin gets for one allowed request, built from a hand-made verdict: a shared fill
// carries only what the key covers (the identity headers of partition claims, no Authorization, no
// token cookie), unless an earlier answer's Vary taught the key otherwise; the full request carries
// everything. Vary reads the fill as it is sent (header() agrees with fillHeaders()), and withheld()
// names what the full request adds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Forwarded, type ForwardContext, type LearnedFields } from '../../../src/cache/forwarded.js';
import type { RouteCache } from '../../../src/cache/route-cache.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import type { Allowed } from '../../../src/http/verdict.js';
import { request, rule } from './fixtures.js';

const CONTEXT: ForwardContext = { originHost: 'origin.test', reserved: new Set(['x-user-id', 'x-tenant', 'x-roles']) };
const ROUTE: RouteCache = { ...rule(), enabled: true, keyHeaders: [], compose: false };
const IDENTITY = [['x-user-id', 'u-1'], ['x-tenant', 'acme'], ['x-roles', 'admin']] as const;

function verdict(headers: HeaderMap, overrides: Partial<Allowed> = {}): Allowed {
  return {
    kind: 'allowed',
    request: request(headers),
    route: 0,
    path: '/p',
    query: '',
    access: 'user',
    partition: 's4:acme',
    credentialed: true,
    tokenCookie: 'token',
    credential: 'the-token',
    identityHeaders: () => IDENTITY,
    keyedIdentity: new Set(['x-tenant']),
    claims: { sub: 'u-1', tenant: 'acme', roles: 'admin' },
    expiresAt: Infinity,
    reason: '',
    ...overrides,
  };
}

const learned = (key: string, names: string[]): LearnedFields => ({ get: (k) => (k === key ? new Set(names) : undefined) });

const CLIENT: HeaderMap = {
  authorization: 'Bearer a.b.c',
  cookie: 'theme=dark; token=a.b.c',
  'x-user-id': 'forged',
  'x-tenant': 'forged',
  'if-none-match': '"v1"',
  range: 'bytes=0-1',
  'accept-encoding': 'gzip, deflate, br',
  'accept-language': 'en',
  'x-forwarded-host': 'evil.test',
  connection: 'keep-alive',
};

/** Every name either view could mention. */
const NAMES = [...Object.keys(CLIENT), 'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-roles', 'x-other'];

function assertHeaderAgrees(forwarded: Forwarded): void {
  const fill = forwarded.fillHeaders();
  for (const name of new Set([...NAMES, ...Object.keys(fill)])) {
    const value = fill[name];
    assert.equal(forwarded.header(name), Array.isArray(value) ? value.join(', ') : value, name);
  }
}

describe('Forwarded: a shared fill', () => {
  test("carries the partition claims' identity headers and no other identity", () => {
    const fill = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT).fillHeaders();
    assert.equal(fill['x-tenant'], 'acme');
    assert.equal(fill['x-user-id'], undefined, "neither Bouncer's nor the client's");
    assert.equal(fill['x-roles'], undefined);
  });
  test('leaves out Authorization and the token cookie, keeps the other cookies', () => {
    const fill = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT).fillHeaders();
    assert.equal(fill.authorization, undefined);
    assert.equal(fill.cookie, 'theme=dark');
    assert.equal(new Forwarded(verdict({ ...CLIENT, cookie: 'token=a.b.c' }), ROUTE, CONTEXT).fillHeaders().cookie, undefined);
  });
  test('asks for a full 200 in one coding, with Bouncer’s Host and forwarding fields', () => {
    const fill = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT).fillHeaders();
    assert.equal(fill['if-none-match'], undefined);
    assert.equal(fill.range, undefined);
    assert.equal(fill['accept-encoding'], 'br');
    assert.equal(fill['accept-language'], 'en');
    assert.equal(fill.host, 'origin.test');
    assert.equal(fill['x-forwarded-for'], '192.0.2.1');
    assert.equal(fill['x-forwarded-host'], undefined);
    assert.equal(fill.connection, undefined);
  });
  test("forwards a route's keyed headers", () => {
    const fill = new Forwarded(verdict(CLIENT), { ...ROUTE, keyHeaders: ['x-forwarded-host'] }, CONTEXT).fillHeaders();
    assert.equal(fill['x-forwarded-host'], 'evil.test');
  });
  test('on a route that does not read tokens, credentials are not its business: they travel', () => {
    const fill = new Forwarded(verdict(CLIENT, { tokenCookie: undefined, access: 'public', credentialed: true }), ROUTE, CONTEXT).fillHeaders();
    assert.equal(fill.authorization, 'Bearer a.b.c');
    assert.equal(fill.cookie, 'theme=dark; token=a.b.c');
  });
  test('fields an earlier answer varied on are sent: identity headers, Authorization, the cookie', () => {
    const key = 'K';
    const fill = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT, learned(key, ['x-user-id', 'authorization', 'cookie']), key).fillHeaders();
    assert.equal(fill['x-user-id'], 'u-1');
    assert.equal(fill['x-roles'], undefined, 'only what was learned');
    assert.equal(fill.authorization, 'Bearer a.b.c');
    assert.equal(fill.cookie, 'theme=dark; token=a.b.c');
    const otherKey = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT, learned(key, ['x-user-id']), 'other').fillHeaders();
    assert.equal(otherKey['x-user-id'], undefined, 'learned per key');
  });
});

describe('Forwarded: header() is the fill as sent', () => {
  test('for every field, with and without learned fields, on routes with and without tokens', () => {
    for (const marks of [undefined, learned('K', ['x-user-id', 'cookie']), learned('K', ['authorization', 'x-roles'])]) {
      for (const tokenCookie of ['token', undefined]) {
        assertHeaderAgrees(new Forwarded(verdict(CLIENT, { tokenCookie }), ROUTE, CONTEXT, marks, 'K'));
      }
    }
  });
  test('for random requests and learned fields', () => {
    const names = fc.constantFrom('authorization', 'cookie', 'x-user-id', 'x-tenant', 'accept-encoding', 'if-none-match', 'accept', 'x-forwarded-host');
    const values = fc.constantFrom('a', 'token=t', 'b=2; token=t', 'gzip', 'Bearer t', 'x');
    fc.assert(
      fc.property(fc.dictionary(names, fc.oneof(values, fc.array(values, { minLength: 1, maxLength: 2 }))), fc.subarray(['x-user-id', 'x-roles', 'authorization', 'cookie']), fc.boolean(), (headers, marks, readsTokens) => {
        const forwarded = new Forwarded(verdict(headers, { tokenCookie: readsTokens ? 'token' : undefined }), ROUTE, CONTEXT, learned('K', marks), 'K');
        assertHeaderAgrees(forwarded);
      }),
    );
  });
  test('Vary on a withheld field reads it as absent', () => {
    const forwarded = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT);
    assert.equal(forwarded.header('x-user-id'), undefined);
    assert.equal(forwarded.header('authorization'), undefined);
    assert.equal(forwarded.header('x-tenant'), 'acme');
    assert.equal(forwarded.header('accept-encoding'), 'br');
  });
});

describe('Forwarded: the full request', () => {
  test("carries the whole identity, the client's credentials and conditionals", () => {
    const full = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT).fullHeaders();
    assert.equal(full['x-user-id'], 'u-1');
    assert.equal(full['x-tenant'], 'acme');
    assert.equal(full['x-roles'], 'admin');
    assert.equal(full.authorization, 'Bearer a.b.c');
    assert.equal(full.cookie, 'theme=dark; token=a.b.c');
    assert.equal(full['if-none-match'], '"v1"');
    assert.equal(full['accept-encoding'], 'gzip, deflate, br');
    assert.equal(full['x-forwarded-host'], undefined, 'still no unkeyed poisoning header');
  });
});

describe('Forwarded: withheld()', () => {
  test('names what the full request adds to the fill', () => {
    const forwarded = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT);
    assert.deepEqual(forwarded.withheld().sort(), ['authorization', 'cookie', 'x-roles', 'x-user-id']);
    const fill = forwarded.fillHeaders();
    const full = forwarded.fullHeaders();
    for (const name of forwarded.withheld()) assert.notEqual(fill[name], full[name], name);
  });
  test('no Authorization or token cookie on the request: neither is withheld', () => {
    const forwarded = new Forwarded(verdict({ cookie: 'theme=dark' }), ROUTE, CONTEXT);
    assert.deepEqual(forwarded.withheld().sort(), ['x-roles', 'x-user-id']);
  });
  test('learned fields are no longer withheld', () => {
    const forwarded = new Forwarded(verdict(CLIENT), ROUTE, CONTEXT, learned('K', ['x-user-id', 'x-roles', 'authorization', 'cookie']), 'K');
    assert.deepEqual(forwarded.withheld(), []);
  });
  test('a route without tokens withholds only identity', () => {
    const forwarded = new Forwarded(verdict(CLIENT, { tokenCookie: undefined }), ROUTE, CONTEXT);
    assert.deepEqual(forwarded.withheld().sort(), ['x-roles', 'x-user-id']);
  });
  test('an anonymous request without identity withholds nothing', () => {
    const forwarded = new Forwarded(verdict({ 'accept-language': 'en' }, { access: 'anonymous', identityHeaders: () => [], keyedIdentity: new Set(), credentialed: false }), ROUTE, CONTEXT);
    assert.deepEqual(forwarded.withheld(), []);
    assert.deepEqual(forwarded.fillHeaders(), forwarded.fullHeaders());
  });
});
