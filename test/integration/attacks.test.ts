// The attack table of issue 3, sent through the running gateway: every forged or bent token is
// denied (401) on a rejecting route, reaches the origin with no identity on a passing route, and a
// client-sent identity header never survives. A valid token of every algorithm is accepted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, exportSPKI, type JWTPayload } from 'jose';
import { bearer, get } from '../helpers/http.js';
import { originAndGateway } from '../helpers/suite.js';
import {
  ASYMMETRIC, AUDIENCE, attackerKey, HS_SECRET, ISSUER, b64, hmacRaw, pairFor, sign, signText, type AsymmetricPair,
} from '../unit/auth/fixtures.js';

const SECONDS = Math.floor(Date.now() / 1000);
const HS_SECRETS: Record<string, string> = { HS256: HS_SECRET, HS384: 'x'.repeat(48), HS512: 'y'.repeat(64) };
const secretOf = (alg: string) => new TextEncoder().encode(HS_SECRETS[alg]);

/** Valid claims at the real clock (the gateway runs on it). */
function claims(extra: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'victim', iat: SECONDS - 10, exp: SECONDS + 600, ...extra };
}
const payloadText = (extra: string) => `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u"${extra}}`;
const unsigned = (header: object, payload: object, signature: string) => `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${signature}`;

let pairs: Map<string, AsymmetricPair>;
let otherRsa: AsymmetricPair;
const rsa = () => pairs.get('RS256')!;
const rsToken = (payload = claims(), header: Record<string, unknown> = {}) => sign(payload, 'RS256', rsa().privateKey, header);

const attacks: [name: string, token: () => Promise<string> | string][] = [
  ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): [string, () => string][] => [
    [`alg ${alg}, empty signature`, () => unsigned({ alg }, claims(), '')],
    [`alg ${alg}, some signature`, () => unsigned({ alg, typ: 'JWT' }, claims(), 'AAAA')],
  ]),
  ['HS256 signed with the RSA public key PEM text', async () => hmacRaw('{"alg":"HS256"}', JSON.stringify(claims()), await exportSPKI(rsa().publicKey))],
  ['HS256 signed with the RSA public key JWK text', async () => hmacRaw('{"alg":"HS256"}', JSON.stringify(claims()), JSON.stringify(await exportJWK(rsa().publicKey)))],
  ['HS256 naming the RSA kid, signed with its PEM', async () => hmacRaw('{"alg":"HS256","kid":"RS256"}', JSON.stringify(claims()), await exportSPKI(rsa().publicKey))],
  ['ECDSA signature of zeros', () => unsigned({ alg: 'ES256' }, claims(), b64(new Uint8Array(64)))],
  ['ECDSA signature of zeros, kid ES256', () => unsigned({ alg: 'ES256', kid: 'ES256' }, claims(), b64(new Uint8Array(64)))],
  ['signature from another token', async () => {
    const [a, b] = await Promise.all([rsToken(claims({ sub: 'a' })), rsToken(claims({ sub: 'admin' }))]);
    return `${b.split('.').slice(0, 2).join('.')}.${a.split('.')[2]}`;
  }],
  ['payload changed after signing', async () => {
    const [header, , signature] = (await rsToken()).split('.');
    return `${header}.${b64(JSON.stringify(claims({ sub: 'admin' })))}.${signature}`;
  }],
  ...['../../etc/passwd', "' OR 1=1 --", '\u0000', 'RS256\u0000', 'rs256', ' RS256', '/dev/null'].map((kid): [string, () => Promise<string>] => [
    `kid ${JSON.stringify(kid)}`,
    () => rsToken(claims(), { kid }),
  ]),
  ...(['jku', 'x5u', 'jwk', 'x5c'] as const).map((member): [string, () => Promise<string>] => [
    `${member} pointing at / embedding the attacker's key`,
    async () => {
      const { privateKey, value } = await attackerKey(member);
      return sign(claims(), 'RS256', privateKey, { [member]: value, kid: 'RS256' });
    },
  ]),
  ['unknown crit', () => hmacRaw('{"alg":"HS256","crit":["urn:x"],"urn:x":1}', JSON.stringify(claims()))],
  ['b64: false', () => hmacRaw('{"alg":"HS256","b64":false,"crit":["b64"]}', JSON.stringify(claims()))],
  ['JWE (five parts)', () => `${b64('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.AAAA.AAAA.AAAA.AAAA`],
  ['wrong key of the right type', () => sign(claims(), 'RS256', otherRsa.privateKey)],
  ['wrong key of the right type, kid RS256', () => sign(claims(), 'RS256', otherRsa.privateKey, { kid: 'RS256' })],
  ['expired', () => rsToken(claims({ iat: SECONDS - 7200, exp: SECONDS - 3600 }))],
  ['not yet valid', () => rsToken(claims({ nbf: SECONDS + 3600 }))],
  ['wrong issuer', () => rsToken(claims({ iss: 'https://attacker.test' }))],
  ['wrong audience', () => rsToken(claims({ aud: 'someone-else' }))],
  ['missing exp', () => rsToken(claims({ exp: undefined }))],
  ['exp as a string', () => signText(payloadText(`,"exp":"${SECONDS + 600}"`), 'RS256', rsa().privateKey)],
  ['exp = 1e309', () => signText(payloadText(',"exp":1e309'), 'RS256', rsa().privateKey)],
  ['exp beyond year 9999', () => signText(payloadText(',"exp":1e15'), 'RS256', rsa().privateKey)],
  ['exp negative', () => signText(payloadText(',"exp":-1'), 'RS256', rsa().privateKey)],
  ['iat far in the future', () => rsToken(claims({ iat: SECONDS + 3600 }))],
  ['duplicate header member', () => hmacRaw('{"alg":"HS256","alg":"HS256"}', JSON.stringify(claims()))],
  ['duplicate payload member', () => hmacRaw('{"alg":"HS256"}', payloadText(`,"exp":${SECONDS + 600},"sub":"admin"`))],
  ['duplicate payload member spelled with an escape', () => hmacRaw('{"alg":"HS256"}', payloadText(`,"exp":${SECONDS + 600},"s\\u0075b":"admin"`))],
  ['oversize token', () => rsToken(claims({ pad: 'x'.repeat(9000) }))],
  ...['+', '/', '=', '%', '\t'].map((char): [string, () => Promise<string>] => [
    `non-base64url character ${JSON.stringify(char)}`,
    async () => {
      const token = await rsToken();
      return `${token.slice(0, 10)}${char}${token.slice(11)}`;
    },
  ]),
  ['too few dots', async () => (await rsToken()).split('.').slice(0, 2).join('.')],
  ['too many dots', async () => `${await rsToken()}.AAAA`],
  ['non-canonical trailing bits in the signature', async () => {
    const token = await rsToken();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    return token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) | 1];
  }],
];

