// The content cache key: method, normalised path, sorted query, and the partition claims' values.
// GET and HEAD share an entry (HEAD is answered from the GET response).

export function contentKey(path: string, query: string, partition: string): string {
  // U+0001 cannot occur in a normalised path or query, so the partition cannot be forged through them.
  return `GET ${path}${query ? '?' + sortQuery(query) : ''}${partition ? '\u0001' + partition : ''}`;
}

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

/** Removes one parameter (e.g. a token carried in the query) from a raw query string. */
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
