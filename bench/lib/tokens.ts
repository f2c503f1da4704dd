// Token fixtures: distinct valid users (sub=user-<i>, exp one hour ahead) and a mix of invalid tokens
// that a gateway must refuse without asking the origin.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, base64url } from 'jose';

export type HsKey = { alg: 'HS256'; secret: string };
export type RsKey = { alg: 'RS256'; privateKey: KeyObject };
export type SigningKey = HsKey | RsKey;

export function createHsKey(secret = randomBytes(32).toString('base64url')): HsKey {
  return { alg: 'HS256', secret };
}

export function createRsKey(): { key: RsKey; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: { alg: 'RS256', privateKey }, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function sign(key: SigningKey, sub: string, exp: number): Promise<string> {
  const material = key.alg === 'HS256' ? new TextEncoder().encode(key.secret) : key.privateKey;
  return new SignJWT({ sub }).setProtectedHeader({ alg: key.alg, typ: 'JWT' }).setIssuedAt().setExpirationTime(exp).sign(material);
}

/** `count` valid tokens for users first..first+count-1. */
export function mintValid(key: SigningKey, count: number, first = 0): Promise<string[]> {
  const exp = nowSeconds() + 3600;
  return Promise.all(Array.from({ length: count }, (_, i) => sign(key, `user-${first + i}`, exp)));
}

/**
 * `count` distinct invalid tokens, round robin: random garbage, HS256 with a wrong secret, alg "none",
 * expired an hour ago (beyond any leeway) but signed with `hsKey`, RS256 signed by a foreign key.
 */
export function mintInvalid(hsKey: HsKey, count: number): Promise<string[]> {
  const wrongSecret = createHsKey();
  const foreignRsa = createRsKey().key;
  const exp = nowSeconds() + 3600;
  const encode = (value: object): string => base64url.encode(JSON.stringify(value));
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const sub = `intruder-${i}`;
      switch (i % 5) {
        case 0:
          return base64url.encode(randomBytes(48));
        case 1:
          return sign(wrongSecret, sub, exp);
        case 2:
          return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, exp })}.`;
        case 3:
          return sign(hsKey, sub, nowSeconds() - 3600);
        default:
          return sign(foreignRsa, sub, exp);
      }
    }),
  );
}
