// Turning key material into verification keys, each bound to its own algorithm allow-list. The rules
// that stop algorithm confusion and weak keys live here: an HMAC secret only ever verifies HS*, and is
// at least as long as the hash of every HS alg it may verify; a public key never verifies HS*; RSA keys
// are at least 2048 bits and free of the ROCA fingerprint; an EC key verifies only the ES alg of its curve.
import { createPublicKey, createSecretKey, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../config/jwt-schema.js';
import { keyError } from './errors.js';
import { hasRocaFingerprint } from './roca.js';

export interface VerifyKey {
  /** The kid a token must name to use this key; undefined: only kid-less tokens use it. */
  readonly kid: string | undefined;
  /** The algorithms this key may verify. */
  readonly algs: ReadonlySet<JwtAlgorithm>;
  /** HMAC secrets and RSA public keys: checked synchronously by node:crypto (see signatures.ts). */
  readonly nodeKey?: KeyObject;
  /** EC and Ed25519 keys: one WebCrypto key per algorithm (bound to it), checked by jose. */
  readonly webCrypto?: ReadonlyMap<JwtAlgorithm, CryptoKey>;
  /** Where it came from, for messages: "jwt.keys[0]", "https://idp/jwks (kid abc)". */
  readonly source: string;
}

const HMAC = new Set<JwtAlgorithm>(['HS256', 'HS384', 'HS512']);
/** RFC 7518 §3.2: "a key of the same size as the hash output (for instance, 256 bits for HS256) or larger MUST be used". */
const MIN_SECRET_BYTES: Partial<Record<JwtAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const RSA = new Set<JwtAlgorithm>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
const EC_CURVES: Record<string, JwtAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const MIN_RSA_BITS = 2048;

export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === 'string' && (JWT_ALGORITHMS as readonly string[]).includes(value);
}

/** An HMAC secret, usable for the given HS* algorithms only. */
export async function importSecret(
  secret: Uint8Array,
  algs: readonly JwtAlgorithm[],
  kid: string | undefined,
  source: string,
): Promise<VerifyKey> {
  const wrong = algs.filter((alg) => !HMAC.has(alg));
  if (wrong.length > 0) throw keyError(source, `an HMAC secret cannot verify ${wrong.join(', ')} (only HS256, HS384, HS512)`);
  // A secret allowed several HS algs must be long enough for the longest hash among them.
  let needed = 0;
  let strictest: JwtAlgorithm | undefined;
  for (const alg of algs) {
    if ((MIN_SECRET_BYTES[alg] ?? 0) > needed) [needed, strictest] = [MIN_SECRET_BYTES[alg] ?? 0, alg];
  }
  if (secret.byteLength < needed) {
    throw keyError(source, `HMAC secret is ${secret.byteLength} bytes, at least ${needed} required for ${strictest}`);
  }
  return { kid, algs: new Set(algs), nodeKey: createSecretKey(secret), source };
}

/** A public key (from PEM or JWK), usable for the algorithms of its type that are also in algs. */
export async function importPublicKey(
  key: KeyObject,
  algs: readonly JwtAlgorithm[],
  kid: string | undefined,
  source: string,
): Promise<VerifyKey> {
  const usable = algorithmsOf(key, source);
  const wrong = algs.filter((alg) => !usable.has(alg));
  if (wrong.length > 0) throw keyError(source, `an ${describe(key)} key cannot verify ${wrong.join(', ')}`);
  if (key.asymmetricKeyType === 'rsa') return { kid, algs: new Set(algs), nodeKey: key, source };
  const jwk = key.export({ format: 'jwk' }) as JWK;
  const webCrypto = new Map<JwtAlgorithm, CryptoKey>();
  for (const alg of algs) {
    const imported = await importJWK({ ...jwk, alg }, alg);
    if (imported instanceof Uint8Array) throw keyError(source, 'expected a public key, got a secret');
    webCrypto.set(alg, imported);
  }
  return { kid, algs: new Set(algs), webCrypto, source };
}

function algorithmsOf(key: KeyObject, source: string): ReadonlySet<JwtAlgorithm> {
  if (key.type !== 'public') throw keyError(source, 'expected a public key');
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw keyError(source, `RSA key is ${bits} bits, at least ${MIN_RSA_BITS} required`);
      if (hasRocaFingerprint(Buffer.from((key.export({ format: 'jwk' }) as JWK).n ?? '', 'base64url'))) {
        throw keyError(source, 'RSA modulus has the ROCA fingerprint (CVE-2017-15361): the key can be factored; replace it');
      }
      return RSA;
    }
    case 'ec': {
      const alg = EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (alg === undefined) throw keyError(source, `EC curve ${key.asymmetricKeyDetails?.namedCurve} is not supported`);
      return new Set([alg]);
    }
    case 'ed25519':
      return new Set<JwtAlgorithm>(['EdDSA']);
    default:
      throw keyError(source, `${key.asymmetricKeyType ?? 'unknown'} keys are not supported (RSA, EC P-256/384/521, Ed25519)`);
  }
}

function describe(key: KeyObject): string {
  const names: Record<string, string> = { rsa: 'RSA', ec: 'EC', ed25519: 'Ed25519' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const type = names[key.asymmetricKeyType ?? ''] ?? 'public';
  return curve ? `${type} ${curve}` : type;
}

/** The algorithms a public key may verify, restricted to `allowed` (used when a JWK names no alg). */
export function algorithmsFor(key: KeyObject, allowed: readonly JwtAlgorithm[], source: string): JwtAlgorithm[] {
  const usable = algorithmsOf(key, source);
  return allowed.filter((alg) => usable.has(alg));
}

/**
 * One JWK of a JWKS. Returns undefined for keys that are not for signatures (use "enc", key_ops
 * without "verify", an alg outside `allowed`), which a JWKS may legitimately hold. Private members are
 * dropped: only the public part is imported. Secrets ("oct") only when allowSecret (local files).
 */
export async function importJwk(
  jwk: JWK,
  allowed: readonly JwtAlgorithm[] | undefined,
  source: string,
  allowSecret: boolean,
): Promise<VerifyKey | undefined> {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return undefined;
  if (jwk.alg !== undefined && (!isJwtAlgorithm(jwk.alg) || (allowed && !allowed.includes(jwk.alg)))) return undefined;
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  const where = kid === undefined ? source : `${source} (kid ${kid})`;
  const own = jwk.alg as JwtAlgorithm | undefined;
  if (jwk.kty === 'oct') {
    if (!allowSecret) throw keyError(where, 'a secret ("oct") key is not accepted from a remote JWKS');
    if (typeof jwk.k !== 'string') throw keyError(where, 'JWK has no "k"');
    const algs = own ? [own] : (allowed ?? []).filter((alg) => HMAC.has(alg));
    if (algs.length === 0) throw keyError(where, 'JWK names no alg; set algs in the configuration');
    return importSecret(Buffer.from(jwk.k, 'base64url'), algs, kid, where);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicMembers(jwk), format: 'jwk' });
  } catch (error) {
    throw keyError(where, `not a usable public JWK (${(error as Error).message})`, error);
  }
  const algs = own ? [own] : algorithmsFor(key, allowed ?? [], where);
  if (algs.length === 0) throw keyError(where, 'JWK names no alg; set algs in the configuration');
  return importPublicKey(key, algs, kid, where);
}

function publicMembers(jwk: JWK): NodeJwk {
  const { kty, n, e, crv, x, y } = jwk;
  return { kty, n, e, crv, x, y };
}
