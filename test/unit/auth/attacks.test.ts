// Known attacks on JWT verifiers, each a forged or bent token that must be denied with the expected
// reason; and a valid token for every supported algorithm, which must be accepted.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { exportJWK, exportSPKI } from 'jose';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticator.js';
import type { Decision, DenyReason } from '../../../src/auth/types.js';
import {
  ASYMMETRIC, AUDIENCE, attackerKey, HS_SECRET, ISSUER, NOW, b64, claims, config, hmacRaw, jwksFileFor, pairFor, sign, signText,
  writeTmp, type AsymmetricPair,
} from './fixtures.js';

const now = () => NOW;
const base = { issuer: ISSUER, audience: AUDIENCE };
const SECONDS = NOW / 1000;

async function decide(gateway: Authenticator, token: string): Promise<Decision> {
  return gateway.decide(token);
}

async function assertDenied(gateway: Authenticator, token: string, reason: DenyReason, label: string) {
  const decision = await decide(gateway, token);
  assert.equal(decision.ok, false, `${label}: accepted`);
  assert.equal(decision.ok ? undefined : decision.reason, reason, label);
}

let rsa: AsymmetricPair; // the gateway's RS256 key
let otherRsa: AsymmetricPair; // same type, not configured
let ec: AsymmetricPair;
let rs: Authenticator; // RS256 only, kid-less key
let hs: Authenticator; // HS256 only
let es: Authenticator; // ES256 only
let kidded: Authenticator; // RS256 "rsa-1" and HS256 "hs-1"
const secret = new TextEncoder().encode(HS_SECRET);

before(async () => {
  [rsa, otherRsa, ec] = await Promise.all([pairFor('RS256', 'gw-rsa'), pairFor('RS256', 'other-rsa'), pairFor('ES256', 'gw-ec')]);
  rs = await createAuthenticator(config({ ...base, keys: [{ publicKeyFile: rsa.pemFile, alg: 'RS256' }] }), { now });
  hs = await createAuthenticator(config({ ...base, keys: [{ secret: HS_SECRET, alg: 'HS256' }] }), { now });
  es = await createAuthenticator(config({ ...base, keys: [{ publicKeyFile: ec.pemFile, alg: 'ES256' }] }), { now });
  kidded = await createAuthenticator(
    config({
      ...base,
      keys: [
        { publicKeyFile: rsa.pemFile, alg: 'RS256', kid: 'rsa-1' },
        { secret: HS_SECRET, alg: 'HS256', kid: 'hs-1' },
      ],
    }),
    { now },
  );
});

const unsigned = (header: object, payload: object, signature: string) =>
  `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${signature}`;
const rsToken = (payload = claims(), header: Record<string, unknown> = {}) => sign(payload, 'RS256', rsa.privateKey, header);
const payloadText = (extra: string) => `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u"${extra}}`;

type Gateway = 'rs' | 'hs' | 'es' | 'kidded';
interface Case {
  readonly name: string;
  readonly gateway: Gateway;
  readonly token: () => Promise<string> | string;
  readonly reason: DenyReason;
}

