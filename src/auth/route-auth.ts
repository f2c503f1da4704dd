// The auth half of each configured route, compiled once at start-up and looked up by route index
// (see http/route-match.ts): how its tokens are read and decided, what a valid identity sends to
// the origin, and which of those values the cache key holds.
import type { DelegateConfig, RecheckConfig } from '../config/app-auth-schema.js';
import type { RouteConfig } from '../config/schema.js';
import type { AppAuth, AppAuthOptions } from './delegate.js';
import { foldHeaderName } from '../upstream/header-names.js';
import { compileRule, type ClaimPredicate } from './rules.js';

/** Builds the client of an app auth endpoint (assemble.ts adds the clock and the metrics hook). */
export type AppAuthFactory = (endpoint: Omit<AppAuthOptions, 'now' | 'onAnswer'>) => AppAuth;

export interface RouteAuth {
  readonly auth: RouteConfig['auth'];
  readonly onDenied: RouteConfig['onDenied'];
  readonly partitionBy: readonly string[];
  /** Claim → header name (lower-case); on a delegate route, the app's header names map to themselves. */
  readonly identityHeaders: Readonly<Record<string, string>>;
  /** Identity header names whose values the partition (and so the cache key) holds. */
  readonly keyedIdentity: ReadonlySet<string>;
  readonly tokenQueryParam: string | undefined;
  /** Cookie read for the credential on this route, when not jwt.cookie (delegate.cookie). */
  readonly cookieName: string | undefined;
  /** The compiled `require` rule, or undefined when any valid token will do. */
  readonly allows: ClaimPredicate | undefined;
  /** auth: delegate — the app decides; required/optional with recheck — the app is asked as well. */
  readonly app: AppAuth | undefined;
  /** signedUrls: a signed URL authorises instead of a token. */
  readonly signedUrls: boolean;
}

/** The policy for paths no route matches: forwarded as they are, tokens not read. */
export const UNMATCHED: RouteAuth = Object.freeze({
  auth: 'off',
  onDenied: 'pass',
  partitionBy: [],
  identityHeaders: {},
  keyedIdentity: new Set<string>(),
  tokenQueryParam: undefined,
  cookieName: undefined,
  allows: undefined,
  app: undefined,
  signedUrls: false,
});

export function compileRouteAuth(routes: readonly RouteConfig[], appAuth: AppAuthFactory): RouteAuth[] {
  return routes.map((route) => {
    // A delegate route's identity is the app's headers, held as claims named after them.
    const identityHeaders =
      route.delegate === undefined
        ? Object.fromEntries(Object.entries(route.identityHeaders).map(([claim, header]) => [claim, header.toLowerCase()]))
        : Object.fromEntries(route.delegate.identityHeaders.map((header) => [header, header]));
    const partitionBy = route.delegate === undefined ? route.partitionBy : route.partitionBy.map((header) => header.toLowerCase());
    return Object.freeze({
      auth: route.auth,
      onDenied: route.onDenied,
      partitionBy,
      identityHeaders,
      keyedIdentity: new Set(partitionBy.flatMap((claim) => (identityHeaders[claim] === undefined ? [] : [identityHeaders[claim]]))),
      tokenQueryParam: route.tokenQueryParam,
      cookieName: route.delegate?.cookie,
      allows: route.require === undefined ? undefined : compileRule(route.require),
      app: appAuthOf(route, appAuth),
      signedUrls: route.signedUrls,
    });
  });
}

/** Every header name any route fills from claims or the app's answer, folded: always removed from client requests. */
export function identityHeaderNames(routes: readonly RouteAuth[]): ReadonlySet<string> {
  return new Set(routes.flatMap((route) => Object.values(route.identityHeaders).map(foldHeaderName)));
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
  return { url: endpoint.url, forwardHeaders: endpoint.forwardHeaders, timeoutMs: endpoint.timeout, deniedTtlMs: endpoint.deniedTtl, max: endpoint.max, maxBytes: endpoint.maxBytes };
}
