// Start-up refusals: each names the config key path and carries the stable code.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { createAuthenticator } from '../../../src/auth/authenticator.js';
import { AuthError } from '../../../src/auth/errors.js';
import { rocaPublicKey } from '../../helpers/roca.js';
import { HS_SECRET, NOW, claims, config, jwksFileFor, pairFor, sign, writeTmp } from './fixtures.js';

const good = { secret: HS_SECRET, alg: 'HS256' };

async function refused(keys: Record<string, unknown>[], message: RegExp, env: Record<string, string> = {}) {
  await assert.rejects(createAuthenticator(config({ keys }), { env }), (error: unknown) => {
    assert.ok(error instanceof AuthError, String(error));
    assert.equal(error.code, 'BOUNCER_KEY_INVALID');
    assert.match(error.message, message);
    return true;
  });
}

describe('key loading refuses weak or confused keys at start-up', () => {
  test('an RSA key under 2048 bits, naming its path', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const file = writeTmp('rsa1024.pem', publicKey.export({ type: 'spki', format: 'pem' }) as string);
    await refused([good, { publicKeyFile: file, alg: 'RS256' }], /^jwt\.keys\[1\]: RSA key is 1024 bits, at least 2048 required$/);
  });
  test('an HMAC secret for an asymmetric algorithm', async () => {
    await refused([{ secret: HS_SECRET, algs: ['HS256', 'RS256'] }], /^jwt\.keys\[0\]: an HMAC secret cannot verify RS256/);
  });
  test('a public key for HS256 (never an HMAC check with a public key)', async () => {
    const { pemFile } = await pairFor('RS256', 'keys-rsa');
    await refused([{ publicKeyFile: pemFile, alg: 'HS256' }], /^jwt\.keys\[0\]: an RSA key cannot verify HS256/);
  });
  test('an EC key for the alg of another curve, and EC for RS256', async () => {
    const { pemFile } = await pairFor('ES256', 'keys-ec');
    await refused([{ publicKeyFile: pemFile, alg: 'ES384' }], /cannot verify ES384/);
    await refused([{ publicKeyFile: pemFile, algs: ['ES256', 'RS256'] }], /cannot verify RS256/);
  });
  test('a short HMAC secret', async () => {
    await refused([{ secret: 'short', alg: 'HS256' }], /^jwt\.keys\[0\]: HMAC secret is 5 bytes, at least 32 required for HS256$/);
  });
  test('an HMAC secret shorter than the hash of its algorithm (RFC 7518 §3.2), from every source', async () => {
    await refused([{ secret: 'x'.repeat(47), alg: 'HS384' }], /^jwt\.keys\[0\]: HMAC secret is 47 bytes, at least 48 required for HS384$/);
    await refused([good, { secretEnv: 'HS512_SECRET', alg: 'HS512' }], /^jwt\.keys\[1\]: HMAC secret is 63 bytes, at least 64 required for HS512$/, {
      HS512_SECRET: 'y'.repeat(63),
    });
    await refused([{ secretFile: writeTmp('hs384.secret', `${'z'.repeat(40)}\n`), alg: 'HS384' }], /40 bytes, at least 48 required for HS384/);
    const jwks = writeTmp('short-oct.jwks.json', JSON.stringify({ keys: [{ kty: 'oct', k: Buffer.alloc(63, 1).toString('base64url'), alg: 'HS512', kid: 'o' }] }));
    await refused([{ jwksFile: jwks }], /\(kid o\): HMAC secret is 63 bytes, at least 64 required for HS512$/);
    (await createAuthenticator(config({ keys: [{ secret: 'x'.repeat(48), alg: 'HS384' }, { secret: 'y'.repeat(64), alg: 'HS512', kid: 'b' }] }))).close();
  });
  test('a secret allowed several HS algorithms needs the longest of their hashes', async () => {
    await refused([{ secret: 'x'.repeat(48), algs: ['HS256', 'HS512', 'HS384'] }], /48 bytes, at least 64 required for HS512$/);
  });
  test('a ROCA-vulnerable RSA modulus (CVE-2017-15361), as PEM and in a JWKS file', async () => {
    const roca = rocaPublicKey();
    const pem = writeTmp('roca.pem', roca.export({ type: 'spki', format: 'pem' }) as string);
    await refused([good, { publicKeyFile: pem, alg: 'RS256' }], /^jwt\.keys\[1\]: RSA modulus has the ROCA fingerprint \(CVE-2017-15361\)/);
    const jwks = writeTmp('roca.jwks.json', JSON.stringify({ keys: [{ ...roca.export({ format: 'jwk' }), kid: 'r', alg: 'RS256' }] }));
    await refused([{ jwksFile: jwks }], /\(kid r\): RSA modulus has the ROCA fingerprint/);
  });
  test('two keys naming one kid, in the list and within one JWKS file', async () => {
    const { pemFile } = await pairFor('RS256', 'keys-dup');
    await refused(
      [{ ...good, kid: 'a' }, { publicKeyFile: pemFile, alg: 'RS256', kid: 'b' }, { publicKeyFile: pemFile, alg: 'RS256', kid: 'a' }],
      /^jwt\.keys\[2\]: kid "a" is also the kid of jwt\.keys\[0\]$/,
    );
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const file = await jwksFileFor('dup.jwks.json', [{ publicKey, kid: 'k', alg: 'RS256' }, { publicKey, kid: 'k', alg: 'RS256' }]);
    await refused([{ jwksFile: file }], /keys\[1\] \(kid k\): kid "k" is also the kid of .*keys\[0\] \(kid k\)$/);
    await refused([{ jwksFile: await jwksFileFor('one.jwks.json', [{ publicKey, kid: 'a', alg: 'RS256' }]) }, { ...good, kid: 'a' }], /^jwt\.keys\[1\]: kid "a" is also the kid of/);
  });
  test('kid-less keys and one kid in two key sets are not duplicates', async () => {
    const { pemFile } = await pairFor('RS256', 'keys-kidless');
    const auth = await createAuthenticator(
      config({
        keys: [good, { publicKeyFile: pemFile, alg: 'RS256' }, { ...good, kid: 'same' }],
        issuers: [{ issuer: 'https://other.test', keys: [{ ...good, kid: 'same' }] }],
      }),
    );
    auth.close();
  });
  test('a missing environment variable and an unreadable file', async () => {
    await refused([{ secretEnv: 'BOUNCER_NOT_SET', alg: 'HS256' }], /^jwt\.keys\[0\]: environment variable BOUNCER_NOT_SET is not set$/);
    await refused([{ secretFile: '/nonexistent/secret', alg: 'HS256' }], /^jwt\.keys\[0\]: cannot read \/nonexistent\/secret \(ENOENT\)$/);
    await refused([{ publicKeyFile: writeTmp('not.pem', 'hello'), alg: 'RS256' }], /is not a PEM public key/);
  });
  test('a JWKS file: no usable key, a JWK without alg when none is configured, a 1024-bit JWK', async () => {
    await refused([{ jwksFile: writeTmp('empty.jwks.json', '{"keys":[]}') }], /holds no signature key/);
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    await refused([{ jwksFile: await jwksFileFor('noalg.jwks.json', [{ publicKey, kid: 'a' }]) }], /\(kid a\): JWK names no alg/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    await refused([{ jwksFile: writeTmp('weak.jwks.json', JSON.stringify({ keys: [{ ...weak, kid: 'w', alg: 'RS256' }] })) }], /RSA key is 1024 bits/);
  });
  test('a JWK without alg takes the configured algs of its type; enc keys are skipped', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const file = writeTmp('mixed.jwks.json', JSON.stringify({ keys: [{ ...jwk, kid: 's' }, { ...jwk, kid: 'e', use: 'enc' }] }));
    const gateway = await createAuthenticator(config({ keys: [{ jwksFile: file, algs: ['RS256', 'ES256'] }] }), { now: () => NOW });
    assert.equal((await gateway.decide(await sign(claims(), 'RS256', privateKey, { kid: 's' }))).ok, true);
    const denied = await gateway.decide(await sign(claims(), 'RS256', privateKey, { kid: 'e' }));
    assert.equal(denied.ok ? 'accepted' : denied.reason, 'unknown_key');
    gateway.close();
  });
  test('an Ed25519 PEM key loads', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const file = writeTmp('ed.pem', await exportSPKI(publicKey));
    (await createAuthenticator(config({ keys: [{ publicKeyFile: file, alg: 'EdDSA' }] }))).close();
  });
});

