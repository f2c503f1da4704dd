// What auth hands to the pipeline: a decision about one token. Auth never imports cache and cache
// never imports auth; the pipeline carries an Identity between them.
import type { JWTPayload } from 'jose';

export interface Identity {
  /**
   * The verified claims; the pipeline reads partition values and identity headers from them. For a
   * decision of the app's auth endpoint: its identity headers' values, by lower-case header name.
   */
  readonly claims: Readonly<JWTPayload>;
  /**
   * Epoch ms after which this identity must not be used: the token's exp as verified; for a
   * remembered decision (which is its own identity) the end of the decision, never after exp + leeway.
   */
  readonly expiresAt: number;
}

/** Stable codes for why a token was refused; logged and counted, never sent in detail to clients. */
export type DenyReason =
  | 'malformed' // not three strict base64url segments, bad JSON, oversize; a malformed or oversize delegate credential
  | 'alg_not_allowed' // alg absent from every configured key's allow-list (includes "none")
  | 'unknown_key' // no configured key matches the kid / alg
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_exp'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type' // the issuer requires a typ header (e.g. at+jwt) the token does not carry
  | 'invalid_claims' // non-numeric times, iat in the future, etc.
  | 'app_denied'; // the application's auth endpoint answered 401 or 403

export type Decision =
  | { readonly ok: true; readonly identity: Identity; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: DenyReason; readonly expiresAt: number };
