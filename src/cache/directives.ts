// Which field's directives govern Bouncer's caching of a response: targeted cache control (RFC 9213)
// before Cache-Control. The target list is Bouncer-Cache-Control (this cache's own), then
// CDN-Cache-Control (every CDN's): the first with a valid, non-empty value is used, and then
// Cache-Control and Expires are ignored for Bouncer's decisions (§2.2). Targeted fields are
// Structured Field Dictionaries (RFC 8941); one that does not parse is ignored, as if absent.
// Cache-Control still reaches the client; Bouncer-Cache-Control never does (see store rules).
import { parseDictionary, Token } from 'structured-headers';
import { parseCacheControl, type Directives } from '../http/cache-control.js';
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';

export const TARGET_LIST = ['bouncer-cache-control', 'cdn-cache-control'] as const;
export type GoverningField = (typeof TARGET_LIST)[number] | 'cache-control';

export interface Governing {
  readonly field: GoverningField;
  readonly directives: Directives;
}

export function governingDirectives(headers: HeaderMap): Governing {
  for (const field of TARGET_LIST) {
    const directives = targetedDirectives(fieldValue(headers, field));
    if (directives !== undefined) return { field, directives };
  }
  return { field: 'cache-control', directives: parseCacheControl(fieldValue(headers, 'cache-control')) };
}

/** RFC 9213 §2.1: a targeted field as directives, or undefined when absent, empty or invalid. */
export function targetedDirectives(value: string | undefined): Directives | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let dictionary: ReturnType<typeof parseDictionary>;
  try {
    dictionary = parseDictionary(value);
  } catch {
    return undefined;
  }
  const out = new Map<string, string | true>();
  for (const [name, member] of dictionary) {
    const item = member[0];
    // A boolean false member is a directive that is not there (e.g. private=?0).
    if (item === false) continue;
    if (item === true) out.set(name, true);
    else if (typeof item === 'number') out.set(name, Number.isInteger(item) && item >= 0 ? String(item) : 'invalid');
    else if (typeof item === 'string') out.set(name, item);
    else if (item instanceof Token) out.set(name, item.toString());
    else out.set(name, 'invalid');
  }
  return out.size === 0 ? undefined : out;
}
