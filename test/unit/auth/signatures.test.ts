import assert from 'node:assert/strict';
import { constants, createPublicKey, createSecretKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { signatureValid, type NodeAlgorithm } from '../../../src/auth/signatures.js';

const SECRET = new TextEncoder().encode('a-secret-of-at-least-32-bytes-0123456789');
const KEY = createSecretKey(SECRET);
const HMAC_ALGS: NodeAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const RSA_ALGS: NodeAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const sign = (alg: NodeAlgorithm, key: Uint8Array | typeof rsa.privateKey = alg.startsWith('HS') ? SECRET : rsa.privateKey) =>
  new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg }).setExpirationTime('1h').sign(key);

const withPayload = (token: string, claims: object) => {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
};

test('accepts what jose signs, for each HMAC and RSA algorithm', async () => {
  for (const alg of HMAC_ALGS) assert.equal(signatureValid(await sign(alg), alg, KEY), true, alg);
  for (const alg of RSA_ALGS) assert.equal(signatureValid(await sign(alg), alg, rsa.publicKey), true, alg);
});

test('refuses a token signed with another secret or another RSA key', async () => {
  const other = new TextEncoder().encode('another-secret-of-at-least-32-bytes-xyz!');
  for (const alg of HMAC_ALGS) assert.equal(signatureValid(await sign(alg, other), alg, KEY), false, alg);
  for (const alg of RSA_ALGS) assert.equal(signatureValid(await sign(alg, otherRsa.privateKey), alg, rsa.publicKey), false, alg);
});

test('refuses a changed payload under the original signature', async () => {
  const forged = { sub: 'admin', exp: 9_999_999_999 };
  assert.equal(signatureValid(withPayload(await sign('HS256'), forged), 'HS256', KEY), false);
  assert.equal(signatureValid(withPayload(await sign('RS256'), forged), 'RS256', rsa.publicKey), false);
  assert.equal(signatureValid(withPayload(await sign('PS256'), forged), 'PS256', rsa.publicKey), false);
});

test('refuses a signature checked under another algorithm, shortened or lengthened', async () => {
  assert.equal(signatureValid(await sign('HS512'), 'HS256', KEY), false, 'HS512 signature read as HS256');
  assert.equal(signatureValid(await sign('RS256'), 'PS256', rsa.publicKey), false, 'PKCS#1 v1.5 read as PSS');
  assert.equal(signatureValid(await sign('PS256'), 'RS256', rsa.publicKey), false, 'PSS read as PKCS#1 v1.5');
  assert.equal(signatureValid(await sign('RS512'), 'RS256', rsa.publicKey), false, 'SHA-512 read as SHA-256');
  for (const [alg, key] of [['HS256', KEY], ['RS256', rsa.publicKey]] as const) {
    const token = await sign(alg);
    assert.equal(signatureValid(token.slice(0, -4), alg, key), false, `${alg} truncated`);
    assert.equal(signatureValid(`${token}AAAA`, alg, key), false, `${alg} extended`);
  }
});

test('refuses a PSS signature whose salt is not as long as the hash (RFC 7518 §3.5)', async () => {
  const header = Buffer.from(JSON.stringify({ alg: 'PS256' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: 9_999_999_999 })).toString('base64url');
  const signed = (saltLength: number) =>
    nodeSign('sha256', Buffer.from(`${header}.${payload}`), { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }).toString('base64url');
  assert.equal(signatureValid(`${header}.${payload}.${signed(32)}`, 'PS256', rsa.publicKey), true, 'salt of 32 bytes');
  assert.equal(signatureValid(`${header}.${payload}.${signed(0)}`, 'PS256', rsa.publicKey), false, 'no salt');
  assert.equal(signatureValid(`${header}.${payload}.${signed(64)}`, 'PS256', rsa.publicKey), false, 'salt of 64 bytes');
});

test('algorithm confusion: an HMAC alg never verifies with a public key, an RSA alg never with a secret', async () => {
  // The classic attack: HS256 "signed" with the server's public key as the HMAC secret.
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const confused = await sign('HS256', new TextEncoder().encode(publicPem));
  assert.equal(signatureValid(confused, 'HS256', rsa.publicKey), false);
  assert.equal(signatureValid(confused, 'HS256', createPublicKey(publicPem)), false);
  assert.equal(signatureValid(await sign('RS256'), 'RS256', createSecretKey(Buffer.from(publicPem))), false);
});
