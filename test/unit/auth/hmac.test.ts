import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { hmacSignatureValid, type HmacAlgorithm } from '../../../src/auth/hmac.js';

const SECRET = new TextEncoder().encode('a-secret-of-at-least-32-bytes-0123456789');
const KEY = createSecretKey(SECRET);
const ALGS: HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];

const sign = (alg: HmacAlgorithm, secret = SECRET) => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg }).setExpirationTime('1h').sign(secret);

test('accepts what jose signs, for each HMAC algorithm', async () => {
  for (const alg of ALGS) assert.equal(hmacSignatureValid(await sign(alg), alg, KEY), true, alg);
});

test('refuses a token signed with another secret', async () => {
  const other = new TextEncoder().encode('another-secret-of-at-least-32-bytes-xyz!');
  for (const alg of ALGS) assert.equal(hmacSignatureValid(await sign(alg, other), alg, KEY), false, alg);
});

test('refuses a changed payload under the original signature', async () => {
  const [header, , signature] = (await sign('HS256')).split('.');
  const payload = Buffer.from(JSON.stringify({ sub: 'admin', exp: 9_999_999_999 })).toString('base64url');
  assert.equal(hmacSignatureValid(`${header}.${payload}.${signature}`, 'HS256', KEY), false);
});

test('refuses a signature checked under another HMAC algorithm, shortened or lengthened', async () => {
  const hs512 = await sign('HS512');
  assert.equal(hmacSignatureValid(hs512, 'HS256', KEY), false, 'HS512 signature read as HS256');
  const hs256 = await sign('HS256');
  assert.equal(hmacSignatureValid(hs256.slice(0, -4), 'HS256', KEY), false, 'truncated');
  assert.equal(hmacSignatureValid(`${hs256}AAAA`, 'HS256', KEY), false, 'extended');
});
