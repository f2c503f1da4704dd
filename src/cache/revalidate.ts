// revalidate: a 304 answering Bouncer's conditional request (RFC 9111 §4.3.3, §4.3.4). It updates the
// stored response only when its validator selects it; the updated fields then pass the same store
// rules as a new response (a 304 that adds `private` or `no-store` ends the entry).
import { parseHttpDate } from '../http/date.js';
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import { opaqueTag } from './conditional.js';
import { headerMapOf } from './entry.js';
import type { StoredEntry } from './store.js';

/**
 * RFC 9111 §4.3.4: whether a 304 selects the stored response. A strong ETag must match the stored one
 * strongly, a weak one weakly; without an ETag, Last-Modified must be the same instant. A 304 with
 * neither answers our own conditional request and contradicts nothing: it selects (Bouncer's choice;
 * the RFC's third rule would ask for a stored response without validators, and it has them).
 */
export function selects(stored: StoredEntry, notModified: HeaderMap): boolean {
  const etag = fieldValue(notModified, 'etag');
  if (etag !== undefined) {
    if (stored.etag === undefined) return false;
    const strong = !etag.trim().startsWith('W/');
    if (strong && stored.etag.trim().startsWith('W/')) return false;
    return opaqueTag(etag) === opaqueTag(stored.etag);
  }
  const lastModified = fieldValue(notModified, 'last-modified');
  if (lastModified !== undefined) {
    if (stored.lastModified === undefined) return false;
    const time = parseHttpDate(lastModified);
    return Number.isFinite(time) && time === parseHttpDate(stored.lastModified);
  }
  return true;
}

// RFC 9111 §3.2: every field of the 304 replaces the stored one, except Content-Length, fields
// computed per delivery, and what is never stored (Set-Cookie reaches only the client it answers).
const NOT_UPDATED: ReadonlySet<string> = new Set(['content-length', 'age', 'set-cookie', 'transfer-encoding', 'connection', 'keep-alive']);

/** RFC 9111 §3.2: the stored response's fields updated with those of the 304. */
export function updatedFields(stored: StoredEntry, notModified: HeaderMap): HeaderMap {
  const fields: HeaderMap = headerMapOf(stored);
  // Purge labels the 304 carries replace the stored ones as a whole (which field each came from is not kept).
  if (notModified['surrogate-key'] !== undefined || notModified['cache-tag'] !== undefined) {
    delete fields['surrogate-key'];
    delete fields['cache-tag'];
  }
  for (const name in notModified) {
    const value = notModified[name];
    if (value === undefined || NOT_UPDATED.has(name)) continue;
    fields[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return fields;
}
