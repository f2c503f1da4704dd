// The words of an explain (admin POST /explain, `bouncer explain`): one outcome an operator or a
// script can switch on, the reason beside it, the rule that decided whether the response is stored,
// and lines to read. The facts come from the gateway (gateway/explain.ts), in the shapes defined here; this file only
// words them.
import { z } from 'zod';
import { keyParts } from '../cache/key.js';
import { NOT_STORABLE_RULES } from '../cache/storable.js';
import type { TokenSource } from '../auth/explain.js';
import type { CacheExplanation } from '../cache/explain.js';
import type { RouteConfig } from '../config/schema.js';
import type { Access } from '../http/verdict.js';
import type { AuthOutcome } from '../observability/metrics.js';

/** The request to explain, as plain JSON (it crosses the cluster's IPC bus). */
export interface ExplainRequest {
  /** Path and query ("/api/v1/feed?page=2"). */
  readonly url: string;
  readonly method?: string | undefined;
  /** Request headers (the token goes in Authorization or Cookie). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The request carries a body (a GET with one is never served from the cache). */
  readonly body?: boolean | undefined;
  /** The client address, for the flood limiter's verdict (read, never counted). */
  readonly client?: string | undefined;
}

export interface RouteFacts {
  readonly index: number;
  readonly path: string;
  readonly auth: RouteConfig['auth'];
  readonly onDenied: RouteConfig['onDenied'];
  readonly cache: boolean;
  readonly partitionBy: readonly string[];
}

export interface Explanation {
  readonly pid: number;
  readonly request: { readonly method: string; readonly url: string };
  /** The route the normalised path picked; null: none (proxied without auth or cache). */
  readonly route: RouteFacts | null;
  readonly auth: {
    readonly token: TokenSource;
    readonly outcomes: readonly AuthOutcome[];
    readonly remembered: boolean;
    readonly asksApp: boolean;
    /** allowed (with access) or refused (with status); undefined while the app would have to be asked. */
    readonly decision: 'allowed' | 'refused' | undefined;
    readonly access: Access | undefined;
    readonly status: number | undefined;
    /** Why a token was refused (a deny reason, forbidden, no_token, rate_limited, revoked…), "" when not. */
    readonly reason: string;
    readonly subject: string | undefined;
  };
  /** Serve's side; undefined when the request never reaches it (refused, or the app would be asked). */
  readonly cache: CacheExplanation | undefined;
}

/**
 * no-route: proxied without auth or cache; denied: refused (401/403/429; reason says why);
 * asks-app: only the application's auth endpoint could decide (explain does not ask it); bypass: not
 * served from the cache (method, body, a route without cache, a refused token passed on); not-stored:
 * the key's last response could not be stored (reason: the rule); fresh: a stored, fresh entry;
 * stale: a stored entry past its freshness; miss: nothing stored and nothing known against it;
 * bad-request: the request-target is refused (400).
 */
export type ExplainOutcome = 'no-route' | 'denied' | 'asks-app' | 'bypass' | 'not-stored' | 'fresh' | 'stale' | 'miss' | 'bad-request';

export interface ExplainAnswer extends Explanation {
  readonly outcome: ExplainOutcome;
  /** The deny reason, the bypass reason, the refusal (set-cookie…), or the stale state; "" when none. */
  readonly reason: string;
  /** For a stored-or-not verdict, the rule that decided it ("not stored: response had Set-Cookie…"). */
  readonly rule: string | undefined;
  readonly summary: string;
  readonly lines: readonly string[];
  /** In a cluster, each worker's outcome (their caches are their own). */
  readonly workers?: ReadonlyArray<{ readonly pid: number; readonly outcome: ExplainOutcome; readonly reason: string }>;
}

export const explainRequestSchema = z.strictObject({
  url: z.string().regex(/^\//, 'must start with "/"').max(16 * 1024),
  method: z.string().regex(/^[A-Za-z]{1,16}$/).optional(),
  /** Sent as Authorization: Bearer. */
  token: z.string().min(1).max(64 * 1024).optional(),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string().max(64 * 1024)).optional(),
  body: z.boolean().optional(),
  client: z.string().max(64).optional(),
});
export type ExplainBody = z.output<typeof explainRequestSchema>;