const cases: Case[] = [
  ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Case[] => [
    { name: `alg ${alg}, empty signature`, gateway: 'rs', token: () => unsigned({ alg }, claims(), ''), reason: 'malformed' },
    { name: `alg ${alg}, non-empty signature`, gateway: 'rs', token: () => unsigned({ alg }, claims(), 'AAAA'), reason: 'alg_not_allowed' },
    { name: `alg ${alg} on the HMAC gateway`, gateway: 'hs', token: () => unsigned({ alg, typ: 'JWT' }, claims(), 'AAAA'), reason: 'alg_not_allowed' },
  ]),
  {
    name: 'HS256 signed with the RSA public key PEM text, RS256 gateway',
    gateway: 'rs',
    token: async () => hmacRaw('{"alg":"HS256"}', JSON.stringify(claims()), await exportSPKI(rsa.publicKey)),
    reason: 'alg_not_allowed',
  },
  {
    name: 'HS256 signed with the RSA public key as JWK JSON text, RS256 gateway',
    gateway: 'rs',
    token: async () => hmacRaw('{"alg":"HS256"}', JSON.stringify(claims()), JSON.stringify(await exportJWK(rsa.publicKey))),
    reason: 'alg_not_allowed',
  },
  {
    name: 'HS256 naming the RSA key\'s kid, signed with its PEM (kid binds the key to RS256)',
    gateway: 'kidded',
    token: async () => hmacRaw('{"alg":"HS256","kid":"rsa-1"}', JSON.stringify(claims()), await exportSPKI(rsa.publicKey)),
    reason: 'unknown_key',
  },
  {
    name: 'ECDSA signature of all zeros (r = s = 0)',
    gateway: 'es',
    token: () => unsigned({ alg: 'ES256' }, claims(), b64(new Uint8Array(64))),
    reason: 'bad_signature',
  },
  {
    name: 'signature taken from another valid token',
    gateway: 'rs',
    token: async () => {
      const [a, b] = await Promise.all([rsToken(claims({ sub: 'a' })), rsToken(claims({ sub: 'admin' }))]);
      return `${b.split('.').slice(0, 2).join('.')}.${a.split('.')[2]}`;
    },
    reason: 'bad_signature',
  },
  {
    name: 'payload changed after signing',
    gateway: 'rs',
    token: async () => {
      const [header, , signature] = (await rsToken()).split('.');
      return `${header}.${b64(JSON.stringify(claims({ sub: 'admin' })))}.${signature}`;
    },
    reason: 'bad_signature',
  },
  ...['../../etc/passwd', "' OR 1=1 --", '\u0000', 'rsa-1\u0000', 'RSA-1', ' rsa-1'].map((kid): Case => ({
    name: `kid ${JSON.stringify(kid)}`,
    gateway: 'kidded',
    token: () => rsToken(claims(), { kid }),
    reason: 'unknown_key',
  })),
  { name: 'kid on a kid-less gateway', gateway: 'rs', token: () => rsToken(claims(), { kid: '../../etc/passwd' }), reason: 'unknown_key' },
  ...(['jku', 'x5u', 'jwk', 'x5c'] as const).flatMap((member): Case[] =>
    (['rs', 'kidded'] as const).map((gateway) => ({
      name: `${member} pointing at / embedding the attacker's key (${gateway})`,
      gateway,
      token: async () => {
        const { privateKey, value } = await attackerKey(member);
        return sign(claims(), 'RS256', privateKey, { [member]: value, ...(gateway === 'kidded' && { kid: 'rsa-1' }) });
      },
      reason: 'bad_signature',
    })),
  ),
  { name: 'unknown crit', gateway: 'hs', token: () => hmacRaw('{"alg":"HS256","crit":["urn:x"],"urn:x":1}', JSON.stringify(claims())), reason: 'malformed' },
  { name: 'b64: false', gateway: 'hs', token: () => hmacRaw('{"alg":"HS256","b64":false,"crit":["b64"]}', JSON.stringify(claims())), reason: 'malformed' },
  { name: 'b64: false without crit', gateway: 'hs', token: () => hmacRaw('{"alg":"HS256","b64":false}', JSON.stringify(claims())), reason: 'malformed' },
  {
    name: 'JWE (five parts)',
    gateway: 'rs',
    token: () => `${b64('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.AAAA.AAAA.AAAA.AAAA`,
    reason: 'malformed',
  },
  { name: 'wrong key of the right type', gateway: 'rs', token: () => sign(claims(), 'RS256', otherRsa.privateKey), reason: 'bad_signature' },
  { name: 'RS256 token on the HMAC gateway', gateway: 'hs', token: () => rsToken(), reason: 'alg_not_allowed' },
  { name: 'expired', gateway: 'rs', token: () => rsToken(claims({ iat: SECONDS - 7200, exp: SECONDS - 3600 })), reason: 'expired' },
  { name: 'not yet valid', gateway: 'rs', token: () => rsToken(claims({ nbf: SECONDS + 3600 })), reason: 'not_yet_valid' },
  { name: 'wrong issuer', gateway: 'rs', token: () => rsToken(claims({ iss: 'https://attacker.test' })), reason: 'wrong_issuer' },
  { name: 'wrong audience', gateway: 'rs', token: () => rsToken(claims({ aud: 'someone-else' })), reason: 'wrong_audience' },
  { name: 'missing exp', gateway: 'rs', token: () => rsToken(claims({ exp: undefined })), reason: 'missing_exp' },
  { name: 'exp as a string', gateway: 'rs', token: () => signText(payloadText(`,"exp":"${SECONDS + 600}"`), 'RS256', rsa.privateKey), reason: 'invalid_claims' },
  { name: 'exp = 1e309 (Infinity)', gateway: 'rs', token: () => signText(payloadText(',"exp":1e309'), 'RS256', rsa.privateKey), reason: 'invalid_claims' },
  { name: 'exp beyond year 9999', gateway: 'rs', token: () => signText(payloadText(',"exp":1e15'), 'RS256', rsa.privateKey), reason: 'invalid_claims' },
  // RSA is checked by our own code (signatures.ts), so RS256 meets the same range check as HS256
  { name: 'exp negative', gateway: 'rs', token: () => signText(payloadText(',"exp":-1'), 'RS256', rsa.privateKey), reason: 'invalid_claims' },
  { name: 'nbf as a string', gateway: 'rs', token: () => signText(payloadText(`,"exp":${SECONDS + 600},"nbf":"0"`), 'RS256', rsa.privateKey), reason: 'invalid_claims' },
  { name: 'iat far in the future', gateway: 'rs', token: () => rsToken(claims({ iat: SECONDS + 3600 })), reason: 'invalid_claims' },
  { name: 'duplicate header member', gateway: 'hs', token: () => hmacRaw('{"alg":"HS256","alg":"HS256"}', JSON.stringify(claims())), reason: 'malformed' },
  {
    name: 'duplicate payload member',
    gateway: 'hs',
    token: () => hmacRaw('{"alg":"HS256"}', payloadText(`,"exp":${SECONDS + 600},"sub":"admin"`)),
    reason: 'malformed',
  },
  {
    name: 'duplicate payload member spelled with an escape',
    gateway: 'hs',
    token: () => hmacRaw('{"alg":"HS256"}', payloadText(`,"exp":${SECONDS + 600},"s\\u0075b":"admin"`)),
    reason: 'malformed',
  },
  { name: 'oversize token', gateway: 'rs', token: () => rsToken(claims({ pad: 'x'.repeat(9000) })), reason: 'malformed' },
  { name: 'payload is not an object', gateway: 'hs', token: () => hmacRaw('{"alg":"HS256"}', '[1,2]'), reason: 'malformed' },
  { name: 'payload is not UTF-8', gateway: 'hs', token: () => `${b64('{"alg":"HS256"}')}.${b64(new Uint8Array([0x7b, 0xff, 0x7d]))}.AAAA`, reason: 'malformed' },
  ...['+', '/', '=', ' '].map((char): Case => ({
    name: `non-base64url character ${JSON.stringify(char)}`,
    gateway: 'rs',
    token: async () => {
      const token = await rsToken();
      return `${token.slice(0, 10)}${char}${token.slice(11)}`;
    },
    reason: 'malformed',
  })),
  { name: 'too few dots', gateway: 'rs', token: async () => (await rsToken()).split('.').slice(0, 2).join('.'), reason: 'malformed' },
  { name: 'too many dots', gateway: 'rs', token: async () => `${await rsToken()}.AAAA`, reason: 'malformed' },
  {
    name: 'non-canonical trailing bits in the signature',
    gateway: 'rs',
    token: async () => {
      const token = await rsToken(); // 256-byte signature: 342 characters, 4 unused bits in the last
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1) as string);
      return token.slice(0, -1) + alphabet[last | 1];
    },
    reason: 'malformed',
  },
];

