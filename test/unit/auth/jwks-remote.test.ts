// Remote JWKS against a real local HTTP server: new kids picked up on first use, unknown kids fetch at
// most once per cool-down (server hits counted, clock controlled), an unreachable IdP leaves the last
// good keys in use and is reported.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticator.js';
import type { JwksRefreshEvent } from '../../../src/auth/jwks-remote.js';
import { AuthError } from '../../../src/auth/errors.js';
import { rocaPublicKey } from '../../helpers/roca.js';
import { claims, clock, config, sign } from './fixtures.js';

const IDP = 'https://idp.test';
let server: Server;
let url: string;
let hits = 0;
let published: JWK[] = [];

async function rsaKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

before(async () => {
  server = createServer((_request, response) => {
    hits++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

describe('remote JWKS', () => {
  let auth: Authenticator;
  const time = clock();
  const events: JwksRefreshEvent[] = [];
  let first: Awaited<ReturnType<typeof rsaKey>>;
  const token = (key: { kid: string; privateKey: CryptoKey }, sub = 'u') =>
    sign(claims({ iss: IDP, aud: undefined, sub }), 'RS256', key.privateKey, { kid: key.kid });

  before(async () => {
    first = await rsaKey('k1');
    published = [first.jwk];
    hits = 0;
    auth = await createAuthenticator(
      config({ issuers: [{ issuer: IDP, jwksUrl: url, algs: ['RS256'], jwksCooldown: '30s', jwksRefresh: '10m' }] }),
      { now: time.now, hooks: { onJwksRefresh: (event) => events.push(event) } },
    );
  });
  after(() => auth.close());

  test('fetched once at start; its keys verify tokens', async () => {
    assert.equal(hits, 1);
    assert.equal((await auth.decide(await token(first))).ok, true);
    assert.equal(hits, 1);
  });

  test('a new key is picked up on first use of its kid (after the cool-down)', async () => {
    const second = await rsaKey('k2');
    published = [first.jwk, second.jwk];
    time.advance(30_000);
    const decision = await auth.decide(await token(second));
    assert.equal(decision.ok, true);
    assert.equal(hits, 2);
  });

  test('unknown kids fetch at most once per cool-down', async () => {
    const strangers = await Promise.all(['x1', 'x2', 'x3'].map(rsaKey));
    for (const stranger of strangers) {
      const decision = await auth.decide(await token(stranger));
      assert.equal(decision.ok ? 'ok' : decision.reason, 'unknown_key');
    }
    assert.equal(hits, 2, 'still inside the cool-down of the last fetch');
    time.advance(30_000);
    const burst = await Promise.all(strangers.map(async (s) => auth.decide(await token(s, 'other'))));
    assert.ok(burst.every((d) => !d.ok));
    assert.equal(hits, 3, 'one fetch for the whole burst');
  });

  test('the IdP gone: old keys keep working and the failure is reported', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    time.advance(60_000);
    const stranger = await rsaKey('x9');
    const denied = await auth.decide(await token(stranger));
    assert.equal(denied.ok ? 'ok' : denied.reason, 'unknown_key');
    const failure = events.at(-1);
    assert.equal(failure?.ok, false);
    assert.equal(failure?.trigger, 'unknown_kid');
    assert.equal(failure?.keys, 2);
    assert.equal((await auth.decide(await token(first, 'fresh-token'))).ok, true);
  });
});

describe('remote JWKS with keys Bouncer refuses', () => {
  test('a ROCA modulus and a kid named twice are reported and skipped; the other keys are used', async () => {
    const [good, twinA, twinB] = await Promise.all([rsaKey('good'), rsaKey('twin'), rsaKey('twin')]);
    const roca = { ...rocaPublicKey().export({ format: 'jwk' }), kid: 'roca', alg: 'RS256' };
    const local = createServer((_request, response) => response.end(JSON.stringify({ keys: [roca, twinA.jwk, good.jwk, twinB.jwk] })));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const events: JwksRefreshEvent[] = [];
    const auth = await createAuthenticator(
      config({ issuers: [{ issuer: IDP, jwksUrl: `http://127.0.0.1:${(local.address() as AddressInfo).port}/jwks`, algs: ['RS256'] }] }),
      { hooks: { onJwksRefresh: (event) => events.push(event) } },
    );
    try {
      const skipped = events.filter((event) => event.error !== undefined).map((event) => (event.error as Error).message);
      assert.equal(skipped.length, 2);
      assert.match(skipped[0]!, /\(kid roca\): RSA modulus has the ROCA fingerprint/);
      assert.match(skipped[1]!, /keys\[3\] \(kid twin\): kid "twin" is also the kid of .*keys\[1\] \(kid twin\)/);
      assert.equal(events.at(-1)?.keys, 1, 'only the good key is in use');
      const live = { ...claims({ iss: IDP, aud: undefined }), iat: undefined, exp: Math.floor(Date.now() / 1000) + 600 };
      assert.equal((await auth.decide(await sign(live, 'RS256', good.privateKey, { kid: 'good' }))).ok, true);
      const twin = await auth.decide(await sign(live, 'RS256', twinA.privateKey, { kid: 'twin' }));
      assert.equal(twin.ok ? 'ok' : twin.reason, 'unknown_key', 'neither key of the ambiguous kid is used');
    } finally {
      auth.close();
      local.closeAllConnections();
      local.close();
    }
  });
});

describe('remote JWKS schedule', () => {
  test('refetched every jwksRefresh without any token asking', async () => {
    const key = await rsaKey('s1');
    const local = createServer((_request, response) => {
      scheduledHits++;
      response.end(JSON.stringify({ keys: [key.jwk] }));
    });
    let scheduledHits = 0;
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const address = `http://127.0.0.1:${(local.address() as AddressInfo).port}/jwks`;
    const auth = await createAuthenticator(config({ issuers: [{ issuer: IDP, jwksUrl: address, algs: ['RS256'], jwksRefresh: '50ms' }] }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(scheduledHits >= 3, `hits: ${scheduledHits}`); // the start fetch and at least two scheduled ones
      auth.close();
      const afterClose = scheduledHits;
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(scheduledHits, afterClose, 'close() stops the schedule');
    } finally {
      auth.close();
      local.closeAllConnections();
      local.close();
    }
  });
});

describe('remote JWKS start-up', () => {
  test('an unreachable JWKS at start is a start-up error with a stable code', async () => {
    await assert.rejects(
      createAuthenticator(config({ issuers: [{ issuer: IDP, jwksUrl: 'http://127.0.0.1:1/jwks', algs: ['RS256'] }] })),
      (error: unknown) => error instanceof AuthError && error.code === 'BOUNCER_JWKS_UNAVAILABLE',
    );
  });
});