export function explainRequestOf(body: ExplainBody): ExplainRequest {
  const headers = { ...(body.headers ?? {}), ...(body.token === undefined ? {} : { authorization: `Bearer ${body.token}` }) };
  return { url: body.url, method: body.method, headers, body: body.body, client: body.client };
}

const BYPASS_WORDS: Readonly<Record<string, string>> = {
  method: 'only GET and HEAD are served from the cache',
  body: 'the request carries a body',
  'cache-disabled': 'the route says cache: { enabled: false }',
  unauthenticated: 'the token was refused and the route says onDenied: pass (forwarded untouched, without identity, uncached)',
};

const NEXT_WORDS: Readonly<Record<string, string>> = {
  hit: 'answered from the cache (hit)',
  stale: 'answered stale while one background request refreshes it',
  revalidate: 'revalidated with the origin (a conditional request), then answered',
  fetch: 'fetched from the origin once (concurrent requests wait for it), stored if the rules allow',
  collapse: 'waits for the fetch of this key already under way',
  forward: 'forwarded to the origin alone, with the full identity, not stored',
  pass: 'forwarded to the origin, not stored',
};

/** The answer for a request, from every worker's explanation (the first one is the main answer). */
export function answerOf(explanations: readonly Explanation[]): ExplainAnswer {
  const [first, ...rest] = explanations.map(word);
  if (first === undefined) throw new Error('no worker answered');
  if (rest.length === 0) return first;
  return { ...first, workers: [first, ...rest].map((a) => ({ pid: a.pid, outcome: a.outcome, reason: a.reason })) };
}

function word(e: Explanation): ExplainAnswer {
  const lines: string[] = [`request:  ${e.request.method} ${e.request.url}`];
  const route = e.route;
  lines.push(
    route === null
      ? 'route:    none matches: proxied as it is, without auth or cache'
      : `route:    #${route.index} ${route.path} (auth ${route.auth}, onDenied ${route.onDenied}, ${route.cache ? 'cached' : 'not cached'}${route.partitionBy.length > 0 ? `, partitioned by ${route.partitionBy.join(', ')}` : ''})`,
  );
  const { auth } = e;
  const readsTokens = route !== null && route.auth !== 'off';
  lines.push(`token:    ${readsTokens || auth.token !== 'none' ? TOKEN_WORDS[auth.token] : 'not read (the route does not look at tokens)'}`);
  const how = auth.asksApp ? 'not remembered' : auth.remembered ? 'remembered decision' : auth.outcomes.length === 0 ? 'no decision needed' : 'checked now';
  const counted = auth.outcomes.length === 0 ? '' : `; counts as ${auth.outcomes.join(' + ')}`;

  const done = (outcome: ExplainOutcome, reason: string, summary: string, rule?: string): ExplainAnswer => {
    if (rule !== undefined) lines.push(`rule:     ${rule}`);
    lines.push(`outcome:  ${outcome}${reason === '' ? '' : ` (${reason})`}: ${summary}`);
    return { ...e, outcome, reason, rule, summary, lines };
  };

  if (auth.asksApp) {
    lines.push(`decision: the application's auth endpoint decides (${how}); explain does not ask it`);
    return done('asks-app', '', 'a real request would ask the application first');
  }
  if (auth.decision === 'refused') {
    lines.push(`decision: refused ${auth.status}: ${auth.reason} (${how}${counted})`);
    if (auth.status === 400) return done('bad-request', auth.reason, 'the request-target is refused before any route is chosen');
    return done('denied', auth.reason, `answered ${auth.status} by Bouncer, ${DENY_WORDS[auth.reason] ?? 'the token was refused'}`);
  }
  lines.push(`decision: ${decisionWords(e)} (${how}${counted})`);
  const cache = e.cache!;
  if (cache.action === 'pass') {
    if (cache.reason === 'no-route') return done('no-route', '', 'forwarded to the origin as it is');
    const detail = cache.reason === 'method' ? `${e.request.method}: ${BYPASS_WORDS.method}` : BYPASS_WORDS[cache.reason]!;
    return done('bypass', cache.reason, `${NEXT_WORDS.pass}: ${detail}`);
  }
  const parts = keyParts(cache.key);
  lines.push(`key:      ${parts.url} · ${parts.access}${parts.partition === '' ? '' : ` · partition ${parts.partition}`}${parts.keyed === '' ? '' : ` · keyed ${parts.keyed.trim()}`}`);
  if (cache.learnedFields.length > 0) lines.push(`fills:    also send ${cache.learnedFields.join(', ')} (the origin's answers vary on them)`);
  const entry = cache.entry;
  if (entry !== undefined) {
    lines.push(
      `stored:   yes: ${entry.status}, ${entry.bytes} bytes, age ${entry.ageSeconds} s, ` +
        (entry.freshForSeconds > 0 ? `fresh for ${entry.freshForSeconds} s more` : `stale for ${-entry.freshForSeconds} s`) +
        `; then stale-while-revalidate ${window(entry.staleWhileRevalidateForSeconds, entry.freshForSeconds)} s, stale-if-error ${window(entry.staleIfErrorForSeconds, entry.freshForSeconds)} s` +
        (entry.refreshAheadInSeconds === undefined ? '' : entry.refreshAheadInSeconds <= 0 ? '; due for refresh ahead' : `; refreshed ahead in ${entry.refreshAheadInSeconds} s`),
    );
  } else {
    lines.push('stored:   no');
  }
  if (cache.notStored !== undefined) lines.push(`marked:   not storable for now (${cache.notStored}); within cache.uncacheableTtl requests are forwarded alone`);
  lines.push(`next:     ${NEXT_WORDS[cache.next]}${cache.inFlight && cache.next !== 'collapse' ? ' (a fetch is under way)' : ''}`);
  const storedRule = entry === undefined ? undefined : `stored: ${entry.policy.field === 'cache-control' && entry.policy.value === '' ? 'no Cache-Control; the route\'s rules gave it its lifetime' : `${entry.policy.field}: ${entry.policy.value}`}`;
  if (cache.state === 'fresh') return done('fresh', '', `stored and fresh for ${entry!.freshForSeconds} s more`, storedRule);
  if (cache.state === 'stale-while-revalidate' || cache.state === 'stale') {
    return done('stale', cache.state === 'stale' ? 'stale' : 'stale-while-revalidate', `stored, stale for ${-entry!.freshForSeconds} s: ${NEXT_WORDS[cache.next]}`, storedRule);
  }
  if (cache.notStored !== undefined) {
    return done('not-stored', cache.notStored, 'the last response for this key was not stored', `not stored: ${NOT_STORABLE_RULES[cache.notStored]}`);
  }
  return done('miss', '', 'nothing stored for this key (never fetched, expired, evicted or purged)');
}

