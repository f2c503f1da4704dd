// The nginx auth_request companion: `GET <companion.path>` on the public listener answers, from
// authorize alone, whether the request nginx is about to serve may be served, and as whom. nginx
// passes the client's credentials (Authorization, Cookie) and the original request line
// (X-Original-Method, X-Original-URI); the route and its rules come from that URI, exactly as for a
// request Bouncer serves itself.
//
//   204  allowed: the route's identity headers (the full identity) and Bouncer-Cache-Key (auth state
//        and a digest of the partition, for nginx's content cache key); a request an onDenied: pass
//        route forwards untouched gets no identity
//   401  missing or bad token; 403 a claim rule (or a signed URL) refused; WWW-Authenticate as Bouncer
//        sends it (nginx relays a 401's itself; a 403's also goes as Bouncer-Challenge, which the printed
//        config adds to nginx's 403)
//   Cache-Control: max-age=N  how long nginx may reuse the answer: for an identity never past the
//        token's exp (as signed, no leeway) nor jwt.decisions.maxTtl; for a refusal
//        jwt.decisions.negativeTtl (at most 60 s). 400 and 429 are not to be reused.
import { createHash } from 'node:crypto';
import type { Authorizer } from '../auth/authorize.js';
import { isPromise, type GatewayRequest, type GatewayResponse, type HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import type { Verdict } from '../http/verdict.js';
import type { Metrics } from '../observability/metrics.js';

export interface CompanionOptions {
  readonly path: string;
  readonly authorizer: Authorizer;
  /** jwt.decisions.maxTtl */
  readonly maxTtlMs: number;
  /** jwt.decisions.negativeTtl */
  readonly deniedTtlMs: number;
  readonly now: () => number;
  readonly metrics: Metrics;
}

export interface Companion {
  /** Whether a request-target is the companion's (checked on every request: one comparison). */
  answers(url: string): boolean;
  answer(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse>;
}

/** A refusal is reused at most this long, whatever negativeTtl says: a token fixed later must not wait. */
const MAX_DENIED_TTL_MS = 60_000;
/** Fields of nginx's subrequest that describe it, not the client's request. */
const COMPANION_FIELDS = new Set(['x-original-method', 'x-original-uri', 'content-length', 'host']);
const NO_STORE = ['cache-control', 'no-store'];

export function createCompanion(options: CompanionOptions): Companion {
  const { path, authorizer, now, metrics } = options;
  const withQuery = `${path}?`;
  const deniedMaxAge = Math.floor(Math.min(options.deniedTtlMs, MAX_DENIED_TTL_MS) / 1000);

  function answers(url: string): boolean {
    return url === path || url.startsWith(withQuery);
  }

  function answer(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return counted({ status: 405, headers: ['allow', 'GET, HEAD', ...NO_STORE], body: null });
    const uri = fieldValue(request.headers, 'x-original-uri');
    if (uri === undefined || !uri.startsWith('/')) return counted({ status: 400, headers: NO_STORE, body: null });
    const original: GatewayRequest = {
      method: fieldValue(request.headers, 'x-original-method')?.toUpperCase() ?? 'GET',
      url: uri,
      headers: clientFields(request.headers),
      remoteAddress: request.remoteAddress,
      secure: request.secure,
      body: null,
    };
    const verdict = authorizer.authorize(original);
    return isPromise(verdict) ? verdict.then((settled) => counted(decided(settled))) : counted(decided(verdict));
  }

  function decided(verdict: Verdict): GatewayResponse {
    if (verdict.kind === 'refused') {
      const { status } = verdict.response;
      const challenge = headerOf(verdict.response.headers, 'www-authenticate');
      const extra = challenge === undefined ? [] : ['www-authenticate', challenge, ...(status === 403 ? ['bouncer-challenge', challenge] : [])];
      if (status === 401 || status === 403) return { status, headers: ['cache-control', `max-age=${deniedMaxAge}`, ...extra], body: null };
      const retry = headerOf(verdict.response.headers, 'retry-after');
      return { status, headers: [...NO_STORE, ...(retry === undefined ? [] : ['retry-after', retry])], body: null };
    }
    if (verdict.access === 'unauthenticated') {
      return { status: 204, headers: ['cache-control', `max-age=${deniedMaxAge}`, 'bouncer-cache-key', 'anonymous'], body: null };
    }
    const headers: string[] = [];
    for (const [name, value] of verdict.identityHeaders()) headers.push(name, value);
    headers.push('bouncer-cache-key', cacheKey(verdict.access === 'user', verdict.partition));
    headers.push('cache-control', `max-age=${verdict.access === 'user' ? identityMaxAge(verdict.claims, verdict.expiresAt) : deniedMaxAge}`);
    return { status: 204, headers, body: null };
  }

  /** Whole seconds the identity stays good: never past the token's exp as signed, nor maxTtl. */
  function identityMaxAge(claims: Readonly<Record<string, unknown>> | undefined, expiresAt: number): number {
    const at = now();
    // A remembered decision's expiresAt may include the verifier's leeway: the signed exp bounds it.
    const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : Infinity;
    const until = Math.min(exp, expiresAt, at + options.maxTtlMs);
    return Math.max(0, Math.floor((until - at) / 1000));
  }

  function counted(response: GatewayResponse): GatewayResponse {
    metrics.companion.labels(String(response.status)).inc();
    return response;
  }

  return { answers, answer };
}

/**
 * What nginx's content cache key must hold of the identity, as Bouncer's own key does: the auth
 * state and the partition claims' values (a digest: the values may hold anything).
 */
function cacheKey(user: boolean, partition: string): string {
  if (!user) return 'anonymous';
  return partition === '' ? 'user' : `user.${createHash('sha256').update(partition).digest('base64url').slice(0, 22)}`;
}

function clientFields(headers: HeaderMap): HeaderMap {
  const out: HeaderMap = {};
  for (const name in headers) if (!COMPANION_FIELDS.has(name)) out[name] = headers[name];
  return out;
}

function headerOf(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}
