// Header hygiene between client, Bouncer and origin, in its two views: the header object sent
// (forwardRequestHeaders) and one field's value as the origin sees it (forwardedValue, what Vary is
// matched against). They must agree for every field: hop-by-hop (RFC 9110 §7.6.1) and
// Connection-named fields dropped, unkeyed poisoning headers dropped unless keyed, reserved identity
// headers only from Bouncer, conditionals dropped for cache fills, Accept-Encoding normalised,
// X-Forwarded-For appended, Cookie lines joined with "; ".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HeaderMap } from '../../../src/http/exchange.js';
import { UNKEYED_REQUEST_HEADERS } from '../../../src/upstream/header-names.js';
import { forwardedValue, forwardRequestHeaders, responseHeaderList, type ForwardOptions } from '../../../src/upstream/headers.js';

const options = (overrides: Partial<ForwardOptions> = {}): ForwardOptions => ({
  reserved: new Set(['x-user-id', 'x-tenant']),
  keyed: [],
  identity: [],
  host: 'origin.test',
  clientAddress: '192.0.2.1',
  secure: false,
  forCache: false,
  ...overrides,
});

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'expect', 'http2-settings'];
const CONDITIONAL = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'];

/** A sent value as one string: list lines joined with ", " (RFC 9110 §5.3); Cookie is always one line. */
function sentValue(sent: Record<string, string | string[]>, name: string): string | undefined {
  const value = sent[name];
  if (name === 'cookie') assert.ok(value === undefined || typeof value === 'string', 'Cookie is sent as one field');
  return Array.isArray(value) ? value.join(', ') : value;
}

function assertAgree(headers: HeaderMap, opts: ForwardOptions, extraNames: readonly string[] = []): void {
  const sent = forwardRequestHeaders(headers, opts);
  const names = new Set([...Object.keys(headers), ...Object.keys(sent), ...extraNames, 'host', 'x-forwarded-for', 'x-forwarded-proto', 'cookie']);
  for (const name of names) assert.equal(forwardedValue(headers, name, opts), sentValue(sent, name), name);
}

describe('forwardRequestHeaders', () => {
  test('hop-by-hop fields never cross', () => {
    const headers = Object.fromEntries(HOP_BY_HOP.map((name) => [name, 'x']));
    const sent = forwardRequestHeaders({ ...headers, accept: 'text/html' }, options());
    for (const name of HOP_BY_HOP) assert.equal(sent[name], undefined, name);
    assert.equal(sent.accept, 'text/html');
  });
  test('fields named in Connection are hop-by-hop too (any case, several lines)', () => {
    const sent = forwardRequestHeaders({ connection: ['X-Secret, keep-alive', ' x-other '], 'x-secret': '1', 'x-other': '2', 'x-kept': '3' }, options());
    assert.equal(sent['x-secret'], undefined);
    assert.equal(sent['x-other'], undefined);
    assert.equal(sent['x-kept'], '3');
  });
  test('unkeyed headers that change what an origin generates are removed, unless the route keys on them', () => {
    const headers = Object.fromEntries([...UNKEYED_REQUEST_HEADERS].map((name) => [name, 'evil.test']));
    const sent = forwardRequestHeaders(headers, options());
    for (const name of UNKEYED_REQUEST_HEADERS) assert.equal(sent[name], undefined, name);
    const keyed = forwardRequestHeaders(headers, options({ keyed: ['x-forwarded-host'] }));
    assert.equal(keyed['x-forwarded-host'], 'evil.test');
    assert.equal(keyed['x-original-url'], undefined);
  });
  test("reserved identity headers come only from Bouncer: the client's copies are dropped, Bouncer's set", () => {
    const sent = forwardRequestHeaders({ 'x-user-id': 'admin', 'x-tenant': 'forged' }, options({ identity: [['x-user-id', 'u-1']] }));
    assert.equal(sent['x-user-id'], 'u-1');
    assert.equal(sent['x-tenant'], undefined);
  });
  test('Host is the upstream authority; X-Forwarded-For appended to; X-Forwarded-Proto set', () => {
    const sent = forwardRequestHeaders({ host: 'public.test', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }, options());
    assert.equal(sent.host, 'origin.test');
    assert.equal(sent['x-forwarded-for'], '203.0.113.9, 192.0.2.1');
    assert.equal(sent['x-forwarded-proto'], 'http');
    assert.equal(forwardRequestHeaders({}, options({ secure: true }))['x-forwarded-proto'], 'https');
    assert.equal(forwardRequestHeaders({}, options())['x-forwarded-for'], '192.0.2.1');
    assert.equal(forwardRequestHeaders({ 'x-forwarded-for': ['a', 'b'] }, options())['x-forwarded-for'], 'a, b, 192.0.2.1');
  });
  test('conditionals and Range are dropped from cache fills only', () => {
    const headers = Object.fromEntries(CONDITIONAL.map((name) => [name, 'v']));
    const fill = forwardRequestHeaders(headers, options({ forCache: true }));
    for (const name of CONDITIONAL) assert.equal(fill[name], undefined, name);
    const full = forwardRequestHeaders(headers, options());
    for (const name of CONDITIONAL) assert.equal(full[name], 'v', name);
  });
  test('a fill asks for exactly the coding its variant is keyed by; identity means no Accept-Encoding', () => {
    assert.equal(forwardRequestHeaders({ 'accept-encoding': 'gzip, deflate, br' }, options({ forCache: true }))['accept-encoding'], 'br');
    assert.equal(forwardRequestHeaders({ 'accept-encoding': ['deflate', 'gzip'] }, options({ forCache: true }))['accept-encoding'], 'gzip');
    assert.equal(forwardRequestHeaders({ 'accept-encoding': 'deflate' }, options({ forCache: true }))['accept-encoding'], undefined);
    assert.equal(forwardRequestHeaders({ 'accept-encoding': 'gzip, deflate, br' }, options())['accept-encoding'], 'gzip, deflate, br', 'a full request keeps it');
  });
  test('a shared fill withholds Authorization and the token cookie, when asked', () => {
    const headers = { authorization: 'Bearer a.b.c', cookie: 'theme=dark; token=a.b.c; lang=en' };
    const fill = forwardRequestHeaders(headers, options({ forCache: true, withholdAuthorization: true, withholdCookie: 'token' }));
    assert.equal(fill.authorization, undefined);
    assert.equal(fill.cookie, 'theme=dark; lang=en');
    const full = forwardRequestHeaders(headers, options());
    assert.equal(full.authorization, 'Bearer a.b.c');
    assert.equal(full.cookie, 'theme=dark; token=a.b.c; lang=en');
  });
  test('only the named cookie is withheld; nothing left means no Cookie', () => {
    const withhold = (cookie: string | string[]) => forwardRequestHeaders({ cookie }, options({ withholdCookie: 'token' })).cookie;
    assert.equal(withhold('token=x'), undefined);
    assert.equal(withhold(['token=x', ' token=y']), undefined);
    assert.equal(withhold('tokens=1; my_token=2; token'), 'tokens=1; my_token=2');
    assert.equal(withhold('a=1;token=x;b=2'), 'a=1; b=2');
    assert.equal(withhold(' ; '), undefined);
  });
  test('other fields travel as they came, repeated lines included', () => {
    const sent = forwardRequestHeaders({ accept: ['text/html', 'application/json'], 'x-app': 'v', 'user-agent': 'ua' }, options());
    assert.deepEqual(sent.accept, ['text/html', 'application/json']);
    assert.equal(sent['x-app'], 'v');
    assert.equal(sent['user-agent'], 'ua');
  });
});

