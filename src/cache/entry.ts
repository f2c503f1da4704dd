// Building a stored entry from a response the store rules accepted: the header list as it will be
// delivered (pre-built, so a hit does no work), the times at which it stops being fresh and usable
// stale, its validators and purge tags. The same for a fresh response and for one updated by a 304.
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import type { Template } from '../http/template.js';
import { responseHeaderList } from '../upstream/headers.js';
import { NEVER_DELIVERED } from './deliver.js';
import type { Governing } from './directives.js';
import type { Lifetime, Timing } from './freshness.js';
import { NEVER, type StoredEntry } from './store.js';

// Recomputed per delivery (age, content-length), internal to the cache (purge labels), or never
// delivered (Bouncer-Cache-Control); Set-Cookie is never stored at all.
const NOT_STORED_FIELDS: ReadonlySet<string> = new Set(['age', 'surrogate-key', 'cache-tag', 'set-cookie', ...NEVER_DELIVERED]);

export interface EntryInput {
  readonly status: number;
  /** The response's fields, repeated lines combined. */
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly timing: Timing;
  readonly governing: Governing;
  readonly lifetime: Lifetime;
  readonly vary: readonly string[] | null;
  readonly variant: string;
  /** Fraction of the fresh lifetime before its end within which a hit refreshes in the background. */
  readonly refreshAhead: number;
  /** The template of an ESI page (its body parsed), or undefined. */
  readonly template?: Template | undefined;
}

export function newEntry(input: EntryInput): StoredEntry {
  const { headers, lifetime, timing } = input;
  const list = responseHeaderList(headers, { dropLength: true, drop: NOT_STORED_FIELDS });
  list.push('content-length', String(input.body.byteLength));
  const freshUntil = timing.responseTime + lifetime.freshMs;
  return {
    status: input.status,
    headers: list,
    body: input.body,
    requestTime: timing.requestTime,
    responseTime: timing.responseTime,
    initialAge: lifetime.initialAge,
    freshUntil,
    refreshAt: input.refreshAhead > 0 && lifetime.freshMs > 0 ? freshUntil - lifetime.freshMs * input.refreshAhead : NEVER,
    staleWhileRevalidateUntil: freshUntil + lifetime.staleWhileRevalidateMs,
    staleIfErrorUntil: freshUntil + lifetime.staleIfErrorMs,
    policy: { field: input.governing.field, value: fieldValue(headers, input.governing.field) ?? '' },
    vary: input.vary,
    variant: input.variant,
    etag: fieldValue(headers, 'etag'),
    lastModified: fieldValue(headers, 'last-modified'),
    tags: tagsOf(headers),
    ...(input.template === undefined ? {} : { template: input.template }),
  };
}

/** The stored header list as a field map again (for a 304 to update). */
export function headerMapOf(entry: StoredEntry): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; i < entry.headers.length; i += 2) {
    const name = entry.headers[i]!;
    map[name] = map[name] === undefined ? entry.headers[i + 1]! : `${map[name]}, ${entry.headers[i + 1]}`;
  }
  // The governing field may be one that is not delivered (Bouncer-Cache-Control): it still governs.
  if (entry.policy.field !== 'cache-control' && map[entry.policy.field] === undefined) map[entry.policy.field] = entry.policy.value;
  // So are the purge labels, which are not delivered either. A tag with whitespace inside can only
  // have come from Cache-Tag; every other one reads back the same from Surrogate-Key (commas and all).
  const spaced = entry.tags.filter((tag) => /\s/.test(tag));
  const plain = entry.tags.filter((tag) => !/\s/.test(tag));
  if (plain.length > 0) map['surrogate-key'] = plain.join(' ');
  if (spaced.length > 0) map['cache-tag'] = spaced.join(', ');
  return map;
}

/** Purge labels of a response: Surrogate-Key (space-separated) and Cache-Tag (comma-separated). */
export function tagsOf(headers: HeaderMap): string[] {
  const tags: string[] = [];
  for (const [name, separator] of [['surrogate-key', /\s+/], ['cache-tag', /\s*,\s*/]] as const) {
    const value = fieldValue(headers, name);
    if (value === undefined) continue;
    for (const tag of value.trim().split(separator)) if (tag) tags.push(tag);
  }
  return tags;
}
