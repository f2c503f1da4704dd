// Vary (RFC 9111 §4.1): a stored response answers only requests whose selecting header fields match
// those of the request it answered. The request compared is the one Bouncer sends the origin (its
// identity headers set, client copies removed), not the client's: an origin that varies on
// X-User-Id gets one variant per user. Accept-Encoding is compared by the coding it selects.
import { normaliseAcceptEncoding } from '../http/accept-encoding.js';
import { listMembers } from '../http/fields.js';

/** A request's header values as the origin sees them (lower-case names; undefined: not sent). */
export interface VaryRequest {
  header(name: string): string | undefined;
}

/** Request header names the response varies on (lower-case, sorted, unique), "*", or null for none. */
export function parseVary(value: string | undefined): string[] | '*' | null {
  const names = listMembers(value).map((name) => name.toLowerCase());
  if (names.includes('*')) return '*';
  return names.length ? [...new Set(names)].sort() : null;
}

/** The secondary-key fragment of a request, given the names a stored response varies on. */
export function variantOf(names: readonly string[], request: VaryRequest): string {
  let out = '';
  for (const name of names) {
    const value = request.header(name);
    out += `${name}=${name === 'accept-encoding' ? normaliseAcceptEncoding(value) : normaliseValue(value)}\n`;
  }
  return out;
}

/** RFC 9111 §4.1: values compared after normalising whitespace around list commas. */
function normaliseValue(value: string | undefined): string {
  // NUL cannot occur in a field value, so "absent" never equals a value sent.
  return value === undefined ? '\u0000' : value.trim().replace(/\s*,\s*/g, ',');
}