describe('forwardedValue agrees with forwardRequestHeaders', () => {
  test('on hand-picked cases', () => {
    const headers: HeaderMap = {
      host: 'public.test',
      connection: 'x-hop',
      'x-hop': '1',
      'x-forwarded-host': 'evil.test',
      'x-user-id': 'forged',
      'if-none-match': '"a"',
      'accept-encoding': 'gzip, br',
      cookie: ['a=1', 'token=t'],
      authorization: 'Bearer t',
      accept: ['a', 'b'],
      te: 'trailers',
    };
    for (const forCache of [false, true]) {
      for (const withhold of [false, true]) {
        assertAgree(headers, options({ forCache, identity: [['x-user-id', 'u-1']], withholdAuthorization: withhold, withholdCookie: withhold ? 'token' : undefined }), ['x-user-id', 'x-tenant']);
      }
    }
  });
  test('for every field of random requests under random options', () => {
    const NAMES = [...HOP_BY_HOP, ...CONDITIONAL, ...UNKEYED_REQUEST_HEADERS, 'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-user-id', 'x-tenant', 'accept-encoding', 'cookie', 'authorization', 'accept', 'x-app', 'x-named'];
    const token = fc.constantFrom('a', 'b=1', 'token=t', 'gzip', 'br;q=0', 'x-named', 'X-App', 'keep-alive', ' ', '', 'token', 'deflate, br');
    const value = fc.oneof(token, fc.array(token, { minLength: 1, maxLength: 3 }));
    const headers = fc.dictionary(fc.constantFrom(...NAMES), fc.option(value, { nil: undefined }), { maxKeys: 12 });
    const opts = fc.record({
      keyed: fc.subarray([...UNKEYED_REQUEST_HEADERS]),
      identity: fc.uniqueArray(fc.tuple(fc.constantFrom('x-user-id', 'x-tenant'), fc.constantFrom('u-1', 'acme')), { selector: ([name]) => name }),
      secure: fc.boolean(),
      forCache: fc.boolean(),
      withholdAuthorization: fc.boolean(),
      withholdCookie: fc.constantFrom(undefined, 'token', 'b'),
    });
    fc.assert(
      fc.property(headers, opts, (h, o) => {
        assertAgree(h as HeaderMap, options(o as Partial<ForwardOptions>), NAMES);
      }),
      { numRuns: 500 },
    );
  });
});

describe('responseHeaderList', () => {
  test('a flat list without hop-by-hop or Connection-named fields; Set-Cookie lines kept apart', () => {
    const list = responseHeaderList({ connection: 'x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], etag: '"x"', 'content-length': '5', gone: undefined }, { dropLength: false });
    assert.deepEqual(list, ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'etag', '"x"', 'content-length', '5']);
  });
  test('drops Content-Length and the named fields when asked', () => {
    assert.deepEqual(responseHeaderList({ 'content-length': '5', a: '1', b: '2' }, { dropLength: true, drop: new Set(['b']) }), ['a', '1']);
  });
});