describe('attacks are denied with the expected reason', () => {
  const gateways = () => ({ rs, hs, es, kidded });
  for (const attack of cases) {
    test(attack.name, async () => {
      await assertDenied(gateways()[attack.gateway], await attack.token(), attack.reason, attack.name);
    });
  }
  test('the untouched tokens of these gateways are accepted (the denials above are not vacuous)', async () => {
    assert.equal((await decide(rs, await rsToken())).ok, true);
    assert.equal((await decide(kidded, await rsToken(claims(), { kid: 'rsa-1' }))).ok, true);
    assert.equal((await decide(hs, await sign(claims(), 'HS256', secret))).ok, true);
    assert.equal((await decide(hs, hmacRaw('{"alg":"HS256"}', JSON.stringify(claims())))).ok, true);
    assert.equal((await decide(es, await sign(claims(), 'ES256', ec.privateKey))).ok, true);
  });
});

describe('a valid token of every algorithm is accepted', () => {
  test('HS256..HS512, RS*, PS*, ES*, EdDSA from secret, secretEnv, secretFile, PEM files and a JWKS file', async () => {
    const hsSecrets = { HS256: HS_SECRET, HS384: 'x'.repeat(48), HS512: 'y'.repeat(64) };
    const pairs = new Map(await Promise.all(ASYMMETRIC.map(async (alg) => [alg, await pairFor(alg, `all-${alg}`)] as const)));
    const eddsa = pairs.get('EdDSA') as AsymmetricPair;
    const keys: Record<string, unknown>[] = [
      { secret: hsSecrets.HS256, alg: 'HS256', kid: 'HS256' },
      { secretEnv: 'BOUNCER_TEST_HS384', alg: 'HS384', kid: 'HS384' },
      { secretFile: writeTmp('hs512.secret', `${hsSecrets.HS512}\n`), alg: 'HS512', kid: 'HS512' },
      ...ASYMMETRIC.filter((alg) => alg !== 'EdDSA').map((alg) => ({ publicKeyFile: pairs.get(alg)?.pemFile, alg, kid: alg })),
      { jwksFile: await jwksFileFor('eddsa.jwks.json', [{ publicKey: eddsa.publicKey, kid: 'EdDSA', alg: 'EdDSA' }]) },
    ];
    const gateway = await createAuthenticator(config({ ...base, keys }), { now, env: { BOUNCER_TEST_HS384: hsSecrets.HS384 } });
    const accepted: string[] = [];
    for (const [alg, value] of Object.entries(hsSecrets)) {
      const decision = await decide(gateway, await sign(claims({ alg }), alg, new TextEncoder().encode(value), { kid: alg }));
      if (decision.ok) accepted.push(alg);
    }
    for (const [alg, pair] of pairs) {
      const decision = await decide(gateway, await sign(claims({ alg }), alg, pair.privateKey, { kid: alg }));
      if (decision.ok) accepted.push(alg);
      else assert.fail(`${alg}: ${decision.reason}`);
    }
    assert.deepEqual(accepted.sort(), ['HS256', 'HS384', 'HS512', ...ASYMMETRIC].sort());
  });
});
