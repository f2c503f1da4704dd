// Keys a public test-vector suite refuses, and short admin secrets, refused by the real CLI before it
// serves anything: `bouncer check-config` and `bouncer start` exit 2 naming the key path.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, writeConfig } from '../helpers/gateway.js';
import { rocaPublicKey } from '../helpers/roca.js';
import { jwtConfig } from '../helpers/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'bouncer-keys-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const pem = (key: { export(options: { type: 'spki'; format: 'pem' }): string | Buffer }) => String(key.export({ type: 'spki', format: 'pem' }));
const goodRsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
const configWith = (jwt: Record<string, unknown>, extra: Record<string, unknown> = {}) => writeConfig({ upstream: 'http://127.0.0.1:1', jwt, ...extra });

const refusals: [name: string, config: () => string, expected: RegExp][] = [
  ['a 47-byte HS384 secret', () => configWith({ keys: [{ alg: 'HS384', secret: 'k'.repeat(47) }] }), /jwt\.keys\[0\]: HMAC secret is 47 bytes, at least 48 required for HS384/],
  [
    'a 63-byte HS512 secret from a file, in an issuer',
    () => configWith({ issuers: [{ issuer: 'https://a.test', keys: [{ alg: 'HS512', secretFile: file('hs512', `${'s'.repeat(63)}\n`) }] }] }),
    /jwt\.issuers\[0\]\.keys\[0\]: HMAC secret is 63 bytes, at least 64 required for HS512/,
  ],
  [
    'a ROCA modulus (CVE-2017-15361)',
    () => configWith({ keys: [{ alg: 'RS256', publicKeyFile: file('good.pem', goodRsa) }, { alg: 'RS256', kid: 'r', publicKeyFile: file('roca.pem', pem(rocaPublicKey())) }] }),
    /jwt\.keys\[1\]: RSA modulus has the ROCA fingerprint \(CVE-2017-15361\)/,
  ],
  [
    'a duplicate kid',
    () => configWith({ keys: [{ alg: 'HS256', kid: 'k1', secret: 'x'.repeat(32) }, { alg: 'RS256', kid: 'k1', publicKeyFile: file('dup.pem', goodRsa) }] }),
    /jwt\.keys\[1\]: kid "k1" is also the kid of jwt\.keys\[0\]/,
  ],
  [
    'an admin secret of 15 characters from a file',
    () => configWith(jwtConfig(), { admin: { secretFile: file('admin', 'fifteen-chars!!\n') } }),
    /admin\.secretFile: the secret is 15 characters, at least 16 required/,
  ],
  [
    'an admin secret of 3 characters from the environment',
    () => ((process.env.BOUNCER_TEST_ADMIN_SECRET = 'abc'), configWith(jwtConfig(), { admin: { secretEnv: 'BOUNCER_TEST_ADMIN_SECRET' } })),
    /admin\.secretEnv: the secret is 3 characters, at least 16 required/,
  ],
];

describe('bouncer check-config refuses weak or ambiguous keys (exit 2, naming the key)', () => {
  for (const [name, config, expected] of refusals) {
    test(name, async () => {
      const result = await runCli(['check-config', config()]);
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.doesNotMatch(result.stdout, /ok/);
    });
  }

  test('the same keys at their full length pass, with a warning for a remote JWKS without an audience', async () => {
    const config = configWith({
      keys: [
        { alg: 'HS384', kid: 'a', secret: 'k'.repeat(48) },
        { alg: 'HS512', kid: 'b', secret: 's'.repeat(64) },
        { alg: 'RS256', kid: 'c', publicKeyFile: file('fine.pem', goodRsa) },
      ],
      issuers: [{ issuer: 'https://idp.test', jwksUrl: 'https://idp.test/jwks' }],
    });
    const result = await runCli(['check-config', config]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok/);
    assert.match(result.stderr, /warning: jwt\.issuers\[0\]: remote JWKS \(jwksUrl\) without an audience/);
  });
});

describe('bouncer start refuses them too', () => {
  for (const [name, config, expected] of [refusals[0]!, refusals[2]!, refusals[4]!]) {
    test(name, async () => {
      const result = await runCli(['start', '--config', config()]);
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assert.match(result.stderr, expected);
    });
  }
});