/** How long a stale window lasts past freshness, from the seconds left in it and in freshness. */
function window(leftSeconds: number, freshForSeconds: number): number {
  return Math.max(0, Math.round((leftSeconds - Math.max(0, freshForSeconds)) * 10) / 10);
}

const TOKEN_WORDS: Readonly<Record<string, string>> = {
  authorization: 'Authorization: Bearer header',
  cookie: 'the token cookie',
  query: 'the query parameter',
  none: 'none sent',
};

const DENY_WORDS: Readonly<Record<string, string>> = {
  no_token: 'no token was sent on a route that requires one',
  malformed: 'the token is not a well-formed JWS (refused without any crypto)',
  forbidden: "the token is valid but fails the route's claim rules (require)",
  rate_limited: 'this client sent too many bad tokens (flood limit)',
  revoked: 'the token was revoked (logout or POST /revoke)',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet (nbf)',
  bad_signature: 'the signature does not verify',
  unknown_key: 'no configured key matches its kid/alg',
  alg_not_allowed: 'its algorithm is not allowed by any key',
  missing_exp: 'it has no exp',
  wrong_issuer: 'its issuer is not the configured one',
  wrong_audience: 'its audience is not the configured one',
  wrong_type: 'its typ is not the required one',
  invalid_claims: 'its claims are invalid (times not numbers, iat in the future…)',
  app_denied: "the application's auth endpoint refused it",
};

function decisionWords(e: Explanation): string {
  const { auth } = e;
  switch (auth.access) {
    case 'user':
      return `allowed${auth.subject === undefined ? '' : ` as sub ${auth.subject}`}`;
    case 'anonymous':
      return 'allowed without a token (auth optional)';
    case 'public':
      return 'allowed (the route does not look at tokens)';
    case 'unauthenticated':
      return `refused (${auth.reason}) and passed on untouched (onDenied: pass)`;
    default:
      return 'allowed';
  }
}
