// The fields of an assembled page. The page is one shared copy, but what a client receives holds
// per-user parts (includes made with its identity, its claims): downstream caches must not share it,
// and the stored page's validators and length describe the template, not what is sent.
//
// Cache-Control: private, no-cache. private keeps shared caches (CDNs, proxies) from storing it;
// no-cache (with no validator) makes a browser ask again before reusing it, since the identity
// behind the same browser may change. Range requests and conditional requests get the whole page.

/** Fields of the stored page that do not describe the assembled one (or must not reach downstream caches). */
const DROPPED: ReadonlySet<string> = new Set([
  'cache-control', 'expires', 'cdn-cache-control', 'surrogate-control',
  'etag', 'last-modified', 'accept-ranges', 'content-length', 'content-encoding',
]);

export const ASSEMBLED_CACHE_CONTROL = 'private, no-cache';

/** The page's delivered fields as the assembled page's (without a length: added when known). */
export function assembledHeaders(page: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < page.length; i += 2) {
    if (!DROPPED.has(page[i]!)) out.push(page[i]!, page[i + 1]!);
  }
  out.push('cache-control', ASSEMBLED_CACHE_CONTROL);
  return out;
}
