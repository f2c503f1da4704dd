// Our own checks of the registered claims and the JOSE header, run in addition to jose's: the
// gateway's security must not rest on one library's reading of edge cases (string or infinite times,
// iat in the future, crit, b64).
import type { JwtAlgorithm } from '../config/jwt-schema.js';
import { isJwtAlgorithm } from './key-import.js';
import type { DenyReason } from './types.js';

/** 9999-12-31T23:59:59Z: later NumericDates are absurd, and 1e309 parses to Infinity. */
const MAX_NUMERIC_DATE = 253_402_300_799;

export interface ClaimPolicy {
  /** iss must equal this when set. */
  readonly issuer: string | undefined;
  /** aud must contain one of these when set. */
  readonly audience: readonly string[] | undefined;
  readonly leewayMs: number;
}

export type HeaderCheck =
  | { readonly ok: true; readonly alg: JwtAlgorithm; readonly kid: string | undefined; readonly typ: string | undefined }
  | { readonly ok: false; readonly reason: DenyReason };

/**
 * The protected header: a known alg (never "none", in any case), an optional non-empty string kid, no
 * crit (we understand no extension) and no b64 (unencoded payloads are not JWTs). jku, x5u, jwk and x5c
 * are ignored: keys come only from configuration.
 */
export function checkHeader(header: Record<string, unknown>): HeaderCheck {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string' || !isJwtAlgorithm(alg)) return { ok: false, reason: 'alg_not_allowed' };
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) return { ok: false, reason: 'malformed' };
  if (typ !== undefined && typeof typ !== 'string') return { ok: false, reason: 'malformed' };
  if (header['crit'] !== undefined || header['b64'] !== undefined || header['zip'] !== undefined) {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, alg, kid, typ };
}

/** RFC 9068 §4: "at+jwt" and "application/at+jwt" are the same type, compared case-insensitively. */
export function typMatches(actual: string | undefined, required: string): boolean {
  return actual !== undefined && normalizeTyp(actual) === normalizeTyp(required);
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

/** exp (required), nbf, iat, iss and aud of a verified claim set, at time `now` (epoch ms). */
export function checkClaims(claims: Record<string, unknown>, policy: ClaimPolicy, now: number): DenyReason | undefined {
  const { exp, nbf, iat, iss, aud } = claims;
  if (exp === undefined) return 'missing_exp';
  if (!isNumericDate(exp)) return 'invalid_claims';
  if (nbf !== undefined && !isNumericDate(nbf)) return 'invalid_claims';
  if (iat !== undefined && !isNumericDate(iat)) return 'invalid_claims';
  const leeway = policy.leewayMs;
  if (exp * 1000 <= now - leeway) return 'expired';
  if (nbf !== undefined && nbf * 1000 > now + leeway) return 'not_yet_valid';
  if (iat !== undefined && iat * 1000 > now + leeway) return 'invalid_claims';
  if (policy.issuer !== undefined && iss !== policy.issuer) return 'wrong_issuer';
  if (policy.audience !== undefined && !audienceMatches(aud, policy.audience)) return 'wrong_audience';
  return undefined;
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((value) => typeof value === 'string' && accepted.includes(value));
}