describe('attacks through the running gateway', () => {
  const { origin, gateway } = originAndGateway(async (origin) => {
    pairs = new Map(await Promise.all(ASYMMETRIC.map(async (alg) => [alg, await pairFor(alg, `gw-${alg}`)] as const)));
    otherRsa = await pairFor('RS256', 'gw-other-rsa');
    return {
      upstream: origin.url,
      jwt: {
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [
          // kid-less keys for kid-less tokens, and one key per algorithm named by its kid
          { publicKeyFile: rsa().pemFile, alg: 'RS256' },
          { secret: HS_SECRET, alg: 'HS256' },
          ...Object.entries(HS_SECRETS).map(([alg, secret]) => ({ secret, alg, kid: alg })),
          ...ASYMMETRIC.map((alg) => ({ publicKeyFile: pairs.get(alg)!.pemFile, alg, kid: alg })),
        ],
      },
      routes: [
        { path: '/api/', onDenied: 'reject', identityHeaders: { sub: 'X-User-Id' } },
        { path: '/pass/', onDenied: 'pass', identityHeaders: { sub: 'X-User-Id' } },
        // Not stored: the full identity reaches the origin (a shared fill carries none of it).
        { path: '/whoami/', onDenied: 'reject', cache: { enabled: false }, identityHeaders: { sub: 'X-User-Id' } },
      ],
    };
  });

  attacks.forEach(([name, token], index) => {
    test(name, async () => {
      const forged = await token();
      const spoofed = { ...bearer(forged), 'x-user-id': 'admin' };
      const rejected = await get(`${gateway.url}/api/attack-${index}`, spoofed);
      assert.equal(rejected.status, 401, `${name}: ${rejected.status} ${rejected.body}`);
      assert.equal(origin.hits(`/api/attack-${index}`), 0, 'the rejecting route never reaches the origin');
      const passed = await get(`${gateway.url}/pass/attack-${index}`, spoofed);
      assert.equal(passed.status, 200);
      assert.equal(passed.headers['cache-status'], 'Bouncer; fwd=bypass; detail=unauthenticated');
      const seen = origin.seen.filter((r) => r.url === `/pass/attack-${index}`);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.headers['x-user-id'], undefined, 'no identity reaches the origin');
    });
  });

  test('a valid token of every algorithm is accepted, with its identity', async () => {
    const tokens = await Promise.all([
      ...Object.keys(HS_SECRETS).map(async (alg) => [alg, await sign(claims({ sub: `user-${alg}` }), alg, secretOf(alg), { kid: alg })] as const),
      ...ASYMMETRIC.map(async (alg) => [alg, await sign(claims({ sub: `user-${alg}` }), alg, pairs.get(alg)!.privateKey, { kid: alg })] as const),
      ['kid-less RS256', await rsToken(claims({ sub: 'user-kid-less RS256' }))] as const,
    ]);
    assert.equal(tokens.length, 14);
    for (const [alg, token] of tokens) {
      const reply = await get(`${gateway.url}/whoami/valid-${alg}`, { ...bearer(token), 'x-user-id': 'admin' });
      assert.equal(reply.status, 200, alg);
      assert.equal(JSON.parse(reply.body).user, `user-${alg}`, alg);
    }
  });
});
