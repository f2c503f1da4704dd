// Regression: withheld() decided whether a fill left the cookie out by comparing the fill's Cookie
// with the client's, but the fill's is rebuilt with "; " separators: a client sending "a=1;b=2"
// (no space, no token cookie) was told its cookie was withheld. An answer with Vary: Cookie then
// made the key learn "cookie" and repeat the fill, and from then on every fill of that key carried
// its client's token cookie; an answer not storable was fetched a second time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Forwarded } from '../../../src/cache/forwarded.js';
import type { HeaderMap } from '../../../src/http/exchange.js';
import type { Allowed } from '../../../src/http/verdict.js';
import { request, rule } from './fixtures.js';

function forwarded(headers: HeaderMap): Forwarded {
  const verdict: Allowed = {
    kind: 'allowed', request: request(headers), route: 0, path: '/p', query: '', access: 'anonymous', partition: '', credentialed: false,
    tokenCookie: 'token', credential: undefined, identityHeaders: () => [], keyedIdentity: new Set(), claims: undefined, expiresAt: Infinity, reason: '',
  };
  return new Forwarded(verdict, { ...rule(), enabled: true, keyHeaders: [], compose: false }, { originHost: 'origin.test', reserved: new Set() });
}

test('a cookie without the token cookie is not withheld, however its pairs are separated', () => {
  for (const cookie of ['a=1;b=2', 'a=1;  b=2', 'a=1; b=2', ['a=1', 'b=2'], 'a=1; ', 'tokens=1;my_token=2']) {
    assert.deepEqual(forwarded({ cookie }).withheld(), [], JSON.stringify(cookie));
  }
});

test('a cookie carrying the token cookie is withheld, however it is spelled', () => {
  for (const cookie of ['a=1;token=x', 'token=x', ' token = x ; a=1', ['a=1', 'token=x'], 'token']) {
    assert.deepEqual(forwarded({ cookie }).withheld(), ['cookie'], JSON.stringify(cookie));
  }
});
