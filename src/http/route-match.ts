// Route selection: the configured path prefixes, compiled once, matched case-insensitively against
// the normalised path (an origin that ignores case must not see /API/ as a public path). First match
// wins; -1 for a path no route matches. Auth and the cache each compile their half of a route and
// look it up by this index.

export type RouteMatcher = (path: string) => number;

export function compileMatcher(prefixes: readonly string[]): RouteMatcher {
  const lower = prefixes.map((prefix) => prefix.toLowerCase());
  return (path) => {
    const candidate = path.toLowerCase();
    for (let i = 0; i < lower.length; i++) if (matchesPrefix(candidate, lower[i]!)) return i;
    return -1;
  };
}

/** "/api/" matches "/api/x" and "/api"; "/api" matches "/api" and "/api/x" but not "/apix". */
function matchesPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(prefix + '/');
}
