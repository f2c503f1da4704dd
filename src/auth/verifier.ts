// Signature and claim verification of one token, in two steps. inspect, synchronous and before any
// signature: decode → header policy → pick the issuer's key set (from the unverified iss; nothing is
// trusted yet) → an allow-listed alg and a configured key. verify: the signature under that key
// (HMAC and RSA with node:crypto; EC and Ed25519, and their claims, by jose) → our own claim checks.
// Every failure is a deny Decision or reason; nothing throws.
import { jwtVerify, type JWTPayload } from 'jose';
import { checkClaims, checkHeader, typMatches, type ClaimPolicy } from './claims.js';
import { decodeObject } from './json.js';
import type { JwtAlgorithm } from '../config/jwt-schema.js';
import type { VerifyKey } from './key-import.js';
import type { KeySource } from './keys.js';
import { rejectedOnSight } from './rejected.js';
import { isNodeAlgorithm, signatureValid } from './signatures.js';
import type { Decision, DenyReason } from './types.js';

export interface IssuerPolicy extends ClaimPolicy {
  /** Required typ header, when set. */
  readonly typ: string | undefined;
  readonly keys: KeySource;
}

export interface VerifierOptions {
  /** Policies of jwt.issuers, by their exact iss. */
  readonly issuers: ReadonlyMap<string, IssuerPolicy>;
  /** The top-level jwt.keys policy, for tokens whose iss names no listed issuer. */
  readonly fallback: IssuerPolicy | undefined;
  readonly maxTokenBytes: number;
  readonly maxClaimsBytes: number;
  /** How long a deny holds. */
  readonly negativeTtlMs: number;
  readonly now: () => number;
}

/** What the checks before any signature found, and the signature check needs. */
export interface Inspected {
  readonly token: string;
  readonly alg: JwtAlgorithm;
  readonly kid: string | undefined;
  readonly claims: Record<string, unknown>;
  readonly policy: IssuerPolicy;
  /** The keys that may verify it; empty when only a refresh of the policy's key source could find one. */
  readonly keys: readonly VerifyKey[];
}

export interface Verifier {
  /**
   * The checks before any signature, synchronously, of a token that passed checkTokenSyntax (the
   * authenticator checks it first, and does not report what fails it): decoding, header policy,
   * issuer, typ, an allowed alg, a key for (alg, kid). A DenyReason, or what verify needs. Never throws.
   */
  inspect(token: string): Inspected | DenyReason;
  /**
   * The signature and the claims. Never rejects; a token no key matches even after a refresh of the
   * key source is denied on sight (rejected.ts): no signature was checked.
   */
  verify(inspected: Inspected): Promise<Decision>;
}

export function createVerifier(options: VerifierOptions): Verifier {
  return {
    inspect(token) {
      try {
        return inspectToken(token, options);
      } catch {
        return 'malformed'; // an unexpected exception is a deny, never an escape
      }
    },
    async verify(inspected) {
      const now = options.now();
      let reason: DenyReason;
      try {
        const result = await verifyAt(inspected, now, options);
        if (typeof result !== 'string') return result;
        reason = result;
      } catch {
        reason = 'malformed';
      }
      return { ok: false, reason, expiresAt: now + options.negativeTtlMs };
    },
  };
}

function inspectToken(token: string, options: VerifierOptions): Inspected | DenyReason {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot < 1 || secondDot < 0) return 'malformed';
  const rawHeader = decodeObject(token.slice(0, firstDot), options.maxTokenBytes);
  if (rawHeader === undefined) return 'malformed';
  const claims = decodeObject(token.slice(firstDot + 1, secondDot), options.maxClaimsBytes);
  if (claims === undefined) return 'malformed';
  const header = checkHeader(rawHeader);
  if (!header.ok) return header.reason;

  const iss = claims['iss'];
  const policy = (typeof iss === 'string' ? options.issuers.get(iss) : undefined) ?? options.fallback;
  if (policy === undefined) return 'wrong_issuer';
  if (policy.typ !== undefined && !typMatches(header.typ, policy.typ)) return 'wrong_type';
  const { alg, kid } = header;
  if (!policy.keys.allowsAlgorithm(alg)) return 'alg_not_allowed';
  const keys = policy.keys.candidates(alg, kid);
  if (keys.length === 0 && policy.keys.refresh === undefined) return 'unknown_key';
  return { token, alg, kid, claims, policy, keys };
}

