// Where a token comes from (Authorization header, cookie, query) and the cheap syntax check that runs
// before any cryptography, so a flood of garbage costs one pass over a short string.
import type { DenyReason } from './types.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The token of a request: `Authorization: Bearer <t>` (scheme case-insensitive), else the named
 * cookie, else the optional query parameter. Header names are expected lower-case (as node:http gives
 * them). Several Authorization headers are ambiguous and ignored.
 */
export function extractToken(
  headers: HeaderBag,
  cookieName: string,
  query?: { param: string; search: string },
): string | undefined {
  const bearer = bearerToken(headers['authorization']);
  if (bearer !== undefined) return bearer;
  const cookie = headers['cookie'];
  if (cookie !== undefined) {
    const list = typeof cookie === 'string' ? [cookie] : cookie;
    for (const line of list) {
      const value = cookieValue(line, cookieName);
      if (value !== undefined) return value;
    }
  }
  if (query !== undefined) return queryValue(query.search, query.param);
  return undefined;
}

/**
 * Whether a request may carry a token in the named cookie or the query parameter: RFC 9111 §3.5
 * treats it as credentialed, as for an Authorization header. A substring test, no parsing (it runs
 * for requests nobody authenticated, cache hits included); a false "yes" only makes a response less
 * shareable.
 */
export function mayCarryToken(headers: HeaderBag, url: string, cookieName: string, queryParam: string | undefined): boolean {
  const cookie = headers['cookie'];
  if (cookie !== undefined && (typeof cookie === 'string' ? cookie : cookie.join(';')).includes(`${cookieName}=`)) return true;
  return queryParam !== undefined && url.includes(`${queryParam}=`);
}

// "bearer" as char codes, lower case; a letter's code | 0x20 is its lower-case code.
const BEARER = [0x62, 0x65, 0x61, 0x72, 0x65, 0x72];

function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = typeof header === 'string' ? header : header?.length === 1 ? header[0] : undefined;
  if (value === undefined || value.length < 8) return undefined;
  // Compared by char code: this runs on every request, and slice + toLowerCase allocated two strings.
  for (let i = 0; i < 6; i++) if ((value.charCodeAt(i) | 0x20) !== BEARER[i]) return undefined;
  const separator = value.charCodeAt(6);
  if (separator !== 0x20 && separator !== 0x09) return undefined;
  const token = mayBeSpace(value.charCodeAt(7)) || mayBeSpace(value.charCodeAt(value.length - 1)) ? value.slice(7).trim() : value.slice(7);
  return token === '' ? undefined : token;
}

/** Whether trim() could remove this character (ASCII space and controls, or anything non-ASCII). */
function mayBeSpace(code: number): boolean {
  return code <= 0x20 || code >= 0x7f;
}

function cookieValue(line: string, name: string): string | undefined {
  for (const pair of line.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value === '' ? undefined : value;
  }
  return undefined;
}

function queryValue(search: string, param: string): string | undefined {
  const query = search.startsWith('?') ? search.slice(1) : search;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq) !== param) continue;
    try {
      const value = decodeURIComponent(pair.slice(eq + 1));
      return value === '' ? undefined : value;
    } catch {
      return undefined; // bad percent-encoding: no token rather than a guess
    }
  }
  return undefined;
}

// Three non-empty runs of the base64url alphabet. V8 compiles this to a tight scanner, measured about
// three times faster than a charCodeAt loop with a lookup table.
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// The 6-bit value of each base64url character, for the canonical-bits check.
const VALUE = new Uint8Array(128);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  .split('')
  .forEach((char, index) => (VALUE[char.charCodeAt(0)] = index));

/**
 * A compact JWS in the strict form: exactly three non-empty segments of unpadded, canonical base64url
 * (RFC 7515 §2, RFC 4648 §3.5), at most maxBytes long. A JWE has five segments and is refused here.
 */
export function checkTokenSyntax(token: string, maxBytes: number): DenyReason | undefined {
  if (token.length > maxBytes || !SHAPE.test(token)) return 'malformed';
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const canonical =
    canonicalSegment(token, 0, first) && canonicalSegment(token, first + 1, second) && canonicalSegment(token, second + 1, token.length);
  return canonical ? undefined : 'malformed';
}

// A segment's length mod 4 is never 1, and the bits of its last character that do not make a whole
// byte are zero, so each byte string has exactly one accepted encoding.
function canonicalSegment(token: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const bits = VALUE[token.charCodeAt(end - 1)] as number;
  return (bits & (rest === 2 ? 0x0f : 0x03)) === 0;
}
