// The route table: configured routes compiled once at start-up into policies matched by prefix
// against the normalised path. First match wins; an unmatched path is proxied without auth or cache.
import type { AppAuth, AppAuthOptions } from '../auth/delegate.js';
import { compileRule, type ClaimPredicate } from '../auth/rules.js';
import type { DelegateConfig, RecheckConfig } from '../config/app-auth-schema.js';
import type { CacheRule } from '../cache/freshness.js';
import type { RouteConfig } from '../config/schema.js';
import { foldHeaderName } from '../upstream/header-names.js';

/** Builds the client of an app auth endpoint (start.ts adds the clock and the metrics hook). */
export type AppAuthFactory = (endpoint: Omit<AppAuthOptions, 'now' | 'onAnswer'>) => AppAuth;


/** A route's cache behaviour: RFC rules plus what the route adds. */
export interface RouteCache extends CacheRule {
  readonly enabled: boolean;
  /** Request headers (folded names) that are part of the key and forwarded even if otherwise stripped as unkeyed. */
  readonly keyHeaders: readonly string[];
}

const NO_CACHE: RouteCache = Object.freeze({
  enabled: false,
  ttl: undefined,
  shareAuthenticated: false,
  staleWhileRevalidate: undefined,
  staleIfError: undefined,
  heuristic: undefined,
  keyHeaders: [],
});

export interface RoutePolicy {
  readonly index: number;
  readonly prefix: string;
  readonly auth: RouteConfig['auth'];
  readonly onDenied: RouteConfig['onDenied'];
  readonly cache: RouteCache;
  readonly partitionBy: readonly string[];
  /** Claim → header name (lower-case). */
  readonly identityHeaders: Readonly<Record<string, string>>;
  readonly tokenQueryParam: string | undefined;
  /** Cookie read for the credential on this route, when not jwt.cookie (delegate.cookie). */
  readonly cookieName: string | undefined;
  /** The compiled `require` rule, or undefined when any valid token will do. */
  readonly allows: ClaimPredicate | undefined;
  /** auth: delegate — the app decides; required/optional with recheck — the app is asked as well. */
  readonly app: AppAuth | undefined;
}

/** The policy for paths no route matches: forwarded as they are, never cached. */
export const UNMATCHED: RoutePolicy = Object.freeze({
  index: -1,
  prefix: '',
  auth: 'off',
  onDenied: 'pass',
  cache: NO_CACHE,
  partitionBy: [],
  identityHeaders: {},
  tokenQueryParam: undefined,
  cookieName: undefined,
  allows: undefined,
  app: undefined,
});

export interface RouteTable {
  match(path: string): RoutePolicy;
  /** Every header name any route fills from claims or the app's answer, folded: always removed from client requests. */
  readonly identityHeaderNames: ReadonlySet<string>;
}

export function compileRoutes(routes: readonly RouteConfig[], appAuth: AppAuthFactory): RouteTable {
  const policies: RoutePolicy[] = routes.map((route, index) => ({
    index,
    // Matching ignores case: an origin that ignores case must not see /API/ as a public path.
    prefix: route.path.toLowerCase(),
    auth: route.auth,
    onDenied: route.onDenied,
    cache: compileCache(route.cache),
    partitionBy: route.delegate === undefined ? route.partitionBy : route.partitionBy.map((header) => header.toLowerCase()),
    // A delegate route's identity is the app's headers, held as claims named after them.
    identityHeaders:
      route.delegate === undefined
        ? Object.fromEntries(Object.entries(route.identityHeaders).map(([claim, header]) => [claim, header.toLowerCase()]))
        : Object.fromEntries(route.delegate.identityHeaders.map((header) => [header, header])),
    tokenQueryParam: route.tokenQueryParam,
    cookieName: route.delegate?.cookie,
    allows: route.require === undefined ? undefined : compileRule(route.require),
    app: appAuthOf(route, appAuth),
  }));
  const identityHeaderNames = new Set(policies.flatMap((p) => Object.values(p.identityHeaders).map(foldHeaderName)));

  return {
    identityHeaderNames,
    match(path) {
      const lower = path.toLowerCase();
      for (const policy of policies) {
        if (matchesPrefix(lower, policy.prefix)) return policy;
      }
      return UNMATCHED;
    },
  };
}

function compileCache(cache: RouteConfig['cache']): RouteCache {
  return Object.freeze({
    enabled: cache?.enabled ?? true,
    ttl: cache?.ttl,
    shareAuthenticated: cache?.shareAuthenticated ?? false,
    staleWhileRevalidate: cache?.staleWhileRevalidate,
    staleIfError: cache?.staleIfError,
    heuristic: cache?.heuristic,
    // Folded: the key reads, and the origin gets, the one spelling "-" (header-names.ts).
    keyHeaders: (cache?.keyHeaders ?? []).map(foldHeaderName),
  });
}

function appAuthOf(route: RouteConfig, appAuth: AppAuthFactory): AppAuth | undefined {
  const { delegate, recheck } = route;
  if (delegate !== undefined) {
    return appAuth({
      ...endpointOf(delegate),
      identityHeaders: delegate.identityHeaders,
      allowedTtlMs: delegate.allowedTtl,
      honourMaxAge: true,
      maxAllowedTtlMs: delegate.maxAllowedTtl,
      per: delegate.per,
      maxCredentialBytes: delegate.maxCredentialBytes,
    });
  }
  if (recheck !== undefined) {
    // The credential is a token that verified; the period is fixed and holds per token on this route.
    return appAuth({
      ...endpointOf(recheck),
      identityHeaders: [],
      allowedTtlMs: recheck.every,
      honourMaxAge: false,
      maxAllowedTtlMs: recheck.every,
      per: 'route',
      maxCredentialBytes: undefined,
    });
  }
  return undefined;
}

function endpointOf(endpoint: DelegateConfig | RecheckConfig) {
  return {
    url: endpoint.url,
    forwardHeaders: endpoint.forwardHeaders,
    timeoutMs: endpoint.timeout,
    deniedTtlMs: endpoint.deniedTtl,
    max: endpoint.max,
    maxBytes: endpoint.maxBytes,
  };
}

/** "/api/" matches "/api/x" and "/api"; "/api" matches "/api" and "/api/x" but not "/apix". */
function matchesPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(prefix + '/');
}
