// Asking the application's auth endpoint about a credential (the nginx `auth_request` pattern, built
// in): once per credential — concurrent requests with the same one share a single call — with the
// answer remembered: 2xx allows (with the identity headers the app returned), 401/403 denies. Any
// other answer, a timeout or a network error is an AppAuthError (the client gets 502) and is not
// remembered. Uses the global fetch with AbortSignal.timeout, which behaves the same on Node and Bun.
import type { JWTPayload } from 'jose';
import { parseCacheControl, secondsDirective } from '../http/cache-control.js';
import { DecisionCache, DecisionSlot, flatCopy } from './decisions.js';
import { InFlight } from './in-flight.js';
import { AppAuthError } from './errors.js';
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
  /** true: a 2xx answer's Cache-Control max-age (or no-store) sets how long it holds. */
  readonly honourMaxAge: boolean;
  readonly deniedTtlMs: number;
  /** Credentials remembered at most. */
  readonly max: number;
  readonly now: () => number;
  /** After each call to the endpoint. */
  readonly onAnswer?: (answer: AppAnswer) => void;
}

export interface AppAuth {
  /**
   * A Decision, synchronously when remembered. Rejects with AppAuthError when the app gave no answer.
   * path and query are the normalised ones that will be forwarded (sent as X-Original-URI).
   */
  decide(credential: string, request: AppAuthRequest, path: string, query: string): Decision | Promise<Decision>;
}

/** Calls in flight at most while sharing; beyond it a call is made on its own. */
const MAX_IN_FLIGHT = 10_000;

export function createAppAuth(options: AppAuthOptions): AppAuth {
  const { now } = options;
  const cache = new DecisionCache({
    max: options.max,
    maxTtlMs: Number.MAX_SAFE_INTEGER,
    slot: (credential, decision, until) => new DecisionSlot(credential, until, decision),
  });
  const inFlight = new InFlight<Decision>(MAX_IN_FLIGHT);

  async function ask(credential: string, request: AppAuthRequest, uri: string): Promise<Decision> {
    let answer: AppAnswer = 'error';
    try {
      const decision = await call(request, uri, options);
      answer = decision.ok ? 'allowed' : 'denied';
      cache.remember(credential, decision, now());
      return decision;
    } finally {
      options.onAnswer?.(answer);
    }
  }

  return {
    decide(credential, request, path, query) {
      const cached = cache.get(credential, now());
      if (cached !== undefined) return cached.decision;
      const pending = inFlight.get(credential);
      if (pending !== undefined) return pending;
      const own = flatCopy(credential); // not a slice of the request's Cookie or Authorization header
      const asking = ask(own, request, query === '' ? path : `${path}?${query}`);
      inFlight.share(own, asking);
      return asking;
    },
  };
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
  const ttl = options.honourMaxAge ? allowedTtl(response.headers.get('cache-control'), options.allowedTtlMs) : options.allowedTtlMs;
  const identity: Record<string, string> = {};
  for (const name of options.identityHeaders) {
    const value = response.headers.get(name);
    if (value !== null) identity[name] = value;
  }
  const expiresAt = at + ttl;
  return { ok: true, identity: { claims: Object.freeze(identity) as JWTPayload, expiresAt }, expiresAt };
}

/** RFC 9111 §5.2.2: no-store → not remembered; max-age=N → N seconds; otherwise the configured default. */
export function allowedTtl(cacheControl: string | null, fallbackMs: number): number {
  if (cacheControl === null) return fallbackMs;
  const directives = parseCacheControl(cacheControl);
  if (directives.has('no-store')) return 0;
  return secondsDirective(directives, 'max-age') ?? fallbackMs;
}