async function verifyAt(inspected: Inspected, now: number, options: VerifierOptions): Promise<Decision | DenyReason> {
  const { token, alg, kid, claims, policy } = inspected;
  let keys = inspected.keys;
  if (keys.length === 0 && policy.keys.refresh !== undefined && (await policy.keys.refresh())) {
    keys = policy.keys.candidates(alg, kid);
  }
  if (keys.length === 0) return rejectedOnSight('unknown_key');

  let verified = false;
  for (const key of keys) {
    // HMAC and RSA: our own synchronous check; the claims are checked below either way (jose checks them too).
    if (key.nodeKey !== undefined) {
      verified = isNodeAlgorithm(alg) && signatureValid(token, alg, key.nodeKey);
      if (verified) break;
      continue;
    }
    const cryptoKey = key.webCrypto?.get(alg);
    if (cryptoKey === undefined) continue;
    const failure = await joseVerify(token, cryptoKey, alg, policy, now);
    if (failure === undefined) {
      verified = true;
      break;
    }
    if (failure === 'not_yet_valid') return notYetValid(claims, policy, now, options);
    if (failure !== 'bad_signature') return failure;
  }
  if (!verified) return 'bad_signature';

  const claimFailure = checkClaims(claims, policy, now);
  if (claimFailure === 'not_yet_valid') return notYetValid(claims, policy, now, options);
  if (claimFailure !== undefined) return claimFailure;
  const exp = (claims['exp'] as number) * 1000;
  // The decision holds as long as verification would still accept the token (exp + leeway); cutting
  // it at exp would re-verify every request of a just-expired token during the leeway.
  return { ok: true, identity: { claims: Object.freeze(claims) as JWTPayload, expiresAt: exp }, expiresAt: exp + policy.leewayMs };
}

/** A signed token that is not valid yet: its deny is remembered only until it becomes valid. */
function notYetValid(claims: Record<string, unknown>, policy: IssuerPolicy, now: number, options: VerifierOptions): Decision {
  const validFrom = (claims['nbf'] as number) * 1000 - policy.leewayMs;
  return { ok: false, reason: 'not_yet_valid', expiresAt: Math.min(now + options.negativeTtlMs, validFrom) };
}

/** jose's verification of the signature and claims, its failure mapped to our reasons. */
async function joseVerify(
  token: string,
  key: CryptoKey,
  alg: string,
  policy: IssuerPolicy,
  now: number,
): Promise<DenyReason | undefined> {
  try {
    await jwtVerify(token, key, {
      algorithms: [alg],
      currentDate: new Date(now),
      clockTolerance: policy.leewayMs / 1000,
      requiredClaims: ['exp'],
      ...(policy.issuer !== undefined && { issuer: policy.issuer }),
      ...(policy.audience !== undefined && { audience: [...policy.audience] }),
      ...(policy.typ !== undefined && { typ: policy.typ }),
    });
    return undefined;
  } catch (error) {
    return reasonOf(error);
  }
}

function reasonOf(error: unknown): DenyReason {
  const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad_signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg_not_allowed';
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'exp') return reason === 'missing' ? 'missing_exp' : 'invalid_claims';
      if (claim === 'nbf' && reason === 'check_failed') return 'not_yet_valid';
      if (claim === 'iss') return 'wrong_issuer';
      if (claim === 'aud') return 'wrong_audience';
      if (claim === 'typ') return 'wrong_type';
      return 'invalid_claims';
    default:
      return 'malformed';
  }
}
