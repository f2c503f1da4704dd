// What a verified identity becomes on the way to the origin: identity headers (claim → header) and the
// partition part of the cache key. Only well-formed values travel: a claim value that could split or
// smuggle a header (CR, LF, NUL, any control character) is dropped, never "cleaned".
import type { JWTPayload } from 'jose';

/** Longer values are dropped rather than truncated (a cut list of roles would say something else). */
export const MAX_IDENTITY_VALUE_LENGTH = 1024;

/**
 * [header, value] pairs for the claims named in `mapping` (claim → header name). Strings, numbers and
 * booleans are sent as text; arrays of those joined with ","; objects, missing claims and unsafe or
 * oversize values are left out.
 */
export function identityHeaders(
  claims: Readonly<JWTPayload>,
  mapping: Readonly<Record<string, string>>,
): [name: string, value: string][] {
  const headers: [string, string][] = [];
  for (const claim in mapping) {
    const value = headerValue(claims[claim]);
    if (value !== undefined) headers.push([mapping[claim] as string, value]);
  }
  return headers;
}

function headerValue(value: unknown): string | undefined {
  let text: string;
  if (Array.isArray(value)) {
    if (!value.every(isScalar)) return undefined;
    text = value.join(',');
  } else if (isScalar(value)) {
    text = String(value);
  } else {
    return undefined;
  }
  return text.length <= MAX_IDENTITY_VALUE_LENGTH && isSafeHeaderValue(text) ? text : undefined;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** No C0 control (tab included), no DEL, nothing a Latin-1 header line cannot carry. */
function isSafeHeaderValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code > 0xff) return false;
  }
  return true;
}

/**
 * An unambiguous text of the partition claims' values, for the content cache key: each value is typed
 * and length-prefixed, so a missing claim ("-"), an empty string ("s0:") and values containing the
 * separator can never collide.
 */
export function partitionValues(claims: Readonly<JWTPayload>, names: readonly string[]): string {
  let out = '';
  for (const name of names) {
    const value = claims[name];
    let part: string;
    if (value === undefined) part = '-';
    else if (typeof value === 'string') part = `s${value.length}:${value}`;
    else if (typeof value === 'number' || typeof value === 'boolean') part = `${typeof value === 'number' ? 'n' : 'b'}${value}`;
    else {
      const json = JSON.stringify(value);
      part = `j${json.length}:${json}`;
    }
    out += out === '' ? part : `|${part}`;
  }
  return out;
}
