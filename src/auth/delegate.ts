// Asking the application's auth endpoint about a credential (the nginx `auth_request` pattern, built
// in): once per credential and route — or per credential, method and path with `per: request`, for
// an app that allows a session some paths and not others — with concurrent requests under one key
// sharing a single call, and the answer remembered: 2xx allows (with the identity headers the app
// returned), 401/403 denies. Any other answer, a timeout or a network error is an AppAuthError (the
// client gets 502) and is not remembered. Each route has its own AppAuth, so two routes never share
// an answer. Uses the global fetch with AbortSignal.timeout, which behaves the same on Node and Bun.
//
// A credential that is oversize or malformed is refused on sight (rejected.ts): no call, nothing
// remembered. Malformed: a character outside RFC 6265 cookie-octet (which holds every character of an
// RFC 6750 b64token): no space, DQUOTE, comma, semicolon, backslash, control or non-ASCII character.
import type { JWTPayload } from 'jose';
import { parseCacheControl, secondsDirective } from '../http/cache-control.js';
import { DecisionCache, DecisionSlot, SLOT_BYTES, flatCopy, isLong, stringBytes } from './decisions.js';
import { InFlight } from './in-flight.js';
import { AppAuthError } from './errors.js';
import { rejectedOnSight } from './rejected.js';
import type { HeaderBag } from './token.js';
import type { Decision } from './types.js';

/** The request being authorised (the gateway's request satisfies it). */
export interface AppAuthRequest {
  readonly method: string;
  /** The client's request headers (lower-case names). */
  readonly headers: HeaderBag;
}

export type AppAnswer = 'allowed' | 'denied' | 'error';

export interface AppAuthOptions {
  readonly url: string;
  /** Lower-case request header names copied to the auth request. */
  readonly forwardHeaders: readonly string[];
  /** Lower-case response header names kept as the identity. */
  readonly identityHeaders: readonly string[];
  readonly timeoutMs: number;
  /** How long an allow holds (when the answer gives no max-age, or always without honourMaxAge). */
  readonly allowedTtlMs: number;
  /** true: a 2xx answer's Cache-Control max-age (or no-store) sets how long it holds, up to maxAllowedTtlMs. */
  readonly honourMaxAge: boolean;
  /** The longest an answer's max-age may make an allow hold. */
  readonly maxAllowedTtlMs: number;
  readonly deniedTtlMs: number;
  /** "route": an answer holds for the credential on this route; "request": for its method and path only. */
  readonly per: 'route' | 'request';
  /** Longer or malformed credentials are refused without asking; undefined: not checked (recheck's verified tokens). */
  readonly maxCredentialBytes: number | undefined;
  /** Answers remembered at most. */
  readonly max: number;
  /** Estimated heap of the remembered answers at most. */
  readonly maxBytes: number;
  readonly now: () => number;
  /** After each call to the endpoint. */
  readonly onAnswer?: (answer: AppAnswer) => void;
}

export interface AppAuth {
  /**
   * A Decision, synchronously when remembered or refused on sight. Rejects with AppAuthError when the
   * app gave no answer. path and query are the normalised ones that will be forwarded (sent as
   * X-Original-URI; the query is not part of the key).
   */
  decide(credential: string, request: AppAuthRequest, path: string, query: string): Decision | Promise<Decision>;
  /** The answer cache's size, for the metrics. */
  remembered(): { readonly entries: number; readonly bytes: number };
  /** The remembered answer for this credential, without asking the app (explain); undefined: none. */
  peek(credential: string, request: AppAuthRequest, path: string): Decision | undefined;
}

/** Calls in flight at most while sharing; beyond it a call is made on its own. */
const MAX_IN_FLIGHT = 10_000;

