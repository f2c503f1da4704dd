// A route's cache behaviour (its `cache:` section plus cache-wide defaults), compiled once at start
// and looked up by route index.
import type { Config, RouteConfig } from '../config/schema.js';
import { foldHeaderName } from '../upstream/header-names.js';
import type { StoreRule } from './storable.js';

export interface RouteCache extends StoreRule {
  readonly enabled: boolean;
  /** Request headers (folded names) that are part of the key and forwarded even if otherwise stripped as unkeyed. */
  readonly keyHeaders: readonly string[];
  /** compose: esi — every response is an ESI page, whatever its Surrogate-Control. */
  readonly compose: boolean;
}

export function compileRouteCaches(routes: readonly RouteConfig[], cache: Config['cache']): { readonly byRoute: readonly RouteCache[]; readonly unmatched: RouteCache } {
  return {
    byRoute: routes.map((route) =>
      Object.freeze({
        enabled: route.cache?.enabled ?? true,
        ttl: route.cache?.ttl,
        shareAuthenticated: route.cache?.shareAuthenticated ?? false,
        staleWhileRevalidate: route.cache?.staleWhileRevalidate,
        staleIfError: route.cache?.staleIfError,
        heuristic: route.cache?.heuristic,
        staleOnError: cache.staleOnError,
        // Folded: the key reads, and the origin gets, the one spelling "-" (header-names.ts).
        keyHeaders: (route.cache?.keyHeaders ?? []).map(foldHeaderName),
        compose: route.compose === 'esi',
      }),
    ),
    // Paths no route matches are forwarded as they are, never cached.
    unmatched: Object.freeze({
      enabled: false,
      ttl: undefined,
      shareAuthenticated: false,
      staleWhileRevalidate: undefined,
      staleIfError: undefined,
      heuristic: undefined,
      staleOnError: 0,
      keyHeaders: [],
      compose: false,
    }),
  };
}
