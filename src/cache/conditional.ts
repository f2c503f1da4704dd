// A client's own conditional request answered from a stored response (RFC 9110 §13): the stored
// response is what the origin would have sent, so its validators decide.
import { parseHttpDate } from '../http/date.js';
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue, listMembers } from '../http/fields.js';
import type { StoredEntry } from './store.js';

export function isConditional(headers: HeaderMap): boolean {
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
}

/**
 * RFC 9110 §13.1.2 / §13.1.3, evaluated in the order of §13.2.2: If-None-Match (weak comparison)
 * wins; If-Modified-Since is looked at only without it.
 */
export function notModified(entry: StoredEntry, headers: HeaderMap): boolean {
  const ifNoneMatch = fieldValue(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    if (entry.etag === undefined) return false;
    const wanted = opaqueTag(entry.etag);
    return listMembers(ifNoneMatch).some((tag) => opaqueTag(tag) === wanted);
  }
  const ifModifiedSince = fieldValue(headers, 'if-modified-since');
  if (ifModifiedSince === undefined || entry.lastModified === undefined) return false;
  const since = parseHttpDate(ifModifiedSince);
  const modified = parseHttpDate(entry.lastModified);
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** RFC 9110 §8.8.3.2: weak comparison looks at the opaque-tag only. */
export function opaqueTag(tag: string): string {
  const trimmed = tag.trim();
  return trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
}

/** RFC 9110 §8.8.3.2: strong comparison: both strong and the same opaque-tag. */
export function strongMatch(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  return !x.startsWith('W/') && !y.startsWith('W/') && x === y;
}