export function createAppAuth(options: AppAuthOptions): AppAuth {
  const { now, maxCredentialBytes } = options;
  const cache = new DecisionCache({
    max: options.max,
    maxBytes: options.maxBytes,
    maxTtlMs: Number.MAX_SAFE_INTEGER,
    slot: (key, decision, until) => new DecisionSlot(key, until, decision),
    bytes: answerBytes,
  });
  // Long keys are shared by their fingerprint, in a map of their own (as in authenticator.ts).
  const inFlight = new InFlight<Decision>(MAX_IN_FLIGHT);
  const inFlightLong = new InFlight<Decision>(MAX_IN_FLIGHT);

  async function ask(key: string, request: AppAuthRequest, uri: string): Promise<Decision> {
    let answer: AppAnswer = 'error';
    try {
      const decision = await call(request, uri, options);
      answer = decision.ok ? 'allowed' : 'denied';
      cache.remember(key, decision, now());
      return decision;
    } finally {
      options.onAnswer?.(answer);
    }
  }

  return {
    decide(credential, request, path, query) {
      if (maxCredentialBytes !== undefined && credential.length > maxCredentialBytes) return rejectedOnSight('malformed');
      const key = keyOf(credential, request, path);
      const cached = cache.get(key, now());
      if (cached !== undefined) return cached.decision;
      const long = isLong(key);
      const pending = long ? inFlightLong.get(cache.fingerprint(key)) : inFlight.get(key);
      if (pending !== undefined) return pending;
      if (maxCredentialBytes !== undefined && !isCookieOctets(credential)) return rejectedOnSight('malformed');
      const own = flatCopy(key); // not a slice of the request's Cookie or Authorization header
      const asking = ask(own, request, query === '' ? path : `${path}?${query}`);
      if (long) inFlightLong.share(cache.fingerprint(own), asking);
      else inFlight.share(own, asking);
      return asking;
    },
    remembered: () => ({ entries: cache.size, bytes: cache.bytes }),
    peek: (credential, request, path) => cache.peek(keyOf(credential, request, path), now())?.decision,
  };

  /** What an answer is remembered under: the credential (this route's cache), plus method and path with per: request. */
  function keyOf(credential: string, request: AppAuthRequest, path: string): string {
    // NUL is in no method and no normalised path, so the two last NULs end the credential.
    return options.per === 'route' ? credential : `${credential}\u0000${request.method}\u0000${path}`;
  }
}

/** RFC 6265 §4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
const COOKIE_OCTET = new Uint8Array(128);
for (let code = 0x21; code <= 0x7e; code++) COOKIE_OCTET[code] = 1;
for (const excluded of '",;\\') COOKIE_OCTET[excluded.charCodeAt(0)] = 0;

function isCookieOctets(credential: string): boolean {
  for (let i = 0; i < credential.length; i++) {
    const code = credential.charCodeAt(i);
    if (code >= 128 || COOKIE_OCTET[code] !== 1) return false;
  }
  return true;
}

// A remembered answer's decision objects (decision, identity, its header values as claims, boxed
// times), estimated as the JWT slots are (bench/slot-bytes.ts: an allow with two identity headers
// and a 40-character session measured 309 B under Node 20, 270 under Bun 1.4; counted 400).
const ANSWER_BYTES = 128;
const IDENTITY_VALUE_BYTES = 16;

/** The estimate of a remembered answer's heap (exported for bench/slot-bytes.ts). */
export function answerBytes(slot: DecisionSlot): number {
  let bytes = SLOT_BYTES + stringBytes(slot.credential) + ANSWER_BYTES;
  if (slot.decision.ok) {
    const claims = slot.decision.identity.claims as Readonly<Record<string, unknown>>;
    for (const name in claims) bytes += IDENTITY_VALUE_BYTES + stringBytes(String(claims[name]));
  }
  return bytes;
}

async function call(request: AppAuthRequest, uri: string, options: AppAuthOptions): Promise<Decision> {
  const headers = new Headers({ 'x-original-method': request.method, 'x-original-uri': uri });
  for (const name of options.forwardHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers.set(name, typeof value === 'string' ? value : value.join(name === 'cookie' ? '; ' : ', '));
  }
  let response: Response;
  try {
    response = await fetch(options.url, { headers, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new AppAuthError(`${options.url}: no answer (${(error as Error).name})`, error);
  }
  await response.body?.cancel();
  const at = options.now();
  const { status } = response;
  if (status === 401 || status === 403) return { ok: false, reason: 'app_denied', expiresAt: at + options.deniedTtlMs };
  if (status < 200 || status > 299) throw new AppAuthError(`${options.url}: answered ${status}`);
  const ttl = options.honourMaxAge
    ? allowedTtl(response.headers.get('cache-control'), options.allowedTtlMs, options.maxAllowedTtlMs)
    : options.allowedTtlMs;
  const identity: Record<string, string> = {};
  for (const name of options.identityHeaders) {
    const value = response.headers.get(name);
    if (value !== null) identity[name] = value;
  }
  const expiresAt = at + ttl;
  return { ok: true, identity: { claims: Object.freeze(identity) as JWTPayload, expiresAt }, expiresAt };
}

/**
 * RFC 9111 §5.2.2: no-store → not remembered; max-age=N → N seconds, at most maxMs (an app's
 * max-age=31536000 must not make one answer hold for a year); otherwise the configured default.
 */
export function allowedTtl(cacheControl: string | null, fallbackMs: number, maxMs: number): number {
  if (cacheControl === null) return fallbackMs;
  const directives = parseCacheControl(cacheControl);
  if (directives.has('no-store')) return 0;
  const maxAge = secondsDirective(directives, 'max-age');
  // An invalid max-age (null) says nothing: the configured default holds.
  return maxAge === undefined || maxAge === null ? fallbackMs : Math.min(maxAge, maxMs);
}