describe('jwt config schema', () => {
  test('needs keys or issuers, and one key source per issuer', () => {
    assert.throws(() => config({}), /at least one key/);
    assert.throws(() => config({ issuers: [{ issuer: 'a' }] }), /exactly one of keys, jwksFile, jwksUrl/);
    assert.throws(() => config({ issuers: [{ issuer: 'a', jwksUrl: 'http://x/', jwksFile: 'f' }] }), /exactly one of/);
    assert.throws(() => config({ issuers: [{ issuer: 'a', jwksUrl: 'http://x/' }, { issuer: 'a', jwksUrl: 'http://y/' }] }), /listed twice/);
    assert.throws(() => config({ keys: [good], surprise: 1 }));
    const parsed = config({ issuers: [{ issuer: 'a', jwksUrl: 'https://idp/jwks', jwksCooldown: '10s' }] });
    assert.equal(parsed.issuers[0]?.jwksCooldown, 10_000);
    assert.equal(parsed.issuers[0]?.jwksRefresh, 600_000);
  });
  test('flood behind a proxy: clientHeader and trustedProxies; decisions.maxBytes is a size', () => {
    const parsed = config({ keys: [good], flood: { clientHeader: 'X-Real-IP', trustedProxies: ['127.0.0.1/8', '10.0.0.7', 'fd00::/8'] }, decisions: { maxBytes: '64MiB' } });
    assert.equal(parsed.flood?.clientHeader, 'x-real-ip');
    assert.deepEqual(parsed.flood?.trustedProxies, [{ address: '127.0.0.1', prefix: 8 }, { address: '10.0.0.7', prefix: 32 }, { address: 'fd00::', prefix: 8 }]);
    assert.equal(parsed.decisions.maxBytes, 64 * 1024 * 1024);
    assert.equal(config({ keys: [good] }).decisions.maxBytes, 128 * 1024 * 1024);
    assert.deepEqual(config({ keys: [good], flood: {} }).flood?.trustedProxies, [], 'none trusted by default');
    assert.throws(() => config({ keys: [good], flood: { clientHeader: 'Forwarded' } }), /must be X-Forwarded-For or X-Real-IP/);
    for (const bad of ['127.0.0.1/33', 'fd00::/129', 'localhost', '10.0.0.0/8/1', '10.0.0.0/x']) {
      assert.throws(() => config({ keys: [good], flood: { trustedProxies: [bad] } }), /is not an IP address or CIDR block/, bad);
    }
  });
});
