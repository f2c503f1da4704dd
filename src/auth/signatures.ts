// Signatures checked synchronously with node:crypto (also in Bun): HS256/384/512 as an HMAC and a
// constant-time comparison, RS256/384/512 and PS256/384/512 with crypto.verify. Through jose these
// went by WebCrypto, whose promise and per-call argument handling cost more than the HMAC itself and
// about three times the RSA (`bench verify` on Node, one at a time: HS256 7.4k → 117k/s, RS256 7.4k →
// 30.0k/s). EC and Ed25519 keys stay with jose: their checks cost 50 µs to over a millisecond (P-521),
// which WebCrypto does off the event loop.
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../config/jwt-schema.js';

const HMAC_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;
const RSA_HASH = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', PS256: 'sha256', PS384: 'sha384', PS512: 'sha512' } as const;

type HmacAlgorithm = keyof typeof HMAC_HASH;
type RsaAlgorithm = keyof typeof RSA_HASH;
export type NodeAlgorithm = HmacAlgorithm | RsaAlgorithm;

/** Whether node:crypto checks this algorithm here (HMAC secrets, RSA public keys). */
export function isNodeAlgorithm(alg: JwtAlgorithm): alg is NodeAlgorithm {
  return Object.hasOwn(HMAC_HASH, alg) || Object.hasOwn(RSA_HASH, alg);
}

/**
 * Whether the compact JWS `token` (already checked to be three canonical base64url segments) is
 * signed under `key` with `alg`. An HMAC alg needs a secret key, an RSA alg a public one: the key
 * import never binds them otherwise, and a key of the other kind is refused here as well.
 */
export function signatureValid(token: string, alg: NodeAlgorithm, key: KeyObject): boolean {
  const signatureStart = token.lastIndexOf('.') + 1;
  const input = token.slice(0, signatureStart - 1);
  const signature = Buffer.from(token.slice(signatureStart), 'base64url');
  if (alg === 'HS256' || alg === 'HS384' || alg === 'HS512') {
    if (key.type !== 'secret') return false;
    const expected = createHmac(HMAC_HASH[alg], key).update(input).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') return false;
  // RFC 7518 §3.5: PSS with MGF1 of the same hash and a salt as long as the hash.
  const options = alg.startsWith('PS') ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key;
  return verify(RSA_HASH[alg], Buffer.from(input, 'latin1'), options, signature);
}
