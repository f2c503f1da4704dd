// Query strings as Bouncer handles them: parameters sorted for the cache key, one removed (a token
// or a signature carried in the query) before forwarding.

/** Query parameters sorted by name (stable for equal names), so ?a=1&b=2 and ?b=2&a=1 share a key. */
export function sortQuery(query: string): string {
  if (!query.includes('&')) return query;
  return query
    .split('&')
    .filter(Boolean)
    .map((pair, index) => ({ pair, name: pair.split('=', 1)[0]!, index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index))
    .map((p) => p.pair)
    .join('&');
}

/** Removes every occurrence of one parameter (compared decoded) from a raw query string. */
export function withoutParam(query: string, name: string): string {
  if (!query) return query;
  return query
    .split('&')
    .filter((pair) => pair && decodeName(pair.split('=', 1)[0]!) !== name)
    .join('&');
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
