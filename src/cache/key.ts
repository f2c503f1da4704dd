// The content cache key: method, normalised path, sorted query, and the partition claims' values.
// GET and HEAD share an entry (HEAD is answered from the GET response).

// Control characters cannot occur in a normalised path or query (path.ts refuses them), so neither
// the partition nor a variant can be forged through the URL.
const PARTITION_SEPARATOR = '\u0001';
export const VARIANT_SEPARATOR = '\u0002';

export function contentKey(path: string, query: string, partition: string): string {
  return urlKey(path, query) + (partition ? PARTITION_SEPARATOR + partition : '');
}

/** The URL part of a key, "GET /path?sorted-query": what purge by URL and invalidation address. */
export function urlKey(path: string, query: string): string {
  return `GET ${path}${query ? '?' + sortQuery(query) : ''}`;
}

export function urlOfKey(key: string): string {
  const end = key.indexOf(PARTITION_SEPARATOR);
  return end === -1 ? key : key.slice(0, end);
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
