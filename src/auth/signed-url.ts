// Signed URLs: a way to authorise a request that carries no token (an <img>, a download link, a CDN).
// The URL holds its own expiry, the id of the key that signed it, optionally claims bound to it, and
// an HMAC-SHA256 over all of that:
//
//   /files/report.pdf?v=2&exp=1767225600&kid=k1&claims=eyJ0ZW5hbnQiOiJhY21lIn0&sig=<43 base64url chars>
//
//   sig = base64url(HMAC-SHA256(secret of kid, "bouncer-signed-url-1\n" METHOD "\n" PATH "\n" QUERY))
//
// METHOD is GET (a HEAD is checked as the GET it previews), PATH the normalised path, QUERY the query
// exactly as sent (raw, in order) without the sig parameter — so every other parameter, exp, kid and
// claims included, is covered: changing, adding or removing any of them breaks the signature.
// claims is base64url(JSON object), present only when claims are bound. Checked with no leeway on exp,
// in constant time; a kid that is no longer configured does not verify.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningConfig } from '../config/signing-schema.js';
import { MIN_SIGNING_SECRET_BYTES } from '../config/signing-schema.js';
import { readSecret } from '../config/secrets.js';
import { withoutParam } from '../http/query.js';
import { parseTarget } from '../http/target.js';
import { keyError } from './errors.js';

export interface SigningKey {
  readonly id: string;
  readonly secret: Buffer;
}

export type SigningParams = SigningConfig['params'];

/** Why a signed URL was refused (logged and counted, never told to the client: all are 403). */
export type SignedUrlFailure = 'signature_malformed' | 'unknown_key' | 'bad_signature' | 'signature_expired';

export type SignedUrlCheck =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>>; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: SignedUrlFailure };

const DOMAIN = 'bouncer-signed-url-1';
/** Bound claims at most (the base64url text): they travel in every URL. */
const MAX_CLAIMS_CHARS = 4096;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const EXPIRY = /^[0-9]{1,12}$/;

/** The configured keys with their secrets read (secretEnv, secretFile); each at least 32 bytes. */
export function loadSigningKeys(signing: SigningConfig, env: Record<string, string | undefined> = process.env): SigningKey[] {
  return signing.keys.map((key, index) => {
    const path = `signing.keys[${index}]`;
    const secret = readSecret(key, path, env, (problem, cause) => keyError(path, problem, cause))!;
    if (Buffer.byteLength(secret) < MIN_SIGNING_SECRET_BYTES) throw keyError(path, `the secret must be at least ${MIN_SIGNING_SECRET_BYTES} bytes`);
    return { id: key.id, secret: Buffer.from(secret) };
  });
}

export interface SignedUrlVerifier {
  /** undefined when the query carries no signature (the request may still bring a token). */
  check(method: string, path: string, rawQuery: string): SignedUrlCheck | undefined;
  /** The query without the signature's parameters: what the cache key and the origin see. */
  strip(query: string): string;
}

export function createUrlVerifier(keys: readonly SigningKey[], params: SigningParams, now: () => number): SignedUrlVerifier {
  const byId = new Map(keys.map((key) => [key.id, key.secret]));
  const names = [params.sig, params.exp, params.kid, params.claims];

  function check(method: string, path: string, rawQuery: string): SignedUrlCheck | undefined {
    if (!rawQuery.includes(`${params.sig}=`)) return undefined;
    const pairs = rawQuery.split('&');
    const found = new Map<string, { index: number; value: string }>();
    for (let index = 0; index < pairs.length; index++) {
      const pair = pairs[index]!;
      const eq = pair.indexOf('=');
      const name = decodeName(eq === -1 ? pair : pair.slice(0, eq));
      if (!names.includes(name)) continue;
      if (found.has(name)) return refused('signature_malformed');
      found.set(name, { index, value: eq === -1 ? '' : pair.slice(eq + 1) });
    }
    const sig = found.get(params.sig);
    if (sig === undefined) return undefined;
    const exp = found.get(params.exp)?.value;
    const kid = found.get(params.kid)?.value;
    if (exp === undefined || kid === undefined || !EXPIRY.test(exp) || !SIGNATURE.test(sig.value)) return refused('signature_malformed');
    const secret = byId.get(decodeValue(kid));
    if (secret === undefined) return refused('unknown_key');
    const signed = pairs.filter((_, index) => index !== sig.index).join('&');
    const expected = signature(secret, method, path, signed);
    const presented = Buffer.from(sig.value, 'base64url');
    if (presented.byteLength !== expected.byteLength || !timingSafeEqual(presented, expected)) return refused('bad_signature');
    const expiresAt = Number(exp) * 1000;
    if (now() >= expiresAt) return refused('signature_expired');
    const claims = boundClaims(found.get(params.claims)?.value);
    return claims === undefined ? refused('signature_malformed') : { ok: true, claims, expiresAt };
  }

  function strip(query: string): string {
    let out = query;
    for (const name of names) out = withoutParam(out, name);
    return out;
  }

  return { check, strip };
}

export interface SignOptions {
  /** The key to sign with; the first configured one (the newest) by default. */
  readonly key?: string | undefined;
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

export interface UrlSigner {
  /** The path and query of `target` (origin-form, normalised first) signed for ttlMs from now. */
  sign(target: string, ttlMs: number, options?: SignOptions): { url: string; expires: number };
}

export class SigningError extends Error {
  readonly code = 'BOUNCER_SIGNING_INVALID';
}

export function createUrlSigner(keys: readonly SigningKey[], params: SigningParams, now: () => number = Date.now): UrlSigner {
  return {
    sign(target, ttlMs, options = {}) {
      const parsed = parseTarget(target);
      if (typeof parsed === 'string') throw new SigningError(`"${target}" is not a path Bouncer would route (${parsed})`);
      if (!(ttlMs > 0)) throw new SigningError('the ttl must be positive');
      const key = options.key === undefined ? keys[0] : keys.find((candidate) => candidate.id === options.key);
      if (key === undefined) throw new SigningError(`no signing key "${options.key}" is configured`);
      const expires = Math.floor((now() + ttlMs) / 1000);
      const claims = options.claims !== undefined && Object.keys(options.claims).length > 0 ? Buffer.from(JSON.stringify(options.claims)).toString('base64url') : undefined;
      if (claims !== undefined && claims.length > MAX_CLAIMS_CHARS) throw new SigningError(`the bound claims are longer than ${MAX_CLAIMS_CHARS} characters encoded`);
      const added = [`${params.exp}=${expires}`, `${params.kid}=${encodeURIComponent(key.id)}`, ...(claims === undefined ? [] : [`${params.claims}=${claims}`])];
      const query = [parsed.query, ...added].filter(Boolean).join('&');
      const sig = signature(key.secret, 'GET', parsed.path, query).toString('base64url');
      return { url: `${parsed.path}?${query}&${params.sig}=${sig}`, expires };
    },
  };
}

function signature(secret: Buffer, method: string, path: string, query: string): Buffer {
  return createHmac('sha256', secret).update(`${DOMAIN}\n${method === 'HEAD' ? 'GET' : method}\n${path}\n${query}`).digest();
}

function boundClaims(value: string | undefined): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return Object.freeze({});
  if (value.length > MAX_CLAIMS_CHARS) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? Object.freeze(claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function refused(reason: SignedUrlFailure): SignedUrlCheck {
  return { ok: false, reason };
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
