// The multi-issuer form: the unverified iss only picks the key set; each issuer's audience, leeway and
// typ apply; a token cannot borrow another issuer's keys.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticator.js';
import type { Decision } from '../../../src/auth/types.js';
import { HS_SECRET, NOW, claims, config, jwksFileFor, pairFor, sign, type AsymmetricPair } from './fixtures.js';

const A = 'https://a.test';
const B = 'https://b.test';
const secret = new TextEncoder().encode(HS_SECRET);
let auth: Authenticator;
let withFallback: Authenticator;
let rsa: AsymmetricPair;

const outcome = (decision: Decision) => (decision.ok ? 'ok' : decision.reason);

before(async () => {
  rsa = await pairFor('RS256', 'issuer-b');
  const issuers = [
    { issuer: A, keys: [{ secret: HS_SECRET, alg: 'HS256' }], audience: 'api-a' },
    { issuer: B, jwksFile: await jwksFileFor('b.jwks.json', [{ publicKey: rsa.publicKey, kid: 'b1' }]), algs: ['RS256'], typ: 'at+jwt' },
  ];
  auth = await createAuthenticator(config({ issuers }), { now: () => NOW });
  withFallback = await createAuthenticator(
    config({ issuers, keys: [{ secret: 'f'.repeat(32), alg: 'HS256' }], issuer: 'https://legacy.test' }),
    { now: () => NOW },
  );
});

describe('issuers', () => {
  test('each issuer verifies its own tokens with its own rules', async () => {
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: A, aud: 'api-a' }), 'HS256', secret))), 'ok');
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: B }), 'RS256', rsa.privateKey, { kid: 'b1', typ: 'application/AT+JWT' }))), 'ok');
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: A }), 'HS256', secret))), 'wrong_audience');
  });
  test('the typ an issuer requires', async () => {
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: B }), 'RS256', rsa.privateKey, { kid: 'b1' }))), 'wrong_type');
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: B }), 'RS256', rsa.privateKey, { kid: 'b1', typ: 'JWT' }))), 'wrong_type');
  });
  test("a token cannot borrow another issuer's keys", async () => {
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: A, aud: 'api-a' }), 'RS256', rsa.privateKey, { kid: 'b1', typ: 'at+jwt' }))), 'alg_not_allowed');
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: B }), 'HS256', secret, { typ: 'at+jwt' }))), 'alg_not_allowed');
  });
  test('an unlisted or missing iss is refused unless top-level keys exist, which then check jwt.issuer', async () => {
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: 'https://c.test' }), 'HS256', secret))), 'wrong_issuer');
    assert.equal(outcome(await auth.decide(await sign(claims({ iss: undefined }), 'HS256', secret))), 'wrong_issuer');
    const legacy = new TextEncoder().encode('f'.repeat(32));
    assert.equal(outcome(await withFallback.decide(await sign(claims({ iss: 'https://legacy.test' }), 'HS256', legacy))), 'ok');
    assert.equal(outcome(await withFallback.decide(await sign(claims({ iss: 'https://c.test' }), 'HS256', legacy))), 'wrong_issuer');
  });
});
