// HS256/384/512 signatures checked synchronously with node:crypto (also in Bun): an HMAC and a
// constant-time comparison. Through jose on Node this went by WebCrypto, whose per-call argument
// handling cost many times the HMAC itself and made a cold crowd of new users wait on it.
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

export type HmacAlgorithm = keyof typeof HASH;

export function isHmacAlgorithm(alg: string): alg is HmacAlgorithm {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/**
 * Whether the compact JWS `token` (already checked to be three canonical base64url segments) carries
 * the HMAC of its signing input under `secret`.
 */
export function hmacSignatureValid(token: string, alg: HmacAlgorithm, secret: KeyObject): boolean {
  const signatureStart = token.lastIndexOf('.') + 1;
  const expected = createHmac(HASH[alg], secret).update(token.slice(0, signatureStart - 1)).digest();
  const given = Buffer.from(token.slice(signatureStart), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
