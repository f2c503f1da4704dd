// Which client request headers never reach the origin, compared by the name an origin reads rather
// than by its bytes. CGI (RFC 3875 §4.1.18) and with it PHP-FPM, and the frameworks on top (Laravel's
// Request reads $_SERVER), turn a header into HTTP_<NAME> by upper-casing it and mapping "-" to "_":
// `X-User-Id` and `X_User_Id` become one variable. So a name is folded (lower case, "_" as "-") before
// it is compared with anything Bouncer removes or reserves.

/** The spelling names are compared in: lower case, "_" as "-". */
export function foldHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower;
}

/**
 * Request headers that change what an origin generates (links, scheme, client address, routing,
 * method) but are not in the cache key: a cache-poisoning vector, so they never reach the origin
 * unless a route keys on them (cache.keyHeaders). Folded names.
 */
export const UNKEYED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-host', 'x-forwarded-server', 'x-forwarded-port', 'x-forwarded-prefix', 'x-host',
  'x-forwarded-scheme', 'x-forwarded-ssl', 'front-end-https', 'x-real-ip', 'true-client-ip',
  'x-original-url', 'x-rewrite-url', 'x-original-host', 'forwarded',
  'x-http-method-override', 'x-http-method', 'x-method-override',
]);

/** Set by Bouncer itself on every origin request: a client's copy, in any spelling, is removed. */
const SET_BY_BOUNCER: ReadonlySet<string> = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto']);

export interface StripPolicy {
  /** Folded names only Bouncer may set (identity headers). */
  readonly reserved: ReadonlySet<string>;
  /** Folded unkeyed names the route keys on: forwarded after all. */
  readonly keyed: readonly string[];
}

/**
 * Whether the client header `name` (lower case, as received), folded to `folded`, is removed. A keyed
 * header travels only under its own spelling: the key reads that one value, and a second spelling
 * would reach a folding origin without being in the key.
 */
export function isStripped(name: string, folded: string, policy: StripPolicy): boolean {
  if (SET_BY_BOUNCER.has(folded) || policy.reserved.has(folded)) return true;
  if (!UNKEYED_REQUEST_HEADERS.has(folded)) return false;
  return name !== folded || !policy.keyed.includes(folded);
}
