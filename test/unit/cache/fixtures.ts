// Shared material for the cache's unit tests: a fixed clock, stored entries and requests built by
// hand (plain data, as a store holds them), store rules with everything off.
import type { GatewayRequest, HeaderMap } from '../../../src/http/exchange.js';
import type { Timing } from '../../../src/cache/freshness.js';
import type { StoreRule } from '../../../src/cache/storable.js';
import { NEVER, type StoredEntry } from '../../../src/cache/store.js';
import type { VaryRequest } from '../../../src/cache/vary.js';

/** 2026-01-15T12:00:00Z, a whole second. */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** An IMF-fixdate (RFC 9110 §5.6.7) for an epoch ms. */
export const httpDate = (ms: number): string => new Date(ms).toUTCString();

/** A response received at `responseTime`, its request sent `delay` ms before. */
export const timing = (responseTime = NOW, delay = 0): Timing => ({ requestTime: responseTime - delay, responseTime });

/** A route that adds nothing to the origin's word. */
export const rule = (overrides: Partial<StoreRule> = {}): StoreRule => ({
  ttl: undefined,
  staleWhileRevalidate: undefined,
  staleIfError: undefined,
  heuristic: undefined,
  staleOnError: 0,
  shareAuthenticated: false,
  ...overrides,
});

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A stored 200 of "hello world", fresh for a minute from NOW. */
export function storedEntry(overrides: Partial<StoredEntry> = {}): StoredEntry {
  const body = overrides.body ?? bytes('hello world');
  return {
    status: 200,
    headers: ['content-type', 'text/plain', 'cache-control', 'max-age=60', 'content-length', String(body.byteLength)],
    body,
    requestTime: NOW,
    responseTime: NOW,
    initialAge: 0,
    freshUntil: NOW + 60_000,
    refreshAt: NEVER,
    staleWhileRevalidateUntil: NOW + 60_000,
    staleIfErrorUntil: NOW + 60_000,
    policy: { field: 'cache-control', value: 'max-age=60' },
    vary: null,
    variant: '',
    etag: undefined,
    lastModified: undefined,
    tags: [],
    ...overrides,
  };
}

export function request(headers: HeaderMap = {}, method = 'GET', url = '/p'): GatewayRequest {
  return { method, url, headers, remoteAddress: '192.0.2.1', secure: false, body: null };
}

/** A VaryRequest over plain header values (lower-case names). */
export function varyRequest(headers: Record<string, string> = {}): VaryRequest {
  return { header: (name) => headers[name] };
}

/** The header list of a response as a map of name → values, in order. */
export function headersOf(list: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < list.length; i += 2) out.set(list[i]!, [...(out.get(list[i]!) ?? []), list[i + 1]!]);
  return out;
}
